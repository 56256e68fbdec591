/** How busy a ScryptGate is: derivations running now, and those queued behind them. */
export interface ScryptLoad {
  readonly running: number
  readonly waiting: number
}

/**
 * Lets at most `limit` scrypt derivations run at once; the rest wait their turn in order. scrypt
 * runs on libuv's thread pool (4 threads by default), which file and DNS work share: unbounded
 * parallel logins would fill it and stall every vault in the process.
 */
export class ScryptGate {
  readonly #limit: number
  readonly #queue: (() => void)[] = []
  #running = 0

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit))
  }

  /** Runs `derive` once a slot is free. */
  async run<T>(derive: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#queue.push(resolve))
    else this.#running += 1
    try {
      return await derive()
    } finally {
      // The slot passes straight to the next in line, so `running` never exceeds the limit.
      const next = this.#queue.shift()
      if (next === undefined) this.#running -= 1
      else next()
    }
  }

  get load(): ScryptLoad {
    return { running: this.#running, waiting: this.#queue.length }
  }
}

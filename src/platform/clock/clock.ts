/** Time as the vault sees it. Tests drive session expiry, retries and watermarks with a fake. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() })

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  #now: number

  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.#now = typeof start === 'number' ? start : Date.parse(start)
  }

  now(): number {
    return this.#now
  }

  advance(ms: number): void {
    this.#now += ms
  }

  set(at: number | string): void {
    this.#now = typeof at === 'number' ? at : Date.parse(at)
  }
}

/** UTC ISO-8601 with milliseconds, as every date-time in the API. */
export function isoTimestamp(clock: Clock): string {
  return new Date(clock.now()).toISOString()
}

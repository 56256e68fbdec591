import type { Clock } from '../clock/index.js'
import {
  API_BURST_DELAY_MS,
  API_BURST_LIMIT_CALLS,
  API_BURST_LIMIT_CONNECTION_CALLS,
  API_BURST_WINDOW_MS,
} from './defaults.js'

export interface BurstLimiterOptions {
  readonly clock: Clock
  /** Calls of people (sessions) per window before calls are delayed. (Default: 2,000) */
  readonly limit?: number
  /** Signed calls of one connection per window before they are delayed. (Default: 100,000) */
  readonly connectionLimit?: number
  /** Length of the fixed window in milliseconds. (Default: 5 minutes) */
  readonly windowMs?: number
}

/** What one call may do: the values of the X-VaultAPI-BurstLimit* headers and the delay to apply. */
export interface BurstTicket {
  readonly limit: number
  readonly remaining: number
  /** How long to hold the call before running it (X-VaultAPI-ResponseDelay); 0 within the limit. */
  readonly delayMs: number
}

/** What a vault's people have spent, for `GET /limits`: the burst window now and the calls of the UTC day. */
export interface ApiUsage {
  readonly burstLimit: number
  readonly burstRemaining: number
  /** When the current burst window ends (epoch ms). */
  readonly burstWindowEndsMs: number
  /** Calls counted since midnight UTC; Vault has no daily limit since v21.1, so none is enforced. */
  readonly dailyCalls: number
}

const DAY_MS = 24 * 60 * 60 * 1000

interface Budget {
  windowStartMs: number
  calls: number
}

/**
 * The API burst limit of one vault: a fixed window of calls. As Vault does since v21.1, calls over
 * the limit are delayed by 500 ms until the window ends, never rejected. In memory, one per vault.
 * People's calls share the vault's budget; each connection's signed calls have a budget of their
 * own, because a connection makes one call per document file and would otherwise exhaust the
 * budget that keeps the vault responsive for people (and be slowed by it).
 */
export class BurstLimiter {
  readonly #clock: Clock
  readonly #limit: number
  readonly #connectionLimit: number
  readonly #windowMs: number
  readonly #people: Budget = { windowStartMs: Number.NEGATIVE_INFINITY, calls: 0 }
  readonly #connections = new Map<string, Budget>()
  #dayStartMs = Number.NEGATIVE_INFINITY
  #dailyCalls = 0

  constructor(options: BurstLimiterOptions) {
    this.#clock = options.clock
    this.#limit = options.limit ?? API_BURST_LIMIT_CALLS
    this.#connectionLimit = options.connectionLimit ?? API_BURST_LIMIT_CONNECTION_CALLS
    this.#windowMs = options.windowMs ?? API_BURST_WINDOW_MS
  }

  /** Counts one call of a person: against the vault's shared budget, and in the day's count. */
  take(): BurstTicket {
    this.#rollDay()
    this.#dailyCalls += 1
    return this.#count(this.#people, this.#limit)
  }

  /** Counts one signed call of a connection (its local `connection__sys` id): against its own budget. */
  takeForConnection(connectionId: string): BurstTicket {
    let budget = this.#connections.get(connectionId)
    if (budget === undefined) {
      budget = { windowStartMs: Number.NEGATIVE_INFINITY, calls: 0 }
      this.#connections.set(connectionId, budget)
    }
    return this.#count(budget, this.#connectionLimit)
  }

  /** What people have spent, without counting a call. */
  usage(): ApiUsage {
    this.#rollDay()
    this.#rollWindow(this.#people)
    return {
      burstLimit: this.#limit,
      burstRemaining: Math.max(0, this.#limit - this.#people.calls),
      burstWindowEndsMs: this.#people.windowStartMs + this.#windowMs,
      dailyCalls: this.#dailyCalls,
    }
  }

  #count(budget: Budget, limit: number): BurstTicket {
    this.#rollWindow(budget)
    budget.calls += 1
    const over = budget.calls > limit
    return {
      limit,
      remaining: Math.max(0, limit - budget.calls),
      delayMs: over ? API_BURST_DELAY_MS : 0,
    }
  }

  /** Starts a new window when the clock has moved past the budget's current one. */
  #rollWindow(budget: Budget): void {
    // Windows are aligned to the epoch, so they are the same fixed slots whatever the start time.
    const windowStartMs = Math.floor(this.#clock.now() / this.#windowMs) * this.#windowMs
    if (windowStartMs !== budget.windowStartMs) {
      budget.windowStartMs = windowStartMs
      budget.calls = 0
    }
  }

  /** Starts a new day's count at midnight UTC. */
  #rollDay(): void {
    const dayStartMs = Math.floor(this.#clock.now() / DAY_MS) * DAY_MS
    if (dayStartMs !== this.#dayStartMs) {
      this.#dayStartMs = dayStartMs
      this.#dailyCalls = 0
    }
  }
}

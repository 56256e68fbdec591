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

  constructor(options: BurstLimiterOptions) {
    this.#clock = options.clock
    this.#limit = options.limit ?? API_BURST_LIMIT_CALLS
    this.#connectionLimit = options.connectionLimit ?? API_BURST_LIMIT_CONNECTION_CALLS
    this.#windowMs = options.windowMs ?? API_BURST_WINDOW_MS
  }

  /** Counts one call of a person: against the vault's shared budget. */
  take(): BurstTicket {
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

  #count(budget: Budget, limit: number): BurstTicket {
    const nowMs = this.#clock.now()
    // Windows are aligned to the epoch, so they are the same fixed slots whatever the start time.
    const windowStartMs = Math.floor(nowMs / this.#windowMs) * this.#windowMs
    if (windowStartMs !== budget.windowStartMs) {
      budget.windowStartMs = windowStartMs
      budget.calls = 0
    }
    budget.calls += 1
    const over = budget.calls > limit
    return {
      limit,
      remaining: Math.max(0, limit - budget.calls),
      delayMs: over ? API_BURST_DELAY_MS : 0,
    }
  }
}

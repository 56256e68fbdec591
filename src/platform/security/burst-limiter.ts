import type { Clock } from '../clock/index.js'
import { API_BURST_DELAY_MS, API_BURST_LIMIT_CALLS, API_BURST_WINDOW_MS } from './defaults.js'

export interface BurstLimiterOptions {
  readonly clock: Clock
  /** Calls per window before calls are delayed. (Default: 2,000) */
  readonly limit?: number
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

/** What a vault's callers have spent, for `GET /limits`: the burst window now and the calls of the UTC day. */
export interface ApiUsage {
  readonly burstLimit: number
  readonly burstRemaining: number
  /** When the current burst window ends (epoch ms). */
  readonly burstWindowEndsMs: number
  /** Calls counted since midnight UTC; Vault has no daily limit since v21.1, so none is enforced. */
  readonly dailyCalls: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The API burst limit of one vault: a fixed window of calls. As Vault does since v21.1, calls over
 * the limit are delayed by 500 ms until the window ends, never rejected. In memory, one per vault.
 */
export class BurstLimiter {
  readonly #clock: Clock
  readonly #limit: number
  readonly #windowMs: number
  #windowStartMs = Number.NEGATIVE_INFINITY
  #calls = 0
  #dayStartMs = Number.NEGATIVE_INFINITY
  #dailyCalls = 0

  constructor(options: BurstLimiterOptions) {
    this.#clock = options.clock
    this.#limit = options.limit ?? API_BURST_LIMIT_CALLS
    this.#windowMs = options.windowMs ?? API_BURST_WINDOW_MS
  }

  /** Counts one call. */
  take(): BurstTicket {
    this.#roll()
    this.#calls += 1
    this.#dailyCalls += 1
    const over = this.#calls > this.#limit
    return {
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - this.#calls),
      delayMs: over ? API_BURST_DELAY_MS : 0,
    }
  }

  /** What has been spent, without counting a call. */
  usage(): ApiUsage {
    this.#roll()
    return {
      burstLimit: this.#limit,
      burstRemaining: Math.max(0, this.#limit - this.#calls),
      burstWindowEndsMs: this.#windowStartMs + this.#windowMs,
      dailyCalls: this.#dailyCalls,
    }
  }

  /** Starts a new window (and a new day) when the clock has moved past the current one. */
  #roll(): void {
    const nowMs = this.#clock.now()
    // Windows are aligned to the epoch, so they are the same fixed slots whatever the start time.
    const windowStartMs = Math.floor(nowMs / this.#windowMs) * this.#windowMs
    if (windowStartMs !== this.#windowStartMs) {
      this.#windowStartMs = windowStartMs
      this.#calls = 0
    }
    const dayStartMs = Math.floor(nowMs / DAY_MS) * DAY_MS
    if (dayStartMs !== this.#dayStartMs) {
      this.#dayStartMs = dayStartMs
      this.#dailyCalls = 0
    }
  }
}

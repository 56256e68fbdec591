import type { Kysely } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import {
  LOGIN_ATTEMPT_PRUNE_INTERVAL_MS,
  LOGIN_BACKOFF_BASE_MS,
  LOGIN_BACKOFF_MAX_MS,
  LOGIN_THROTTLE_MAX_FAILURES,
  LOGIN_THROTTLE_WINDOW_MS,
} from './defaults.js'

/** A login in progress; it counts as failed until `succeeded` or `discard` says otherwise. */
export interface LoginAttempt {
  readonly id: number
  readonly username: string
  readonly address: string
}

export interface LoginThrottleOptions {
  readonly db: Kysely<VaultDb>
  readonly clock: Clock
  /** Failed logins of a username from one address before attempts must wait. (Default: 5) */
  readonly maxFailures?: number
  /** The sliding window in milliseconds in which failures count. (Default: 24 hours) */
  readonly windowMs?: number
}

/** Usernames compare case-insensitively, so `Jane@x` and `jane@x` share one counter. */
function throttleKey(username: string): string {
  return username.trim().toLowerCase()
}

/** How long to wait after the last failure, given the failures so far: 1 s, 2 s, 4 s, … 15 min. */
function backoffMs(failures: number, maxFailures: number): number {
  if (failures < maxFailures) return 0
  const doublings = Math.min(failures - maxFailures, 30)
  return Math.min(LOGIN_BACKOFF_BASE_MS * 2 ** doublings, LOGIN_BACKOFF_MAX_MS)
}

/**
 * Slows repeated failed logins of a username from one source address with an exponential
 * back-off: after the free failures, each attempt must wait twice as long after the last failure
 * as the one before, up to a cap. Counting per address means guesses from one address never
 * lock the user out of logins from another. State lives in the `login_attempt` table, so every
 * process of a vault sees the same counts.
 */
export class LoginThrottle {
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock
  readonly #maxFailures: number
  readonly #windowMs: number
  #lastPruneMs = Number.NEGATIVE_INFINITY

  constructor(options: LoginThrottleOptions) {
    this.#db = options.db
    this.#clock = options.clock
    this.#maxFailures = options.maxFailures ?? LOGIN_THROTTLE_MAX_FAILURES
    this.#windowMs = options.windowMs ?? LOGIN_THROTTLE_WINDOW_MS
  }

  /**
   * Records an attempt before the password is checked, so parallel guesses count too, and throws
   * LOGIN_THROTTLED when the username's failures from this address still ask for a wait.
   */
  async begin(username: string, address = ''): Promise<LoginAttempt> {
    const key = throttleKey(username)
    const nowMs = this.#clock.now()
    const cutoff = new Date(nowMs - this.#windowMs).toISOString()
    await this.#pruneOccasionally(nowMs, cutoff)
    const inserted = await this.#db
      .insertInto('login_attempt')
      .values({ username: key, address, attempted_date: isoTimestamp(this.#clock), succeeded: 0 })
      .returning('id')
      .executeTakeFirstOrThrow()
    const attempt: LoginAttempt = { id: Number(inserted.id), username: key, address }
    // The attempts before this one (failed, or still running and so counted as failed).
    const earlier = await this.#db
      .selectFrom('login_attempt')
      .select((eb) => [eb.fn.countAll().as('failures'), eb.fn.max('attempted_date').as('latest')])
      .where('username', '=', key)
      .where('address', '=', address)
      .where('attempted_date', '>', cutoff)
      .where('id', '<', attempt.id)
      .executeTakeFirstOrThrow()
    const failures = Number(earlier.failures)
    const waitMs = backoffMs(failures, this.#maxFailures)
    if (waitMs === 0) return attempt
    const retryAtMs = Date.parse(String(earlier.latest)) + waitMs
    if (nowMs >= retryAtMs) return attempt
    // A refused attempt is not a failure: it neither lengthens the wait nor doubles the next one.
    await this.discard(attempt)
    const retryAt = new Date(retryAtMs).toISOString()
    throw new LiaisonError(
      'LOGIN_THROTTLED',
      `Too many failed logins for user "${username}" from this address (${failures} in a row). Try again after ${retryAt}; each further failure doubles the wait, up to ${Math.round(LOGIN_BACKOFF_MAX_MS / 60_000)} minutes. Logins from other addresses are not affected.`,
      { details: { username, retryAt } },
    )
  }

  /** The password was right: forgets this username's failures from this address. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.#db
      .deleteFrom('login_attempt')
      .where('username', '=', attempt.username)
      .where('address', '=', attempt.address)
      .execute()
  }

  /** The attempt neither failed nor succeeded (e.g. an inactive user gave the right password). */
  async discard(attempt: LoginAttempt): Promise<void> {
    await this.#db.deleteFrom('login_attempt').where('id', '=', attempt.id).execute()
  }

  async #pruneOccasionally(nowMs: number, cutoff: string): Promise<void> {
    if (nowMs - this.#lastPruneMs < LOGIN_ATTEMPT_PRUNE_INTERVAL_MS) return
    this.#lastPruneMs = nowMs
    await this.#db.deleteFrom('login_attempt').where('attempted_date', '<=', cutoff).execute()
  }
}

import type { Kysely } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import {
  LOGIN_ATTEMPT_PRUNE_INTERVAL_MS,
  LOGIN_THROTTLE_MAX_FAILURES,
  LOGIN_THROTTLE_WINDOW_MS,
} from './defaults.js'

/** A login in progress; it counts as failed until `succeeded` or `discard` says otherwise. */
export interface LoginAttempt {
  readonly id: number
  readonly username: string
}

export interface LoginThrottleOptions {
  readonly db: Kysely<VaultDb>
  readonly clock: Clock
  /** Failed logins allowed within the window. (Default: 5) */
  readonly maxFailures?: number
  /** The sliding window in milliseconds. (Default: 15 minutes) */
  readonly windowMs?: number
}

/** Usernames compare case-insensitively, so `Jane@x` and `jane@x` share one counter. */
function throttleKey(username: string): string {
  return username.trim().toLowerCase()
}

/**
 * Refuses logins of a username after too many failures within a sliding window. State lives in
 * the `login_attempt` table, so every process of a vault sees the same counts.
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
   * LOGIN_THROTTLED when the username already has the maximum of failures in the window.
   */
  async begin(username: string): Promise<LoginAttempt> {
    const key = throttleKey(username)
    const nowMs = this.#clock.now()
    const cutoff = new Date(nowMs - this.#windowMs).toISOString()
    await this.#pruneOccasionally(nowMs, cutoff)
    const inserted = await this.#db
      .insertInto('login_attempt')
      .values({ username: key, attempted_date: isoTimestamp(this.#clock), succeeded: 0 })
      .returning('id')
      .executeTakeFirstOrThrow()
    const attempt: LoginAttempt = { id: Number(inserted.id), username: key }
    // Attempts up to and including this one, newest first: the ones before it are its failures.
    const recent = await this.#db
      .selectFrom('login_attempt')
      .select(['id', 'attempted_date'])
      .where('username', '=', key)
      .where('attempted_date', '>', cutoff)
      .where('id', '<=', attempt.id)
      .orderBy('id', 'desc')
      .limit(this.#maxFailures + 1)
      .execute()
    const earlier = recent.filter((row) => Number(row.id) !== attempt.id)
    if (earlier.length < this.#maxFailures) return attempt
    // A refused attempt is not a failure: the lockout ends when the window passes, not later.
    await this.discard(attempt)
    const oldestCounted = Date.parse(String(earlier[this.#maxFailures - 1].attempted_date))
    const retryAt = new Date(oldestCounted + this.#windowMs).toISOString()
    const minutes = Math.round(this.#windowMs / 60_000)
    throw new LiaisonError(
      'LOGIN_THROTTLED',
      `Too many failed logins for user "${username}": ${this.#maxFailures} within ${minutes} minutes. Try again after ${retryAt}, or ask an admin to reset the password.`,
      { details: { username, retryAt } },
    )
  }

  /** The password was right: forgets this username's failures. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.#db.deleteFrom('login_attempt').where('username', '=', attempt.username).execute()
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

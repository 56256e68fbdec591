import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import { appendAudit, appendLoginAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { SECURITY_PROFILES, type SecurityProfile } from '../metadata/index.js'
import type { VaultDb, VaultRow } from '../storage/index.js'
import {
  SESSION_CACHE_MAX_ENTRIES,
  SESSION_CACHE_TTL_MS,
  SESSION_ID_BYTES,
  SESSION_IDLE_TIMEOUT_MS,
  SESSION_MAX_LIFETIME_MS,
  SESSION_TOUCH_INTERVAL_MS,
} from './defaults.js'
import { LoginThrottle } from './login-throttle.js'
import { hashPassword, needsRehash, PASSWORD_COST, type PasswordCost, verifyPassword } from './passwords.js'

/** The profile of the users connections call back as (never a password session). */
const INTEGRATION_PROFILE = 'integration_user__sys'

/** Values of `user__sys.status__v`. */
export const USER_STATUSES = ['active__v', 'inactive__v'] as const
export type UserStatus = (typeof USER_STATUSES)[number]

/** Who a session belongs to, as the API needs it on every request. */
export interface SessionUser {
  readonly userId: string
  readonly username: string
  readonly securityProfile: SecurityProfile
  readonly status: UserStatus
}

export interface SessionStoreOptions {
  readonly db: Kysely<VaultDb>
  readonly clock: Clock
  /** A session ends after this long without a request. (Default: 30 minutes) */
  readonly idleTimeoutMs?: number
  /** A session ends this long after login, however busy. (Default: 48 hours) */
  readonly maxLifetimeMs?: number
  /** Refuses logins after repeated failures. (Default: a LoginThrottle on the same db and clock) */
  readonly throttle?: LoginThrottle
  /**
   * The scrypt cost of new password hashes. Only for tests, which create users by the hundred:
   * every production path takes the default. (Default: PASSWORD_COST)
   */
  readonly passwordCost?: PasswordCost
}

/** What one process knows about a session between database reads. */
interface CachedSession {
  readonly user: SessionUser
  readonly createdMs: number
  /** Last request seen, here or (as of the last read) in any process. */
  lastUsedMs: number
  /** `last_used_date` as this process last read or wrote it. */
  writtenMs: number
  readonly loadedMs: number
}

const SESSION_ID_PATTERN = /^[0-9a-f]+$/
const LOGIN_FAILED_MESSAGE =
  'The username or password is incorrect. Check both and try again; after repeated failures, further attempts from this address must wait a while.'

const LOGIN_SUCCESS_STATUS = 'Success'

/** The login audit trail's status of a failed attempt, by the error that ended it. */
function loginFailureStatus(error: unknown): string {
  if (!(error instanceof LiaisonError)) return 'Failure: Error'
  switch (error.code) {
    case 'LOGIN_FAILED':
      return 'Failure: Invalid username or password'
    case 'LOGIN_THROTTLED':
      return 'Failure: Too many failed attempts'
    case 'USER_INACTIVE':
      return 'Failure: Inactive user'
    case 'ACCESS_DENIED':
      return 'Failure: Not allowed to log in'
    default:
      return 'Failure: Error'
  }
}

function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex')
}

function isSecurityProfile(value: unknown): value is SecurityProfile {
  return typeof value === 'string' && (SECURITY_PROFILES as readonly string[]).includes(value)
}

function isUserStatus(value: unknown): value is UserStatus {
  return typeof value === 'string' && (USER_STATUSES as readonly string[]).includes(value)
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

/** Checks the user columns read from `user__sys`; a vault with a broken user record says which. */
function toSessionUser(row: VaultRow): SessionUser {
  const username = text(row.username)
  if (!isSecurityProfile(row.security_profile))
    throw new LiaisonError(
      'ACCESS_DENIED',
      `User "${username}" has the security profile "${text(row.security_profile)}", which this vault does not know. Ask an admin to give the user one of: ${SECURITY_PROFILES.join(', ')}.`,
      { details: { userId: text(row.user_id) } },
    )
  return {
    userId: text(row.user_id),
    username,
    securityProfile: row.security_profile,
    status: isUserStatus(row.status) ? row.status : 'inactive__v',
  }
}

function invalidSession(message: string): LiaisonError {
  return new LiaisonError('SESSION_INVALID', message)
}

/**
 * Logs users in and resolves session ids. Only the SHA-256 of a session id is stored. Each
 * instance caches sessions for a couple of seconds and writes `last_used_date` at most every few
 * seconds, so a request does not cost a database write, while a logout in another process is seen
 * almost at once.
 */
export class SessionStore {
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock
  readonly #idleTimeoutMs: number
  readonly #maxLifetimeMs: number
  readonly #throttle: LoginThrottle
  readonly #passwordCost: PasswordCost
  readonly #cache = new Map<string, CachedSession>()
  #dummyHash: Promise<string> | undefined

  constructor(options: SessionStoreOptions) {
    this.#db = options.db
    this.#clock = options.clock
    this.#idleTimeoutMs = options.idleTimeoutMs ?? SESSION_IDLE_TIMEOUT_MS
    this.#maxLifetimeMs = options.maxLifetimeMs ?? SESSION_MAX_LIFETIME_MS
    this.#throttle = options.throttle ?? new LoginThrottle({ db: options.db, clock: options.clock })
    this.#passwordCost = options.passwordCost ?? PASSWORD_COST
  }

  /**
   * Sets (or replaces) a user's password and ends the user's sessions, as a password change does
   * in Vault. Pass a transaction as `db` to make it part of a larger change.
   */
  async setPassword(db: Kysely<VaultDb>, userId: string, password: string): Promise<void> {
    if (password.length === 0)
      throw new LiaisonError(
        'PARAMETER_MISSING',
        `The new password of user ${userId} is empty; send a password.`,
      )
    const passwordHash = await hashPassword(password, this.#passwordCost)
    const changedDate = isoTimestamp(this.#clock)
    await db
      .insertInto('user_credential')
      .values({ user_id: userId, password_hash: passwordHash, changed_date: changedDate })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ password_hash: passwordHash, changed_date: changedDate }),
      )
      .execute()
    await this.endSessionsOfUser(userId, db)
  }

  /**
   * Checks a username (case-insensitive) and password and opens a session. Throws LOGIN_FAILED for
   * an unknown user or a wrong password alike, USER_INACTIVE when the password is right but the user
   * is inactive, and LOGIN_THROTTLED after repeated failures of this username from `address`
   * (the client's source address; failures from one address do not slow logins from another).
   */
  async login(
    username: string,
    password: string,
    address = '',
  ): Promise<{ sessionId: string; user: SessionUser }> {
    // Every attempt goes into the login audit trail, after the outcome is known: one insert, no
    // further password work, and never the password itself.
    let result: { sessionId: string; user: SessionUser }
    try {
      result = await this.#login(username, password, address)
    } catch (error) {
      await appendLoginAudit(this.#db, {
        username,
        sourceIp: address,
        status: loginFailureStatus(error),
        timestamp: isoTimestamp(this.#clock),
      })
      throw error
    }
    await appendLoginAudit(this.#db, {
      username: result.user.username,
      userId: result.user.userId,
      sourceIp: address,
      status: LOGIN_SUCCESS_STATUS,
      timestamp: isoTimestamp(this.#clock),
    })
    return result
  }

  async #login(
    username: string,
    password: string,
    address: string,
  ): Promise<{ sessionId: string; user: SessionUser }> {
    const attempt = await this.#throttle.begin(username, address)
    const row = await this.#findLoginUser(username)
    const storedHash = row === undefined ? undefined : text(row.password_hash)
    if (row === undefined || storedHash === undefined || storedHash === '') {
      // Spend the same time as a real check, so timing does not tell which usernames exist.
      await verifyPassword(password, await this.#getDummyHash())
      throw new LiaisonError('LOGIN_FAILED', LOGIN_FAILED_MESSAGE)
    }
    if (!(await verifyPassword(password, storedHash)))
      throw new LiaisonError('LOGIN_FAILED', LOGIN_FAILED_MESSAGE)
    if (row.status !== 'active__v') {
      await this.#throttle.discard(attempt)
      throw new LiaisonError(
        'USER_INACTIVE',
        `User "${text(row.username)}" is inactive and cannot log in. Ask an admin to reactivate the user.`,
      )
    }
    const user = toSessionUser(row)
    // Finding 2: an integration user acts only through its connection's signed calls, whose
    // grants are narrower than its profile; a password session would bypass them.
    if (user.securityProfile === INTEGRATION_PROFILE) {
      await this.#throttle.discard(attempt)
      throw new LiaisonError(
        'ACCESS_DENIED',
        `User "${user.username}" is an integration user: it acts only through its connection's signed calls and cannot log in with a password. Log in as a person instead.`,
      )
    }
    await this.#throttle.succeeded(attempt)
    if (needsRehash(storedHash, this.#passwordCost)) await this.#rehash(user, storedHash, password)
    const sessionId = randomBytes(SESSION_ID_BYTES).toString('hex')
    const idHash = hashSessionId(sessionId)
    const nowMs = this.#clock.now()
    const now = new Date(nowMs).toISOString()
    await this.#db
      .insertInto('api_session')
      .values({
        id_hash: idHash,
        user_id: user.userId,
        created_date: now,
        last_used_date: now,
        ended_date: null,
      })
      .execute()
    this.#remember(idHash, { user, createdMs: nowMs, lastUsedMs: nowMs, writtenMs: nowMs, loadedMs: nowMs })
    return { sessionId, user }
  }

  /**
   * The user of a live session; each call restarts the idle clock. Throws SESSION_INVALID for an
   * unknown or ended session, one idle for longer than the idle timeout, one older than the maximum
   * lifetime, and one whose user has become inactive.
   */
  async resolve(sessionId: string): Promise<SessionUser> {
    const normalized = sessionId.trim().toLowerCase()
    if (normalized.length !== SESSION_ID_BYTES * 2 || !SESSION_ID_PATTERN.test(normalized))
      throw invalidSession(
        'The session id is not one this vault issued. Log in with POST /api/{version}/auth and send the sessionId it returns.',
      )
    const idHash = hashSessionId(normalized)
    const nowMs = this.#clock.now()
    let entry = this.#cache.get(idHash)
    if (entry === undefined || nowMs - entry.loadedMs >= SESSION_CACHE_TTL_MS) {
      entry = await this.#load(idHash, nowMs, entry)
    }
    if (nowMs - entry.createdMs >= this.#maxLifetimeMs) {
      this.#cache.delete(idHash)
      throw invalidSession(
        `The session reached the maximum lifetime of ${Math.round(this.#maxLifetimeMs / 3_600_000)} hours. Log in again.`,
      )
    }
    if (nowMs - entry.lastUsedMs >= this.#idleTimeoutMs) {
      this.#cache.delete(idHash)
      throw invalidSession(
        `The session expired after ${Math.round(this.#idleTimeoutMs / 60_000)} minutes without a request. Log in again.`,
      )
    }
    entry.lastUsedMs = nowMs
    if (nowMs - entry.writtenMs >= SESSION_TOUCH_INTERVAL_MS) {
      const result = await this.#db
        .updateTable('api_session')
        .set({ last_used_date: new Date(nowMs).toISOString() })
        .where('id_hash', '=', idHash)
        .where('ended_date', 'is', null)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) {
        this.#cache.delete(idHash)
        throw invalidSession('The session was ended (logout or password change). Log in again.')
      }
      entry.writtenMs = nowMs
    }
    this.#remember(idHash, entry)
    return entry.user
  }

  /** Ends one session. Ending an unknown or already ended session does nothing. */
  async logout(sessionId: string): Promise<void> {
    const idHash = hashSessionId(sessionId.trim().toLowerCase())
    this.#cache.delete(idHash)
    await this.#db
      .updateTable('api_session')
      .set({ ended_date: isoTimestamp(this.#clock) })
      .where('id_hash', '=', idHash)
      .where('ended_date', 'is', null)
      .execute()
  }

  /** Ends every open session of a user (password change, inactivation) and returns how many. */
  async endSessionsOfUser(userId: string, db: Kysely<VaultDb> = this.#db): Promise<number> {
    for (const [idHash, entry] of this.#cache) if (entry.user.userId === userId) this.#cache.delete(idHash)
    const result = await db
      .updateTable('api_session')
      .set({ ended_date: isoTimestamp(this.#clock) })
      .where('user_id', '=', userId)
      .where('ended_date', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** Deletes sessions that can no longer be used (ended, idle too long, or too old); returns how many. */
  async pruneSessions(): Promise<number> {
    const nowMs = this.#clock.now()
    // Other processes may hold a newer last use than the table shows for up to the touch interval.
    const idleBefore = new Date(
      nowMs - this.#idleTimeoutMs - SESSION_TOUCH_INTERVAL_MS - SESSION_CACHE_TTL_MS,
    )
    const createdBefore = new Date(nowMs - this.#maxLifetimeMs)
    const result = await this.#db
      .deleteFrom('api_session')
      .where((eb) =>
        eb.or([
          eb('ended_date', 'is not', null),
          eb('last_used_date', '<', idleBefore.toISOString()),
          eb('created_date', '<=', createdBefore.toISOString()),
        ]),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async #findLoginUser(username: string): Promise<VaultRow | undefined> {
    const wanted = username.trim()
    const rows = await this.#db
      .selectFrom('user__sys as u')
      .leftJoin('user_credential as c', 'c.user_id', 'u.id')
      .select([
        'u.id as user_id',
        'u.username__sys as username',
        'u.security_profile__sys as security_profile',
        'u.status__v as status',
        'c.password_hash as password_hash',
      ])
      .where((eb) => eb(eb.fn('lower', [eb.ref('u.username__sys')]), '=', wanted.toLowerCase()))
      .limit(10)
      .execute()
    // Usernames match case-insensitively; should two differ only in case, only the exact one logs in.
    if (rows.length === 1) return rows[0]
    return rows.find((row) => row.username === wanted)
  }

  async #load(idHash: string, nowMs: number, previous: CachedSession | undefined): Promise<CachedSession> {
    const row = await this.#db
      .selectFrom('api_session as s')
      .leftJoin('user__sys as u', 'u.id', 's.user_id')
      .select([
        's.user_id as user_id',
        's.created_date as created_date',
        's.last_used_date as last_used_date',
        's.ended_date as ended_date',
        'u.id as found_user_id',
        'u.username__sys as username',
        'u.security_profile__sys as security_profile',
        'u.status__v as status',
      ])
      .where('s.id_hash', '=', idHash)
      .executeTakeFirst()
    if (row === undefined) {
      this.#cache.delete(idHash)
      throw invalidSession(
        'The session id is not known to this vault. Log in with POST /api/{version}/auth and send the sessionId it returns.',
      )
    }
    if (row.ended_date !== null && row.ended_date !== undefined) {
      this.#cache.delete(idHash)
      throw invalidSession('The session was ended (logout or password change). Log in again.')
    }
    if (row.found_user_id === null || row.found_user_id === undefined || row.status !== 'active__v') {
      this.#cache.delete(idHash)
      throw invalidSession(
        `The user of this session (${text(row.user_id)}) no longer exists or is inactive. Log in as an active user.`,
      )
    }
    const writtenMs = Date.parse(text(row.last_used_date))
    return {
      user: toSessionUser(row),
      createdMs: Date.parse(text(row.created_date)),
      lastUsedMs: Math.max(writtenMs, previous?.lastUsedMs ?? Number.NEGATIVE_INFINITY),
      writtenMs: Math.max(writtenMs, previous?.writtenMs ?? Number.NEGATIVE_INFINITY),
      loadedMs: nowMs,
    }
  }

  #remember(idHash: string, entry: CachedSession): void {
    // Map order is insertion order: re-inserting keeps the most recently used last.
    this.#cache.delete(idHash)
    this.#cache.set(idHash, entry)
    if (this.#cache.size > SESSION_CACHE_MAX_ENTRIES) {
      const oldest = this.#cache.keys().next()
      if (!oldest.done) this.#cache.delete(oldest.value)
    }
  }

  #getDummyHash(): Promise<string> {
    this.#dummyHash ??= hashPassword(randomBytes(16).toString('hex'), this.#passwordCost)
    return this.#dummyHash
  }

  /**
   * Hashes a password that just verified again with the current cost, so a hash made under an
   * older, cheaper cost is upgraded at the user's next login (the only time the password is
   * known). Unlike setPassword, the user's sessions stay open: the password is the same. A
   * password changed meanwhile (another process) is left alone. Audited on the user record.
   */
  async #rehash(user: SessionUser, storedHash: string, password: string): Promise<void> {
    const upgraded = await hashPassword(password, this.#passwordCost)
    const { n, r, p } = this.#passwordCost
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('user_credential')
        .set({ password_hash: upgraded })
        .where('user_id', '=', user.userId)
        .where('password_hash', '=', storedHash)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return
      await appendAudit(
        trx,
        { userId: user.userId, userName: user.username },
        isoTimestamp(this.#clock),
        randomUUID(),
        [
          {
            action: 'Edit',
            objectName: 'user__sys',
            recordId: user.userId,
            description: `Password hash upgraded at login to scrypt N=${n}, r=${r}, p=${p}; the password is unchanged.`,
          },
        ],
        // One row of 13 values: far below any database's parameter limit.
        1_000,
      )
    })
  }
}

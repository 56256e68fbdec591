import { createHash } from 'node:crypto'
import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { TEST_PASSWORD_COST } from '../../../test/support/password-cost.js'
import { ManualClock } from '../clock/index.js'
import { isLiaisonError } from '../errors/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import { SESSION_CACHE_TTL_MS, SESSION_TOUCH_INTERVAL_MS } from './defaults.js'
import { SessionStore } from './session-store.js'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
let testDb: TestDatabase
let storage: Storage
let clock: ManualClock
let store: SessionStore

beforeAll(async () => {
  testDb = await createTestDatabase('session_store')
  storage = createDatabase(testDb.config)
  await migrateToLatest(storage)
  // The metadata layer owns user__sys; these are the columns sessions read.
  await sql`create table user__sys (
    id text primary key, username__sys text not null, security_profile__sys text, status__v text,
    name__v text, first_name__sys text, last_name__sys text, email__sys text)`.execute(storage.db)
})

afterAll(async () => {
  await storage?.close()
  await testDb?.drop()
})

beforeEach(async () => {
  for (const table of ['api_session', 'user_credential', 'login_attempt', 'user__sys'])
    await storage.db.deleteFrom(table).execute()
  clock = new ManualClock('2026-03-01T08:00:00.000Z')
  store = new SessionStore({ db: storage.db, clock, passwordCost: TEST_PASSWORD_COST })
})

interface UserSeed {
  readonly id: string
  readonly username: string
  readonly profile?: string
  readonly status?: string
  readonly password?: string
}

async function addUser(seed: UserSeed): Promise<void> {
  await storage.db
    .insertInto('user__sys')
    .values({
      id: seed.id,
      username__sys: seed.username,
      security_profile__sys: seed.profile ?? 'rep__v',
      status__v: seed.status ?? 'active__v',
      name__v: seed.username,
      first_name__sys: 'Test',
      last_name__sys: seed.id,
      email__sys: seed.username,
    })
    .execute()
  if (seed.password !== undefined) await store.setPassword(storage.db, seed.id, seed.password)
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  return undefined
}

function anotherProcess(): SessionStore {
  return new SessionStore({ db: storage.db, clock, passwordCost: TEST_PASSWORD_COST })
}

describe('SessionStore.login', () => {
  it('opens a session with a 32-byte hex id and stores only its SHA-256', async () => {
    await addUser({ id: 'V0U000000000001', username: 'rep@crm.test', password: 's3cret!' })
    const { sessionId, user } = await store.login('rep@crm.test', 's3cret!')
    expect(sessionId).toMatch(/^[0-9a-f]{64}$/)
    expect(user).toEqual({
      userId: 'V0U000000000001',
      username: 'rep@crm.test',
      securityProfile: 'rep__v',
      status: 'active__v',
    })
    const rows = await storage.db.selectFrom('api_session').selectAll().execute()
    expect(rows).toHaveLength(1)
    expect(rows[0].id_hash).toBe(createHash('sha256').update(sessionId).digest('hex'))
    expect(JSON.stringify(rows)).not.toContain(sessionId)
    expect(rows[0]).toMatchObject({
      user_id: 'V0U000000000001',
      created_date: '2026-03-01T08:00:00.000Z',
      last_used_date: '2026-03-01T08:00:00.000Z',
      ended_date: null,
    })
    expect(await store.resolve(sessionId)).toEqual(user)
    expect(await anotherProcess().resolve(sessionId)).toEqual(user)
  })

  it('stores a scrypt hash, not the password', async () => {
    await addUser({ id: 'U1', username: 'rep@crm.test', password: 's3cret!' })
    const credential = await storage.db.selectFrom('user_credential').selectAll().executeTakeFirstOrThrow()
    expect(String(credential.password_hash)).toMatch(/^scrypt\$4096\$8\$1\$/)
    expect(credential.changed_date).toBe('2026-03-01T08:00:00.000Z')
  })

  it('hashes a password again with its own cost at the next login, keeping sessions and auditing it', async () => {
    const cheap = new SessionStore({ db: storage.db, clock, passwordCost: { n: 1_024, r: 8, p: 1 } })
    await storage.db
      .insertInto('user__sys')
      .values({
        id: 'U-REHASH',
        username__sys: 'rep@crm.test',
        security_profile__sys: 'rep__v',
        status__v: 'active__v',
      })
      .execute()
    await cheap.setPassword(storage.db, 'U-REHASH', 'pw')
    const before = await storage.db.selectFrom('user_credential').selectAll().executeTakeFirstOrThrow()
    expect(String(before.password_hash)).toMatch(/^scrypt\$1024\$8\$1\$/)
    const { sessionId } = await cheap.login('rep@crm.test', 'pw')

    await store.login('rep@crm.test', 'pw')
    const after = await storage.db.selectFrom('user_credential').selectAll().executeTakeFirstOrThrow()
    expect(String(after.password_hash)).toMatch(/^scrypt\$4096\$8\$1\$/)
    expect(after.changed_date).toBe(before.changed_date)
    // The password did not change: the session opened before the upgrade lives on.
    await expect(store.resolve(sessionId)).resolves.toMatchObject({ userId: 'U-REHASH' })
    const audit = await storage.db
      .selectFrom('audit_trail')
      .selectAll()
      .where('record_id', '=', 'U-REHASH')
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ object_name: 'user__sys', user_id: 'U-REHASH', action: 'Edit' })
    expect(String(audit[0]!.event_description)).toMatch(/N=4096, r=8, p=1/)
    // Once upgraded, a login changes nothing.
    await store.login('rep@crm.test', 'pw')
    const again = await storage.db.selectFrom('user_credential').selectAll().executeTakeFirstOrThrow()
    expect(again.password_hash).toBe(after.password_hash)
    // A wrong password upgrades nothing.
    await expect(cheap.login('rep@crm.test', 'nope')).rejects.toMatchObject({ code: 'LOGIN_FAILED' })
    expect(
      (await storage.db.selectFrom('user_credential').selectAll().executeTakeFirstOrThrow()).password_hash,
    ).toBe(after.password_hash)
  })

  it('matches usernames case-insensitively', async () => {
    await addUser({ id: 'U1', username: 'Rep@CRM.test', password: 'pw' })
    const { user } = await store.login(' rep@crm.TEST ', 'pw')
    expect(user.username).toBe('Rep@CRM.test')
  })

  it('gives the same answer for an unknown user and a wrong password', async () => {
    await addUser({ id: 'U1', username: 'rep@crm.test', password: 'pw' })
    await addUser({ id: 'U2', username: 'nopassword@crm.test' })
    const wrongPassword = await thrown(store.login('rep@crm.test', 'nope'))
    const unknownUser = await thrown(store.login('ghost@crm.test', 'pw'))
    const noPassword = await thrown(store.login('nopassword@crm.test', ''))
    for (const error of [wrongPassword, unknownUser, noPassword]) {
      expect(isLiaisonError(error) && error.code).toBe('LOGIN_FAILED')
      if (isLiaisonError(error)) expect(error.vaultType).toBe('USERNAME_OR_PASSWORD_INCORRECT')
    }
    if (isLiaisonError(wrongPassword) && isLiaisonError(unknownUser))
      expect(wrongPassword.message).toBe(unknownUser.message)
    expect(await storage.db.selectFrom('api_session').selectAll().execute()).toHaveLength(0)
  })

  it('refuses an inactive user with USER_INACTIVE only when the password is right', async () => {
    await addUser({ id: 'U1', username: 'gone@crm.test', status: 'inactive__v', password: 'pw' })
    await expect(store.login('gone@crm.test', 'wrong')).rejects.toMatchObject({ code: 'LOGIN_FAILED' })
    const error = await thrown(store.login('gone@crm.test', 'pw'))
    expect(isLiaisonError(error) && error.code).toBe('USER_INACTIVE')
    if (isLiaisonError(error)) expect(error.message).toMatch(/reactivate/)
  })

  it('throttles after 5 failures, even with the right password, until the window passes', async () => {
    await addUser({ id: 'U1', username: 'rep@crm.test', password: 'pw' })
    for (let i = 0; i < 5; i++)
      await expect(store.login('rep@crm.test', 'guess')).rejects.toMatchObject({ code: 'LOGIN_FAILED' })
    await expect(store.login('rep@crm.test', 'pw')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    clock.advance(15 * MINUTE_MS)
    await expect(store.login('rep@crm.test', 'pw')).resolves.toMatchObject({ user: { userId: 'U1' } })
    // The success cleared the failures.
    for (let i = 0; i < 4; i++)
      await expect(store.login('rep@crm.test', 'guess')).rejects.toMatchObject({ code: 'LOGIN_FAILED' })
    await expect(store.login('rep@crm.test', 'pw')).resolves.toBeDefined()
  })

  it('refuses a user whose security profile the vault does not know, naming the fix', async () => {
    await addUser({ id: 'U1', username: 'odd@crm.test', profile: 'wizard__c', password: 'pw' })
    const error = await thrown(store.login('odd@crm.test', 'pw'))
    expect(isLiaisonError(error) && error.code).toBe('ACCESS_DENIED')
    if (isLiaisonError(error)) expect(error.message).toContain('wizard__c')
  })

  it('refuses an empty new password', async () => {
    await addUser({ id: 'U1', username: 'rep@crm.test' })
    await expect(store.setPassword(storage.db, 'U1', '')).rejects.toMatchObject({ code: 'PARAMETER_MISSING' })
  })
})

describe('SessionStore.resolve', () => {
  beforeEach(async () => {
    await addUser({ id: 'U1', username: 'rep@crm.test', password: 'pw' })
    await addUser({
      id: 'U2',
      username: 'agent@med.test',
      profile: 'medical_information_agent__v',
      password: 'pw',
    })
  })

  it('rejects ids it never issued', async () => {
    for (const id of ['', 'abc', 'z'.repeat(64), 'a'.repeat(64), `${'a'.repeat(64)}0`])
      await expect(store.resolve(id)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('expires a session after 30 minutes without a request, restarting the clock on each use', async () => {
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    clock.advance(29 * MINUTE_MS)
    await store.resolve(sessionId)
    clock.advance(29 * MINUTE_MS)
    await store.resolve(sessionId)
    // Another process sees the same last use through the table.
    clock.advance(29 * MINUTE_MS)
    await anotherProcess().resolve(sessionId)
    clock.advance(30 * MINUTE_MS)
    const error = await thrown(store.resolve(sessionId))
    expect(isLiaisonError(error) && error.code).toBe('SESSION_INVALID')
    if (isLiaisonError(error)) expect(error.message).toMatch(/30 minutes/)
    await expect(anotherProcess().resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('honours a custom idle timeout', async () => {
    store = new SessionStore({
      db: storage.db,
      clock,
      idleTimeoutMs: 5 * MINUTE_MS,
      passwordCost: TEST_PASSWORD_COST,
    })
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    clock.advance(5 * MINUTE_MS)
    await expect(store.resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('ends a busy session 48 hours after login', async () => {
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    for (let elapsed = 0; elapsed < 48 * HOUR_MS - 20 * MINUTE_MS; elapsed += 20 * MINUTE_MS) {
      clock.advance(20 * MINUTE_MS)
      await store.resolve(sessionId)
    }
    clock.set('2026-03-03T08:00:00.000Z')
    const error = await thrown(store.resolve(sessionId))
    expect(isLiaisonError(error) && error.code).toBe('SESSION_INVALID')
    if (isLiaisonError(error)) expect(error.message).toMatch(/48 hours/)
    await expect(anotherProcess().resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('writes last_used_date at most once per touch interval', async () => {
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    const lastUsed = async (): Promise<unknown> =>
      (await storage.db.selectFrom('api_session').select('last_used_date').executeTakeFirstOrThrow())
        .last_used_date
    for (let i = 0; i < 4; i++) {
      clock.advance(1_000)
      await store.resolve(sessionId)
    }
    expect(await lastUsed()).toBe('2026-03-01T08:00:00.000Z')
    clock.advance(SESSION_TOUCH_INTERVAL_MS)
    await store.resolve(sessionId)
    expect(await lastUsed()).toBe('2026-03-01T08:00:09.000Z')
  })

  it('ends a session at logout, here at once and in other processes within the cache time', async () => {
    const other = anotherProcess()
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    const { sessionId: second } = await store.login('rep@crm.test', 'pw')
    await other.resolve(sessionId)
    await store.logout(sessionId)
    await expect(store.resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    clock.advance(SESSION_CACHE_TTL_MS)
    await expect(other.resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    // Each session is independent: the user's other session lives on.
    await expect(store.resolve(second)).resolves.toMatchObject({ userId: 'U1' })
    await store.logout(sessionId)
    await store.logout('not a session')
  })

  it('ends every session of a user, and only theirs, when the password changes', async () => {
    const a = await store.login('rep@crm.test', 'pw')
    const b = await anotherProcess().login('rep@crm.test', 'pw')
    const agent = await store.login('agent@med.test', 'pw')
    await store.setPassword(storage.db, 'U1', 'n3w-pw')
    await expect(store.resolve(a.sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    await expect(store.resolve(b.sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
    await expect(store.resolve(agent.sessionId)).resolves.toMatchObject({ userId: 'U2' })
    await expect(store.login('rep@crm.test', 'pw')).rejects.toMatchObject({ code: 'LOGIN_FAILED' })
    await expect(store.login('rep@crm.test', 'n3w-pw')).resolves.toBeDefined()
    expect(await store.endSessionsOfUser('U1')).toBe(1)
    expect(await store.endSessionsOfUser('U1')).toBe(0)
  })

  it('sets a password inside a transaction that rolls back', async () => {
    await storage.db
      .transaction()
      .execute(async (trx) => {
        await store.setPassword(trx, 'U1', 'other')
        throw new Error('roll back')
      })
      .catch(() => undefined)
    await expect(store.login('rep@crm.test', 'pw')).resolves.toBeDefined()
  })

  it('refuses the sessions of a user who became inactive', async () => {
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    await storage.db
      .updateTable('user__sys')
      .set({ status__v: 'inactive__v' })
      .where('id', '=', 'U1')
      .execute()
    clock.advance(SESSION_CACHE_TTL_MS)
    await expect(store.resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('notices a session ended elsewhere when it next writes its last use', async () => {
    const { sessionId } = await store.login('rep@crm.test', 'pw')
    await storage.db.updateTable('api_session').set({ ended_date: '2026-03-01T08:00:00.500Z' }).execute()
    clock.advance(SESSION_TOUCH_INTERVAL_MS)
    await expect(store.resolve(sessionId)).rejects.toMatchObject({ code: 'SESSION_INVALID' })
  })

  it('prunes ended and expired sessions but keeps live ones', async () => {
    const ended = await store.login('rep@crm.test', 'pw')
    await store.logout(ended.sessionId)
    await store.login('rep@crm.test', 'pw') // will go idle
    clock.advance(20 * MINUTE_MS)
    const live = await store.login('agent@med.test', 'pw')
    clock.advance(15 * MINUTE_MS)
    expect(await store.pruneSessions()).toBe(2)
    await expect(store.resolve(live.sessionId)).resolves.toMatchObject({ userId: 'U2' })
  })
})

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { ManualClock } from '../clock/index.js'
import { isLiaisonError } from '../errors/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import { LOGIN_ATTEMPT_PRUNE_INTERVAL_MS, LOGIN_THROTTLE_WINDOW_MS } from './defaults.js'
import { LoginThrottle } from './login-throttle.js'

let testDb: TestDatabase
let storage: Storage
let clock: ManualClock
let throttle: LoginThrottle

beforeAll(async () => {
  testDb = await createTestDatabase('login_throttle')
  storage = createDatabase(testDb.config)
  await migrateToLatest(storage)
})

afterAll(async () => {
  await storage?.close()
  await testDb?.drop()
})

beforeEach(async () => {
  await storage.db.deleteFrom('login_attempt').execute()
  clock = new ManualClock('2026-03-01T08:00:00.000Z')
  throttle = new LoginThrottle({ db: storage.db, clock })
})

/** Records `count` failed attempts, all now (the free ones need no wait between them). */
async function fail(username: string, count: number, address = ''): Promise<void> {
  for (let i = 0; i < count; i++) await throttle.begin(username, address)
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  return undefined
}

describe('LoginThrottle', () => {
  it('makes a username wait after 5 failures from one address, saying when to retry', async () => {
    await fail('jane@liaison.test', 5) // five failures at 08:00
    clock.set('2026-03-01T08:00:00.500Z')
    const error = await thrown(throttle.begin('jane@liaison.test'))
    expect(isLiaisonError(error) && error.code).toBe('LOGIN_THROTTLED')
    if (!isLiaisonError(error)) return
    expect(error.vaultType).toBe('API_LIMIT_EXCEEDED')
    expect(error.message).toContain('jane@liaison.test')
    // The last failure was at 08:00; the first wait is one second.
    expect(error.message).toContain('2026-03-01T08:00:01.000Z')
  })

  it('allows the next attempt once the wait has passed, without refused attempts extending it', async () => {
    await fail('jane', 5) // five failures at 08:00
    for (let i = 0; i < 3; i++)
      await expect(throttle.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    clock.set('2026-03-01T08:00:00.999Z')
    await expect(throttle.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    clock.set('2026-03-01T08:00:01.000Z')
    await throttle.begin('jane') // one more try, which fails again: the next wait is 2 s
    await expect(throttle.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
  })

  it('counts each source address separately', async () => {
    await fail('jane', 5, '203.0.113.7')
    await expect(throttle.begin('jane', '203.0.113.7')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    await expect(throttle.begin('jane', '198.51.100.2')).resolves.toMatchObject({ address: '198.51.100.2' })
  })

  it('counts usernames separately and case-insensitively', async () => {
    await fail('Jane@Liaison.test', 5)
    await expect(throttle.begin('jane@liaison.test')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    await expect(throttle.begin('john@liaison.test')).resolves.toMatchObject({
      username: 'john@liaison.test',
    })
  })

  it('forgets failures after a successful login', async () => {
    await fail('jane', 4)
    const attempt = await throttle.begin('jane')
    await throttle.succeeded(attempt)
    await fail('jane', 5)
    await expect(throttle.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
  })

  it('does not count discarded attempts', async () => {
    for (let i = 0; i < 10; i++) await throttle.discard(await throttle.begin('jane'))
    await expect(throttle.begin('jane')).resolves.toBeDefined()
  })

  it('shares counts between processes through the database', async () => {
    const other = new LoginThrottle({ db: storage.db, clock })
    await fail('jane', 3)
    await other.begin('jane')
    await other.begin('jane')
    await expect(other.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
    await expect(throttle.begin('jane')).rejects.toMatchObject({ code: 'LOGIN_THROTTLED' })
  })

  it('throttles a burst of parallel guesses too', async () => {
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => throttle.begin('jane')))
    const allowed = results.filter((r) => r.status === 'fulfilled').length
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'LOGIN_THROTTLED' })
    expect(allowed).toBeGreaterThanOrEqual(1)
    // Exactly 5 when statements run one at a time; a few more may slip through on a pool.
    expect(allowed).toBeLessThanOrEqual(10)
  })

  it('prunes attempts older than the window', async () => {
    await fail('jane', 3)
    clock.advance(LOGIN_THROTTLE_WINDOW_MS + LOGIN_ATTEMPT_PRUNE_INTERVAL_MS)
    await throttle.begin('john')
    const rows = await storage.db.selectFrom('login_attempt').select('username').execute()
    expect(rows.map((r) => r.username)).toEqual(['john'])
  })
})

// Issue 10, finding 7: unauthenticated callers must not lock accounts, spend the burst budget of
// the vault's real callers, or fill the thread pool with scrypt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import {
  LOGIN_BACKOFF_BASE_MS,
  LOGIN_THROTTLE_MAX_FAILURES,
  PASSWORD_SCRYPT_CONCURRENCY_MAX,
  scryptLoad,
} from '../../src/platform/security/index.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Answer = { responseStatus: string; sessionId?: string; errors?: { type: string; message: string }[] }

const PASSWORD = 'Correct-Horse-9' // the password test-vault.ts gives every user it creates
const ATTACKER = '203.0.113.66'
const OWNER = '198.51.100.23'

let t: TestVault
let clock: ManualClock

beforeAll(async () => {
  clock = new ManualClock('2026-05-04T09:00:00.000Z')
  t = await openTestVault(medicalProfile, { clock, burstLimit: 5 })
})

afterAll(async () => {
  await t?.close()
})

async function login(username: string, password: string, address: string): Promise<Answer> {
  const response = await t.app.inject({
    method: 'POST',
    url: `${API}/auth`,
    remoteAddress: address,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`,
  })
  return response.json() as Answer
}

function errorType(answer: Answer): string | undefined {
  return answer.errors?.[0]?.type
}

describe('login abuse (issue 10, finding 7)', () => {
  it('security: wrong passwords from one address slow that address, not the account owner logging in from another', async () => {
    await t.login('admin__sys', 'owner@test.local')
    for (let i = 0; i < LOGIN_THROTTLE_MAX_FAILURES; i++)
      expect(errorType(await login('owner@test.local', `guess-${i}`, ATTACKER))).toBe(
        'USERNAME_OR_PASSWORD_INCORRECT',
      )
    // The attacker's further guesses are held back, even the right password …
    expect(errorType(await login('owner@test.local', 'guess-x', ATTACKER))).toBe('API_LIMIT_EXCEEDED')
    expect(errorType(await login('owner@test.local', PASSWORD, ATTACKER))).toBe('API_LIMIT_EXCEEDED')
    // … while the owner, from another address, logs in at once.
    const owner = await login('OWNER@test.local', PASSWORD, OWNER)
    expect(owner.responseStatus).toBe('SUCCESS')
    expect(owner.sessionId).toBeDefined()
    // The owner's success does not reset the attacker's back-off.
    expect(errorType(await login('owner@test.local', 'guess-y', ATTACKER))).toBe('API_LIMIT_EXCEEDED')
  })

  it('security: back-off grows exponentially and no hard 15-minute lock', async () => {
    await t.login('medical_information_agent__v', 'agent@test.local')
    for (let i = 0; i < LOGIN_THROTTLE_MAX_FAILURES; i++)
      await login('agent@test.local', `guess-${i}`, ATTACKER)
    // Each further failure doubles the wait after it: 1 s, 2 s, 4 s, 8 s, 16 s.
    for (let doubling = 0; doubling < 5; doubling++) {
      const waitMs = LOGIN_BACKOFF_BASE_MS * 2 ** doubling
      clock.advance(waitMs - 1)
      const early = await login('agent@test.local', 'guess', ATTACKER)
      expect(errorType(early)).toBe('API_LIMIT_EXCEEDED')
      expect(early.errors![0]!.message).toContain(new Date(clock.now() + 1).toISOString())
      clock.advance(1)
      expect(errorType(await login('agent@test.local', 'guess', ATTACKER))).toBe(
        'USERNAME_OR_PASSWORD_INCORRECT',
      )
    }
    // Ten failures in all, and the user is not locked for 15 minutes: after the 32 s the next
    // wait asks for, the right password works, from the same address too.
    clock.advance(32_000)
    expect((await login('agent@test.local', PASSWORD, ATTACKER)).responseStatus).toBe('SUCCESS')
  })

  it('security: unauthenticated calls do not spend the burst budget of authenticated callers', async () => {
    const admin = await t.login('admin__sys', 'owner@test.local')
    clock.advance(5 * 60 * 1000) // a fresh burst window (limit 5 calls)
    const strangers = await Promise.all([
      ...Array.from({ length: 20 }, () => t.app.inject({ method: 'GET', url: '/api/' })),
      ...Array.from({ length: 10 }, () =>
        t.app.inject({
          method: 'GET',
          url: `${API}/metadata/vobjects`,
          headers: { authorization: 'f'.repeat(64) },
        }),
      ),
      ...Array.from({ length: 5 }, (_, i) => login(`nobody${i}@test.local`, 'x', ATTACKER)),
    ])
    expect(strangers).toHaveLength(35)
    const first = await t.call('GET', `${API}/metadata/vobjects`, { session: admin })
    expect(first.body.responseStatus).toBe('SUCCESS')
    expect(first.headers['x-vaultapi-burstlimitremaining']).toBe('4')
    expect(first.headers['x-vaultapi-responsedelay']).toBeUndefined()
  })

  it('security: parallel logins for unknown users run at most N scrypt verifications at once', async () => {
    let peakRunning = 0
    let peakWaiting = 0
    const sampler = setInterval(() => {
      const load = scryptLoad()
      peakRunning = Math.max(peakRunning, load.running)
      peakWaiting = Math.max(peakWaiting, load.waiting)
    }, 1)
    try {
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(`unknown${i}@test.local`, 'guess', `192.0.2.${i}`)),
      )
      for (const answer of answers) expect(errorType(answer)).toBe('USERNAME_OR_PASSWORD_INCORRECT')
    } finally {
      clearInterval(sampler)
    }
    expect(peakRunning).toBeGreaterThanOrEqual(1)
    expect(peakRunning).toBeLessThanOrEqual(PASSWORD_SCRYPT_CONCURRENCY_MAX)
    // The rest queued for a slot rather than filling the thread pool.
    expect(peakWaiting).toBeGreaterThan(0)
    expect(scryptLoad()).toEqual({ running: 0, waiting: 0 })
  })
})

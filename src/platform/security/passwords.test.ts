import { describe, expect, it } from 'vitest'
import { hashPassword, needsRehash, PASSWORD_COST, verifyPassword } from './passwords.js'

/** Most cases check the format, not the cost: a cheap cost keeps them fast. */
const CHEAP = { n: 1_024, r: 8, p: 1 }

describe('passwords', () => {
  it('hashes as scrypt$N$r$p$salt$hash with a 16-byte salt', async () => {
    const encoded = await hashPassword('correct horse')
    const [scheme, n, r, p, salt, hash] = encoded.split('$')
    expect([scheme, n, r, p]).toEqual(['scrypt', '32768', '8', '3'])
    expect(Buffer.from(salt, 'base64')).toHaveLength(16)
    expect(Buffer.from(hash, 'base64').length).toBeGreaterThanOrEqual(32)
  })

  it('verifies the right password and rejects others', async () => {
    const encoded = await hashPassword('correct horse', CHEAP)
    expect(await verifyPassword('correct horse', encoded)).toBe(true)
    expect(await verifyPassword('correct horsE', encoded)).toBe(false)
    expect(await verifyPassword('', encoded)).toBe(false)
  })

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same', CHEAP), hashPassword('same', CHEAP)])
    expect(a).not.toBe(b)
    expect(await verifyPassword('same', a)).toBe(true)
    expect(await verifyPassword('same', b)).toBe(true)
  })

  it('treats composed and decomposed accents as the same password', async () => {
    const encoded = await hashPassword('caf\u00e9', CHEAP)
    expect(await verifyPassword('cafe\u0301', encoded)).toBe(true)
  })

  it('never matches a stored value that is not a valid hash', async () => {
    const encoded = await hashPassword('pw', CHEAP)
    const parts = encoded.split('$')
    const variants = [
      '',
      'pw',
      'bcrypt$16384$8$1$a$b',
      parts.slice(0, 5).join('$'),
      [...parts.slice(0, 1), '16385', ...parts.slice(2)].join('$'),
      [...parts.slice(0, 1), String(1 << 24), ...parts.slice(2)].join('$'),
      [...parts.slice(0, 1), '-1', ...parts.slice(2)].join('$'),
      [...parts.slice(0, 5), ''].join('$'),
      [...parts.slice(0, 4), '', parts[5]].join('$'),
    ]
    for (const variant of variants) expect(await verifyPassword('pw', variant)).toBe(false)
  })

  it('verifies a hash by the parameters it carries, and asks for a rehash when they are not the current ones', async () => {
    const current = await hashPassword('pw')
    expect(needsRehash(current)).toBe(false)
    const older = await hashPassword('pw', { n: 16_384, r: 8, p: 1 })
    expect(older.startsWith('scrypt$16384$8$1$')).toBe(true)
    expect(await verifyPassword('pw', older)).toBe(true)
    expect(needsRehash(older)).toBe(true)
    expect(needsRehash(older, { n: 16_384, r: 8, p: 1 })).toBe(false)
    expect(needsRehash(current, CHEAP)).toBe(true)
    expect(needsRehash('not a hash')).toBe(false)
    expect(PASSWORD_COST).toEqual({ n: 32_768, r: 8, p: 3 })
  })

  it('refuses to make a hash with a cost it would not verify', async () => {
    for (const cost of [
      { n: 1_000, r: 8, p: 1 },
      { n: 1 << 18, r: 8, p: 1 },
      { n: 1_024, r: 0, p: 1 },
      { n: 1_024, r: 8, p: 17 },
    ])
      await expect(hashPassword('pw', cost)).rejects.toThrow(/out of range/)
  })
})

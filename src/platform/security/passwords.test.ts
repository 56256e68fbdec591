import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './passwords.js'

describe('passwords', () => {
  it('hashes as scrypt$N$r$p$salt$hash with a 16-byte salt', async () => {
    const encoded = await hashPassword('correct horse')
    const [scheme, n, r, p, salt, hash] = encoded.split('$')
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1'])
    expect(Buffer.from(salt, 'base64')).toHaveLength(16)
    expect(Buffer.from(hash, 'base64').length).toBeGreaterThanOrEqual(32)
  })

  it('verifies the right password and rejects others', async () => {
    const encoded = await hashPassword('correct horse')
    expect(await verifyPassword('correct horse', encoded)).toBe(true)
    expect(await verifyPassword('correct horsE', encoded)).toBe(false)
    expect(await verifyPassword('', encoded)).toBe(false)
  })

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')])
    expect(a).not.toBe(b)
    expect(await verifyPassword('same', a)).toBe(true)
    expect(await verifyPassword('same', b)).toBe(true)
  })

  it('treats composed and decomposed accents as the same password', async () => {
    const encoded = await hashPassword('caf\u00e9')
    expect(await verifyPassword('cafe\u0301', encoded)).toBe(true)
  })

  it('never matches a stored value that is not a valid hash', async () => {
    const encoded = await hashPassword('pw')
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
})

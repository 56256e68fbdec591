import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'
import {
  PASSWORD_KEY_BYTES,
  PASSWORD_SALT_BYTES,
  PASSWORD_SCRYPT_BLOCK_SIZE_R,
  PASSWORD_SCRYPT_CONCURRENCY_MAX,
  PASSWORD_SCRYPT_COST_N,
  PASSWORD_SCRYPT_COST_N_MAX,
  PASSWORD_SCRYPT_PARALLELISM_P,
} from './defaults.js'
import { ScryptGate, type ScryptLoad } from './scrypt-gate.js'

const SCHEME = 'scrypt'
const MAX_BLOCK_SIZE_R = 32
const MAX_PARALLELISM_P = 16

/**
 * One gate for the whole process, not per vault: the thread pool it protects is the process's,
 * shared by every vault in it, so only a process-wide count keeps it from filling.
 */
const SCRYPT_GATE = new ScryptGate(PASSWORD_SCRYPT_CONCURRENCY_MAX)

/** Password derivations running and waiting in this process (for tests and diagnostics). */
export function scryptLoad(): ScryptLoad {
  return SCRYPT_GATE.load
}

function deriveKey(
  password: string,
  salt: Buffer,
  keyBytes: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return SCRYPT_GATE.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) => {
          if (error) reject(error)
          else resolve(key)
        })
      }),
  )
}

function scryptOptions(n: number, r: number, p: number): ScryptOptions {
  // scrypt needs about 128 * N * r bytes; Node refuses more than 32 MiB unless told.
  return { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }
}

/** Hashes a password with scrypt and a random salt, as `scrypt$N$r$p$salt$hash` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(PASSWORD_SALT_BYTES)
  const n = PASSWORD_SCRYPT_COST_N
  const r = PASSWORD_SCRYPT_BLOCK_SIZE_R
  const p = PASSWORD_SCRYPT_PARALLELISM_P
  const key = await deriveKey(password, salt, PASSWORD_KEY_BYTES, scryptOptions(n, r, p))
  return [SCHEME, n, r, p, salt.toString('base64'), key.toString('base64')].join('$')
}

function parsePositiveInteger(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined
  return Number.parseInt(text, 10)
}

/**
 * Checks a password against a stored `hashPassword` result in constant time. A stored value that
 * is not such a hash (or asks for unreasonable scrypt costs) never matches.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== SCHEME) return false
  const n = parsePositiveInteger(parts[1])
  const r = parsePositiveInteger(parts[2])
  const p = parsePositiveInteger(parts[3])
  if (n === undefined || r === undefined || p === undefined) return false
  if (n < 2 || n > PASSWORD_SCRYPT_COST_N_MAX || (n & (n - 1)) !== 0) return false
  if (r > MAX_BLOCK_SIZE_R || p > MAX_PARALLELISM_P) return false
  const salt = Buffer.from(parts[4], 'base64')
  const expected = Buffer.from(parts[5], 'base64')
  if (salt.length === 0 || expected.length < 16 || expected.length > 1024) return false
  const actual = await deriveKey(password, salt, expected.length, scryptOptions(n, r, p))
  return timingSafeEqual(actual, expected)
}

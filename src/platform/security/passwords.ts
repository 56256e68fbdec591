import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto'
import { LiaisonError } from '../errors/index.js'
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

/** The scrypt parameters of a password hash; each hash carries its own, so older ones still verify. */
export interface PasswordCost {
  /** CPU and memory cost, a power of two. */
  readonly n: number
  /** Block size. */
  readonly r: number
  /** Parallelisation. */
  readonly p: number
}

/** The cost of every new hash (see PASSWORD_SCRYPT_COST_N for the choice). */
export const PASSWORD_COST: PasswordCost = Object.freeze({
  n: PASSWORD_SCRYPT_COST_N,
  r: PASSWORD_SCRYPT_BLOCK_SIZE_R,
  p: PASSWORD_SCRYPT_PARALLELISM_P,
})

/**
 * Hashes a password with scrypt and a random salt, as `scrypt$N$r$p$salt$hash` (base64).
 * (Default cost: PASSWORD_COST; only tests pass a cheaper one.)
 */
export async function hashPassword(password: string, cost: PasswordCost = PASSWORD_COST): Promise<string> {
  const { n, r, p } = cost
  // A cost verifyPassword would refuse makes a hash nobody could log in with: fail now instead.
  if (!isAcceptedCost(cost))
    throw new LiaisonError(
      'METADATA_INVALID',
      `The scrypt cost N=${n}, r=${r}, p=${p} is out of range: N must be a power of two from 2 to ${PASSWORD_SCRYPT_COST_N_MAX}, r from 1 to ${MAX_BLOCK_SIZE_R}, p from 1 to ${MAX_PARALLELISM_P}.`,
    )
  const salt = randomBytes(PASSWORD_SALT_BYTES)
  const key = await deriveKey(password, salt, PASSWORD_KEY_BYTES, scryptOptions(n, r, p))
  return [SCHEME, n, r, p, salt.toString('base64'), key.toString('base64')].join('$')
}

/** Costs a stored hash may ask for: bounded, so a forged row cannot make a login eat the memory. */
function isAcceptedCost({ n, r, p }: PasswordCost): boolean {
  return (
    Number.isInteger(n) &&
    Number.isInteger(r) &&
    Number.isInteger(p) &&
    n >= 2 &&
    n <= PASSWORD_SCRYPT_COST_N_MAX &&
    (n & (n - 1)) === 0 &&
    r >= 1 &&
    r <= MAX_BLOCK_SIZE_R &&
    p >= 1 &&
    p <= MAX_PARALLELISM_P
  )
}

function parsePositiveInteger(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined
  return Number.parseInt(text, 10)
}

interface StoredHash {
  readonly cost: PasswordCost
  readonly salt: Buffer
  readonly key: Buffer
}

/** A stored `hashPassword` result, or undefined when it is not one (or asks for unreasonable costs). */
function parseStoredHash(encoded: string): StoredHash | undefined {
  const parts = encoded.split('$')
  if (parts.length !== 6 || parts[0] !== SCHEME) return undefined
  const n = parsePositiveInteger(parts[1]!)
  const r = parsePositiveInteger(parts[2]!)
  const p = parsePositiveInteger(parts[3]!)
  if (n === undefined || r === undefined || p === undefined || !isAcceptedCost({ n, r, p })) return undefined
  const salt = Buffer.from(parts[4]!, 'base64')
  const key = Buffer.from(parts[5]!, 'base64')
  if (salt.length === 0 || key.length < 16 || key.length > 1024) return undefined
  return { cost: { n, r, p }, salt, key }
}

/**
 * Checks a password against a stored `hashPassword` result in constant time, with the parameters
 * the hash carries. A stored value that is not such a hash (or asks for unreasonable scrypt costs)
 * never matches.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parseStoredHash(encoded)
  if (stored === undefined) return false
  const { n, r, p } = stored.cost
  const actual = await deriveKey(password, stored.salt, stored.key.length, scryptOptions(n, r, p))
  return timingSafeEqual(actual, stored.key)
}

/**
 * Whether a hash that just verified should be made again with `cost` (at the user's login, the
 * only time the password is known): its parameters or key length differ from what hashPassword
 * writes now.
 */
export function needsRehash(encoded: string, cost: PasswordCost = PASSWORD_COST): boolean {
  const stored = parseStoredHash(encoded)
  if (stored === undefined) return false
  return (
    stored.cost.n !== cost.n ||
    stored.cost.r !== cost.r ||
    stored.cost.p !== cost.p ||
    stored.key.length !== PASSWORD_KEY_BYTES
  )
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto'
import type { Kysely } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'

const KEY_ID = 'primary'

/**
 * The vault's Ed25519 key pair (B2), created on first open and kept in its database, so every
 * process of a vault signs with the same key and a restart keeps the connections valid.
 */
export class VaultKeys {
  readonly publicKeyPem: string
  readonly #privateKey: KeyObject

  private constructor(publicKeyPem: string, privateKey: KeyObject) {
    this.publicKeyPem = publicKeyPem
    this.#privateKey = privateKey
  }

  /** Loads the key pair, creating it when the vault has none (several processes may race: one wins). */
  static async load(db: Kysely<VaultDb>, clock: Clock): Promise<VaultKeys> {
    const existing = await VaultKeys.#read(db)
    if (existing !== undefined) return existing
    const pair = generateKeyPairSync('ed25519')
    await db
      .insertInto('vault_signing_key')
      .values({
        id: KEY_ID,
        public_key: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        created_date: isoTimestamp(clock),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
    const stored = await VaultKeys.#read(db)
    if (stored === undefined) throw new LiaisonError('INTERNAL', 'The vault signing key could not be stored.')
    return stored
  }

  static async #read(db: Kysely<VaultDb>): Promise<VaultKeys | undefined> {
    const row = await db
      .selectFrom('vault_signing_key')
      .select(['public_key', 'private_key'])
      .where('id', '=', KEY_ID)
      .executeTakeFirst()
    if (row === undefined) return undefined
    return new VaultKeys(String(row.public_key), createPrivateKey(String(row.private_key)))
  }

  /** Ed25519 signature of the bytes, base64. */
  sign(data: Uint8Array): string {
    return sign(null, data, this.#privateKey).toString('base64')
  }
}

/**
 * Parsed public keys by PEM: every signed request is checked against its connection's key, and
 * parsing the PEM each time costs more than the check. A pure cache of an immutable result, bounded.
 */
const PARSED_KEYS = new Map<string, KeyObject | undefined>()
const PARSED_KEYS_MAX = 256

/** Parses a PEM public key; undefined when it is not an Ed25519 key. */
export function parsePublicKey(pem: string): KeyObject | undefined {
  if (PARSED_KEYS.has(pem)) return PARSED_KEYS.get(pem)
  let key: KeyObject | undefined
  try {
    const parsed = createPublicKey(pem)
    key = parsed.asymmetricKeyType === 'ed25519' ? parsed : undefined
  } catch {
    key = undefined
  }
  if (PARSED_KEYS.size >= PARSED_KEYS_MAX) PARSED_KEYS.delete(PARSED_KEYS.keys().next().value as string)
  PARSED_KEYS.set(pem, key)
  return key
}

/** Checks an Ed25519 signature (base64) of the bytes. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signatureBase64: string): boolean {
  try {
    return verify(null, data, publicKey, Buffer.from(signatureBase64, 'base64'))
  } catch {
    return false
  }
}

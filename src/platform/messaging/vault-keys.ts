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

/** Parses a PEM public key; undefined when it is not an Ed25519 key. */
export function parsePublicKey(pem: string): KeyObject | undefined {
  try {
    const key = createPublicKey(pem)
    return key.asymmetricKeyType === 'ed25519' ? key : undefined
  } catch {
    return undefined
  }
}

/** Checks an Ed25519 signature (base64) of the bytes. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signatureBase64: string): boolean {
  try {
    return verify(null, data, publicKey, Buffer.from(signatureBase64, 'base64'))
  } catch {
    return false
  }
}

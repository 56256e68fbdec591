import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname } from 'node:path'
import type { Kysely } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { StorageDialect, VaultDb } from '../storage/index.js'

const KEY_ID = 'primary'

/**
 * The vault's Ed25519 key pair (B2). The private key lives in a key file readable by the vault's
 * owner alone, never in the database: a database copy or a SQL account reveals no key. The
 * database keeps the public key, so every process of a vault must sign with the same key file and
 * one given the wrong file is refused before it signs anything a connection would refuse.
 */
export class VaultKeys {
  readonly publicKeyPem: string
  readonly #privateKey: KeyObject

  private constructor(publicKeyPem: string, privateKey: KeyObject) {
    this.publicKeyPem = publicKeyPem
    this.#privateKey = privateKey
  }

  /**
   * Loads the key pair, creating it when the vault has none. `keyFile` undefined keeps the private
   * key in memory only (an in-memory database, gone with the process anyway). Several processes
   * may race to create the file: one wins and the others read its key. A private key an older
   * release kept in the database is moved to the key file and erased from the database.
   */
  static async load(
    db: Kysely<VaultDb>,
    dialect: StorageDialect,
    clock: Clock,
    keyFile: string | undefined,
  ): Promise<VaultKeys> {
    const stored = await storedPublicKey(db)
    const legacy = await legacyPrivateKey(db)
    let privateKey: KeyObject
    if (keyFile === undefined) privateKey = createPrivateKey(legacy ?? newPrivateKeyPem())
    else {
      const existing = readKeyFile(keyFile)
      if (existing !== undefined) privateKey = existing
      else if (legacy === undefined && stored !== undefined)
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          `The vault's signing key file ${keyFile} is missing, and its connections trust only that key. Restore the file from a backup (mode 0600), or point the key file option at it.`,
        )
      else privateKey = createKeyFileOnce(keyFile, legacy ?? newPrivateKeyPem())
    }
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString()
    if (stored === undefined)
      await db
        .insertInto('vault_signing_key')
        .values({ id: KEY_ID, public_key: publicKeyPem, created_date: isoTimestamp(clock) })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    // Another process may have stored its key first: both must sign with the same one.
    if ((await storedPublicKey(db)) !== publicKeyPem)
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `The signing key in ${keyFile ?? 'memory'} is not this vault's key: its connections would refuse every signature. Point the key file option at the file the vault's other processes use.`,
      )
    if (legacy !== undefined) {
      await db.deleteFrom('legacy_signing_key').execute()
      await dialect.eraseDeletedRows(db)
    }
    return new VaultKeys(publicKeyPem, privateKey)
  }

  /** Ed25519 signature of the bytes, base64. */
  sign(data: Uint8Array): string {
    return sign(null, data, this.#privateKey).toString('base64')
  }
}

function newPrivateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
}

async function storedPublicKey(db: Kysely<VaultDb>): Promise<string | undefined> {
  const row = await db
    .selectFrom('vault_signing_key')
    .select('public_key')
    .where('id', '=', KEY_ID)
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.public_key)
}

/** The private key an older release stored in the database (migration 9 set it aside), if any. */
async function legacyPrivateKey(db: Kysely<VaultDb>): Promise<string | undefined> {
  const row = await db
    .selectFrom('legacy_signing_key')
    .select('private_key')
    .where('id', '=', KEY_ID)
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.private_key)
}

/**
 * Reads the key file; undefined when there is none. A file others can read is refused rather than
 * tightened: its key may already have been copied, and only the owner can judge whether to keep it
 * (`chmod 600`) or to make new connections with a new key.
 */
function readKeyFile(path: string): KeyObject | undefined {
  let stat: ReturnType<typeof statSync>
  try {
    // A link is followed (mounted secrets are links); the mode checked is that of the key itself.
    stat = statSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (!stat.isFile())
    throw new LiaisonError('OPERATION_NOT_ALLOWED', `The signing key file ${path} is not a regular file.`)
  if ((stat.mode & 0o077) !== 0)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `The signing key file ${path} can be read by others (mode ${(stat.mode & 0o777).toString(8)}). If no one else can have copied it, run chmod 600 ${path} and start again.`,
    )
  try {
    const key = createPrivateKey(readFileSync(path, 'utf8'))
    if (key.asymmetricKeyType === 'ed25519') return key
  } catch {
    // Reported below with what to do.
  }
  throw new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `The signing key file ${path} does not hold an Ed25519 private key (PEM). Restore the vault's key file.`,
  )
}

/**
 * Writes the key file 0600 unless it exists: the key goes to a private temporary file first, then
 * is linked to its name, which fails if another process got there first; that process's key is read.
 */
function createKeyFileOnce(path: string, pem: string): KeyObject {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const temporary = `${path}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`
  const fd = openSync(temporary, 'wx', 0o600)
  try {
    writeSync(fd, pem)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(temporary, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    unlinkSync(temporary)
  }
  const key = readKeyFile(path)
  if (key === undefined)
    throw new LiaisonError('INTERNAL', `The signing key file ${path} could not be written.`)
  return key
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

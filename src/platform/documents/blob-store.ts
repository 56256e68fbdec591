import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'

/** A stored file, named by the SHA-256 of its bytes (hex). */
export interface BlobRef {
  readonly sha256: string
  readonly size: number
}

/**
 * Where document files live: content-addressed, so one file uploaded twice is kept once.
 * A store outside the database (a folder, a bucket) is written before the transaction that refers
 * to a blob, and DocumentBlobs removes the blob again once no version refers to it, so a failed
 * transaction leaves nothing behind. A store inside the vault's database (`inTransaction`) is
 * written in that very transaction instead: a rolled-back document leaves no file and a committed
 * one never misses its file.
 */
export interface BlobStore {
  /** Where the blobs live, for messages (never a secret): a folder, the database, a bucket. */
  readonly location: string
  /** Stores the bytes (once per content) and returns their address. */
  put(bytes: Uint8Array): Promise<BlobRef>
  /**
   * The bytes at an address, or undefined when there are none. `within`: the transaction to read
   * through, so a store in the database sees a blob that transaction wrote (others ignore it).
   */
  get(sha256: string, within?: Transaction<VaultDb>): Promise<Uint8Array | undefined>
  /** Whether a blob exists. */
  has(sha256: string): Promise<boolean>
  /** Removes a blob (callers check no version refers to it). */
  delete(sha256: string): Promise<void>
  /** Every stored address (tests and housekeeping). */
  list(): Promise<string[]>
  /** Present on a store inside the vault's database: writes that join the caller's transaction. */
  readonly inTransaction?: TransactionalBlobs
}

/** The writes of a blob store that lives in the vault's database, inside the caller's transaction. */
export interface TransactionalBlobs {
  /**
   * Stores the bytes in `trx` (once per content) and holds the blob until `trx` ends, so no
   * concurrent removal of the same content takes it from under a version that refers to it.
   */
  put(trx: Transaction<VaultDb>, bytes: Uint8Array): Promise<BlobRef>
  /** Holds the blobs the store has among these until `trx` ends; answers which it has. */
  hold(trx: Transaction<VaultDb>, sha256s: readonly string[]): Promise<Set<string>>
  /** Removes these blobs in `trx` (the caller holds them and checked no version refers to them). */
  delete(trx: Transaction<VaultDb>, sha256s: readonly string[]): Promise<void>
}

const SHA256_RE = /^[0-9a-f]{64}$/

/** Whether a text is a blob address (64 lowercase hex digits). */
export function isBlobAddress(sha256: string): boolean {
  return SHA256_RE.test(sha256)
}

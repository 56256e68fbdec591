import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import { type BlobRef, type BlobStore, isBlobAddress, type TransactionalBlobs } from './blob-store.js'

/**
 * A blob is cut into parts of this size: no single value the driver reads or writes is larger
 * (PostgreSQL answers bytea as hex text, twice the bytes), and a file is read a few parts per query.
 */
export const DATABASE_BLOB_PART_BYTES = 1024 * 1024

/** How many parts one read query brings back. */
const PARTS_PER_READ = 8

function assertAddress(sha256: string): void {
  if (!isBlobAddress(sha256)) throw new LiaisonError('INTERNAL', `"${sha256}" is not a SHA-256 blob address.`)
}

/**
 * Blobs inside the vault's own database (migration 12: `document_blob`, one row per content with
 * its size and number of parts, and `document_blob_part`, the bytes in parts of 1 MiB). The
 * default on PostgreSQL, where the vault has no folder of its own: every process of the vault
 * sees the same files, and a document's file is written in the document's transaction.
 *
 * Removal is safe against a concurrent write of the same content: a writer upserts the blob's
 * row (a row lock on PostgreSQL) before it refers to it, and a remover locks the rows first and
 * then reads which versions refer to them, so it sees every writer that held the row before it.
 */
export class DatabaseBlobStore implements BlobStore {
  readonly #db: Kysely<VaultDb>
  readonly location = "the vault's database"

  constructor(db: Kysely<VaultDb>) {
    this.#db = db
  }

  readonly inTransaction: TransactionalBlobs = {
    put: (trx, bytes) => this.#putIn(trx, bytes),
    hold: (trx, sha256s) => this.#holdIn(trx, sha256s),
    delete: (trx, sha256s) => this.#deleteIn(trx, sha256s),
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    return this.#db.transaction().execute((trx) => this.#putIn(trx, bytes))
  }

  async get(sha256: string, within?: Transaction<VaultDb>): Promise<Uint8Array | undefined> {
    assertAddress(sha256)
    const db = within ?? this.#db
    const head = await db
      .selectFrom('document_blob')
      .select(['size', 'parts'])
      .where('sha256', '=', sha256)
      .executeTakeFirst()
    if (head === undefined) return undefined
    const size = Number(head.size)
    const parts = Number(head.parts)
    const out = new Uint8Array(size)
    let offset = 0
    for (let first = 0; first < parts; first += PARTS_PER_READ) {
      const rows = await db
        .selectFrom('document_blob_part')
        .select(['part', 'bytes'])
        .where('sha256', '=', sha256)
        .where('part', '>=', first)
        .where('part', '<', first + PARTS_PER_READ)
        .orderBy('part')
        .execute()
      for (const [i, row] of rows.entries()) {
        const bytes = row.bytes as Uint8Array
        if (Number(row.part) !== first + i || offset + bytes.byteLength > size)
          throw new LiaisonError('INTERNAL', `The stored file ${sha256} is damaged (part ${first + i}).`)
        out.set(bytes, offset)
        offset += bytes.byteLength
      }
    }
    if (offset !== size)
      throw new LiaisonError('INTERNAL', `The stored file ${sha256} is damaged (${offset} of ${size} bytes).`)
    return out
  }

  async has(sha256: string): Promise<boolean> {
    assertAddress(sha256)
    const row = await this.#db
      .selectFrom('document_blob')
      .select('sha256')
      .where('sha256', '=', sha256)
      .executeTakeFirst()
    return row !== undefined
  }

  async delete(sha256: string): Promise<void> {
    assertAddress(sha256)
    await this.#db.transaction().execute((trx) => this.#deleteIn(trx, [sha256]))
  }

  async list(): Promise<string[]> {
    const rows = await this.#db.selectFrom('document_blob').select('sha256').orderBy('sha256').execute()
    return rows.map((r) => String(r.sha256))
  }

  async #putIn(trx: Transaction<VaultDb>, bytes: Uint8Array): Promise<BlobRef> {
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const size = bytes.byteLength
    const parts = Math.ceil(size / DATABASE_BLOB_PART_BYTES)
    // An upsert, not "insert or ignore": the update locks an existing row until trx ends, so a
    // remover waits for this transaction and then sees the version that refers to the blob.
    await trx
      .insertInto('document_blob')
      .values({ sha256, size, parts })
      .onConflict((oc) => oc.column('sha256').doUpdateSet({ size, parts }))
      .execute()
    const stored = await trx
      .selectFrom('document_blob_part')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('sha256', '=', sha256)
      .executeTakeFirstOrThrow()
    if (Number(stored.n) === parts) return { sha256, size }
    await trx.deleteFrom('document_blob_part').where('sha256', '=', sha256).execute()
    for (let part = 0; part < parts; part++) {
      const start = part * DATABASE_BLOB_PART_BYTES
      const slice = bytes.subarray(start, Math.min(size, start + DATABASE_BLOB_PART_BYTES))
      await trx
        .insertInto('document_blob_part')
        .values({ sha256, part, bytes: Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength) })
        .execute()
    }
    return { sha256, size }
  }

  async #holdIn(trx: Transaction<VaultDb>, sha256s: readonly string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set()
    for (const sha of sha256s) assertAddress(sha)
    // A column written to itself is the portable SELECT … FOR UPDATE (SQLite has one writer).
    // One row at a time in address order, so two removers of overlapping sets never deadlock.
    const held = new Set<string>()
    for (const sha256 of [...new Set(sha256s)].sort()) {
      const row = await trx
        .updateTable('document_blob')
        .set((eb) => ({ size: eb.ref('size') }))
        .where('sha256', '=', sha256)
        .returning('sha256')
        .executeTakeFirst()
      if (row !== undefined) held.add(sha256)
    }
    return held
  }

  async #deleteIn(trx: Transaction<VaultDb>, sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return
    const list = [...new Set(sha256s)]
    await trx.deleteFrom('document_blob_part').where('sha256', 'in', list).execute()
    await trx.deleteFrom('document_blob').where('sha256', 'in', list).execute()
  }
}

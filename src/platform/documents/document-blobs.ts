import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import type { BlobRef, BlobStore } from './blob-store.js'
import type { DocumentFile, HeldFile } from './document-types.js'

/**
 * A file on its way into a version: its address, and what the writing transaction must call
 * before it refers to the blob (`keepIn`). For a store outside the database the blob is written
 * already and `keepIn` does nothing; for a store in the database `keepIn` writes (or holds) the
 * blob in that transaction.
 */
export interface StagedBlob extends BlobRef {
  keepIn(trx: Transaction<VaultDb>): Promise<void>
}

const KEPT_ALREADY = async (): Promise<void> => {}

/**
 * The lifetime of document files in the BlobStore: the size limit, blobs written before the
 * transaction that refers to them (or in it, for a store in the database), and blobs removed again
 * once no version refers to them (after a failed write or a deletion). Blobs are shared by content,
 * so a blob goes only when unused.
 */
export class DocumentBlobs {
  readonly #db: Kysely<VaultDb>
  readonly #maxFileBytes: number
  /** The file store; the blob of every version lives here. */
  readonly store: BlobStore

  constructor(options: {
    readonly db: Kysely<VaultDb>
    readonly store: BlobStore
    readonly maxFileBytes: number
  }) {
    this.#db = options.db
    this.store = options.store
    this.#maxFileBytes = options.maxFileBytes
  }

  /** The largest file accepted, in bytes. */
  get maxFileBytes(): number {
    return this.#maxFileBytes
  }

  /** Throws FILE_TOO_LARGE for a file over the limit. */
  assertSize(file: DocumentFile): void {
    if (file.bytes.byteLength > this.#maxFileBytes) this.refuseOversized(file.bytes.byteLength)
  }

  /** Throws FILE_TOO_LARGE; `size` when known (an upload cut off at the limit has none). */
  refuseOversized(size?: number): never {
    throw new LiaisonError(
      'FILE_TOO_LARGE',
      `The file is larger than this vault accepts (${size === undefined ? 'over ' : `${size} bytes; `}at most ${this.#maxFileBytes} bytes).`,
    )
  }

  /**
   * Stages a file's blob, runs the write (which calls `keepIn` in its transaction), and removes
   * the blob again if the write fails and nothing refers to it (a store in the database needs
   * nothing removed: the rollback took the blob with it).
   */
  async withBlob<T>(
    file: DocumentFile | undefined,
    write: (blob: StagedBlob | undefined) => Promise<T>,
  ): Promise<T> {
    const blob = file === undefined ? undefined : await this.#stage(file)
    try {
      return await write(blob)
    } catch (error) {
      if (blob !== undefined && this.store.inTransaction === undefined) await this.dropUnused([blob.sha256])
      throw error
    }
  }

  /**
   * Stages the files side by side (each is a few file system calls waiting on the thread pool); a
   * file the store already holds is not written again, and one that has gone since it was found
   * throws INTERNAL (retried: the next try copies its bytes).
   */
  async putAll(files: readonly (DocumentFile | HeldFile | undefined)[]): Promise<(StagedBlob | undefined)[]> {
    return Promise.all(
      files.map(async (f) => {
        if (f === undefined) return undefined
        if ('bytes' in f) return this.#stage(f)
        if (!(await this.store.has(f.sha256))) throw this.#heldFileGone(f)
        const inTransaction = this.store.inTransaction
        const keepIn =
          inTransaction === undefined
            ? KEPT_ALREADY
            : async (trx: Transaction<VaultDb>) => {
                if (!(await inTransaction.hold(trx, [f.sha256])).has(f.sha256)) throw this.#heldFileGone(f)
              }
        return { sha256: f.sha256, size: f.size, keepIn }
      }),
    )
  }

  #heldFileGone(f: HeldFile): LiaisonError {
    return new LiaisonError(
      'INTERNAL',
      `The file ${f.sha256} (${f.name}) left the blob store while it was being reused; it is copied again on the next try.`,
    )
  }

  async #stage(file: DocumentFile): Promise<StagedBlob> {
    const inTransaction = this.store.inTransaction
    if (inTransaction === undefined) return { ...(await this.store.put(file.bytes)), keepIn: KEPT_ALREADY }
    return {
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      size: file.bytes.byteLength,
      keepIn: async (trx) => {
        await inTransaction.put(trx, file.bytes)
      },
    }
  }

  /**
   * Which of these files the blob store holds for a CrossLink of the given source vault: only
   * those can stand in for a copy, so a source vault never gets to name a file of this vault that
   * it did not send.
   */
  async heldForSource(sourceVaultId: string, sha256s: readonly string[]): Promise<Set<string>> {
    const held = new Set<string>()
    if (sha256s.length === 0) return held
    const rows = await this.#db
      .selectFrom('document_version as v')
      .innerJoin('document as d', 'd.id', 'v.document_id')
      .select('v.file_sha256')
      .distinct()
      .where('v.file_sha256', 'in', [...new Set(sha256s)])
      .where('d.crosslink__v', '=', 1)
      .where('d.source_vault_id__v', '=', sourceVaultId)
      .execute()
    const found = await Promise.all(
      rows.map(async (r) => {
        const sha = String(r.file_sha256)
        return (await this.store.has(sha)) ? sha : undefined
      }),
    )
    for (const sha of found) if (sha !== undefined) held.add(sha)
    return held
  }

  /**
   * Removes the blobs no version refers to (after the writing transaction ended). A store in the
   * database holds the blobs first and then reads the references, so a transaction that wrote a
   * version of the same content meanwhile is seen, and its blob kept.
   */
  async dropUnused(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return
    const inTransaction = this.store.inTransaction
    if (inTransaction !== undefined) {
      await this.#db.transaction().execute(async (trx) => {
        const held = await inTransaction.hold(trx, sha256s)
        if (held.size === 0) return
        const keep = await this.#referenced(trx, [...held])
        await inTransaction.delete(
          trx,
          [...held].filter((sha) => !keep.has(sha)),
        )
      })
      return
    }
    const keep = await this.#referenced(this.#db, sha256s)
    for (const sha of new Set(sha256s)) if (!keep.has(sha)) await this.store.delete(sha)
  }

  async #referenced(db: Kysely<VaultDb>, sha256s: readonly string[]): Promise<Set<string>> {
    const used = await db
      .selectFrom('document_version')
      .select('file_sha256')
      .distinct()
      .where('file_sha256', 'in', [...new Set(sha256s)])
      .execute()
    return new Set(used.map((u) => String(u.file_sha256)))
  }
}

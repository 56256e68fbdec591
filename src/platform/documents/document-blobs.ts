import type { Kysely } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import type { BlobRef, BlobStore } from './blob-store.js'
import type { DocumentFile, HeldFile } from './document-types.js'

/**
 * The lifetime of document files in the BlobStore: the size limit, blobs written before the
 * transaction that refers to them, and blobs removed again once no version refers to them (after a
 * failed write or a deletion). Blobs are shared by content, so a blob goes only when unused.
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

  /** Stores a file's blob, runs the write, and removes the blob again if the write fails and nothing refers to it. */
  async withBlob<T>(
    file: DocumentFile | undefined,
    write: (blob: BlobRef | undefined) => Promise<T>,
  ): Promise<T> {
    const blob = file === undefined ? undefined : await this.store.put(file.bytes)
    try {
      return await write(blob)
    } catch (error) {
      if (blob !== undefined) await this.dropUnused([blob.sha256])
      throw error
    }
  }

  /**
   * Stores the files side by side (each is a few file system calls waiting on the thread pool); a
   * file the store already holds is not written again, and one that has gone since it was found
   * throws INTERNAL (retried: the next try copies its bytes).
   */
  async putAll(files: readonly (DocumentFile | HeldFile | undefined)[]): Promise<(BlobRef | undefined)[]> {
    return Promise.all(
      files.map(async (f) => {
        if (f === undefined) return undefined
        if ('bytes' in f) return this.store.put(f.bytes)
        if (!(await this.store.has(f.sha256)))
          throw new LiaisonError(
            'INTERNAL',
            `The file ${f.sha256} (${f.name}) left the blob store while it was being reused; it is copied again on the next try.`,
          )
        return { sha256: f.sha256, size: f.size }
      }),
    )
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

  /** Removes the blobs no version refers to (read after the writing transaction ended). */
  async dropUnused(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return
    const used = await this.#db
      .selectFrom('document_version')
      .select('file_sha256')
      .where('file_sha256', 'in', [...sha256s])
      .execute()
    const keep = new Set(used.map((u) => String(u.file_sha256)))
    for (const sha of sha256s) if (!keep.has(sha)) await this.store.delete(sha)
  }
}

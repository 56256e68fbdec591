import type { Kysely } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import type { BlobRef, BlobStore } from './blob-store.js'
import type { DocumentFile } from './document-types.js'

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

  /** Stores the files side by side: each is a few file system calls waiting on the thread pool. */
  async putAll(files: readonly (DocumentFile | undefined)[]): Promise<(BlobRef | undefined)[]> {
    return Promise.all(files.map((f) => (f === undefined ? undefined : this.store.put(f.bytes))))
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

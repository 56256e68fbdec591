import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import type { BlobStore } from './blob-store.js'
import type { DocumentDefinitions } from './document-definitions.js'
import type { DocumentChange } from './document-types.js'

/**
 * What FIND searches on documents: one `document_search` row per document, written in the
 * transaction of every change (a change hook), from its latest version. `properties` is the name
 * and the text fields (String, LongText) of the document's type; `content` the file itself when it
 * is text (`text/*`) and at most DOCUMENT_SEARCH_CONTENT_MAX_BYTES. Other files (PDF, images,
 * Office) add no content: extracting their text needs a parser Liaison does not ship.
 */
export const DOCUMENT_SEARCH_CONTENT_MAX_BYTES = 1024 * 1024

function isTextMime(mime: unknown): boolean {
  return typeof mime === 'string' && mime.toLowerCase().startsWith('text/')
}

/** The full-text table and its columns, as VQL's documents target searches them. */
export const DOCUMENT_SEARCH = Object.freeze({
  table: 'document_search',
  key: 'document_id',
  properties: 'properties',
  content: 'content',
})

export class DocumentSearch {
  readonly #definitions: DocumentDefinitions
  readonly #blobs: BlobStore

  constructor(definitions: DocumentDefinitions, blobs: BlobStore) {
    this.#definitions = definitions
    this.#blobs = blobs
  }

  /** Brings the document's search row up to date with its latest version, or removes it. */
  async refresh(
    trx: Transaction<VaultDb>,
    change: Pick<DocumentChange, 'documentId' | 'kind'>,
  ): Promise<void> {
    const id = change.documentId
    const latest =
      change.kind === 'delete'
        ? undefined
        : await trx
            .selectFrom('document as d')
            .innerJoin('document_version as v', (join) =>
              join
                .onRef('v.document_id', '=', 'd.id')
                .onRef('v.major', '=', 'd.latest_major')
                .onRef('v.minor', '=', 'd.latest_minor'),
            )
            .select([
              'd.type__v as type',
              'v.name__v as name',
              'v.fields as fields',
              'v.file_sha256 as sha256',
              'v.file_mime as mime',
              'v.file_size as size',
            ])
            .where('d.id', '=', id)
            .executeTakeFirst()
    if (latest === undefined) {
      await trx.deleteFrom(DOCUMENT_SEARCH.table).where(DOCUMENT_SEARCH.key, '=', id).execute()
      return
    }
    const properties = this.#propertiesText(String(latest.type), String(latest.name), String(latest.fields))
    const sha256 = typeof latest.sha256 === 'string' ? latest.sha256 : null
    if (change.kind === 'create') {
      // A new document has no search row (ids are never reused): one write, no read first.
      const content = await this.#contentText(trx, sha256, latest.mime, Number(latest.size ?? 0))
      await trx
        .insertInto(DOCUMENT_SEARCH.table)
        .values({ document_id: id, properties, content, file_sha256: sha256 })
        .onConflict((oc) =>
          oc.column('document_id').doUpdateSet({ properties, content, file_sha256: sha256 }),
        )
        .execute()
      return
    }
    const existing = await trx
      .selectFrom(DOCUMENT_SEARCH.table)
      .select(['properties', 'content', 'file_sha256'])
      .where(DOCUMENT_SEARCH.key, '=', id)
      .executeTakeFirst()
    // The file's text is read again only when the file changed.
    const content =
      existing !== undefined && existing.file_sha256 === sha256
        ? String(existing.content)
        : await this.#contentText(trx, sha256, latest.mime, Number(latest.size ?? 0))
    if (existing === undefined) {
      await trx
        .insertInto(DOCUMENT_SEARCH.table)
        .values({ document_id: id, properties, content, file_sha256: sha256 })
        .execute()
      return
    }
    if (existing.properties === properties && existing.content === content && existing.file_sha256 === sha256)
      return
    await trx
      .updateTable(DOCUMENT_SEARCH.table)
      .set({ properties, content, file_sha256: sha256 })
      .where(DOCUMENT_SEARCH.key, '=', id)
      .execute()
  }

  #propertiesText(typeName: string, name: string, fieldsJson: string): string {
    const parsed: unknown = JSON.parse(fieldsJson)
    const values = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
    const type = this.#definitions.types.find((t) => t.name === typeName)
    const texts = (type?.fields ?? [])
      .filter((f) => f.type === 'String' || f.type === 'LongText')
      .map((f) => values[f.name])
      .filter((v): v is string => typeof v === 'string' && v !== '')
    return [name, ...texts].join('\n')
  }

  async #contentText(
    trx: Transaction<VaultDb>,
    sha256: string | null,
    mime: unknown,
    size: number,
  ): Promise<string> {
    if (sha256 === null || !isTextMime(mime) || size > DOCUMENT_SEARCH_CONTENT_MAX_BYTES) return ''
    // Through the change's transaction: a store in the database holds the new file only there yet.
    const bytes = await this.#blobs.get(sha256, trx)
    return bytes === undefined ? '' : new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  }
}

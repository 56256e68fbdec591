import { createHash } from 'node:crypto'
import type { Transaction } from 'kysely'
import { type AuditEntry, readRecordAudit } from '../audit/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import type { DocumentParts } from './document-parts.js'
import {
  type DocumentRow,
  latestVersions,
  readDocumentRow,
  readVersionNumbers,
  readVersionRow,
  toDocumentRow,
  toVersionRow,
  type VersionRow,
} from './document-rows.js'
import {
  DOCUMENT_FILES_PER_CALL_MAX,
  type DocumentFieldValues,
  type DocumentFile,
  type DocumentVersionNumber,
  type DocumentVersionRef,
  type VersionFileRead,
  VIEWABLE_RENDITION,
} from './document-types.js'
import { DOCUMENTS_AUDIT_OBJECT } from './document-writes.js'
import { hasViewableRendition, viewableRendition } from './viewable-rendition.js'

/** Files a batch read holds at once: read ahead while the earlier ones are sent. */
const FILES_READ_AHEAD = 4

/** What GET /objects/documents/{id} answers. */
export interface DocumentView {
  readonly document: Record<string, unknown>
  readonly versions: readonly DocumentVersionNumber[]
  readonly renditions: readonly string[]
}

/**
 * Reading documents as the API shows them: a version in API field names (with its global ids,
 * status label and file facts), pages of latest versions, files and renditions, audit trails.
 */
export class DocumentReads {
  readonly #parts: Pick<DocumentParts, 'db' | 'vaultId' | 'definitions' | 'blobs'>

  constructor(parts: Pick<DocumentParts, 'db' | 'vaultId' | 'definitions' | 'blobs'>) {
    this.#parts = parts
  }

  #view(doc: DocumentRow, version: VersionRow): Record<string, unknown> {
    const lifecycle = this.#parts.definitions.findLifecycle(doc.lifecycle)
    const state = lifecycle?.states.find((s) => s.name === version.state)
    return {
      id: doc.id,
      name__v: version.name,
      type__v: doc.type,
      lifecycle__v: doc.lifecycle,
      status__v: state?.label ?? version.state,
      state__v: version.state,
      state_type__sys: version.stateType,
      major_version_number__v: version.major,
      minor_version_number__v: version.minor,
      version_id: `${doc.id}_${version.major}_${version.minor}`,
      global_id__sys: `${this.#parts.vaultId}_${doc.id}`,
      global_version_id__sys: `${this.#parts.vaultId}_${doc.id}_${version.major}_${version.minor}`,
      filename__v: version.fileName,
      format__v: version.fileMime,
      size__v: version.fileSize,
      sha256__sys: version.fileSha256,
      crosslink__v: doc.crosslink,
      binder__v: doc.binder,
      ...(doc.crosslink ? doc.source : {}),
      document_creation_date__v: doc.createdDate,
      created_by__v: doc.createdBy,
      version_creation_date__v: version.createdDate,
      version_created_by__v: version.createdBy,
      version_modified_date__v: version.modifiedDate,
      version_modified_by__v: version.modifiedBy,
      ...version.fields,
    }
  }

  #renditions(version: VersionRow): string[] {
    return hasViewableRendition(version.fileMime) && version.fileSha256 !== null ? [VIEWABLE_RENDITION] : []
  }

  /** A document and one of its versions (the latest when none is given). */
  async #read(id: number, at?: DocumentVersionNumber): Promise<{ doc: DocumentRow; version: VersionRow }> {
    const doc = await readDocumentRow(this.#parts.db, id)
    const version = await readVersionRow(
      this.#parts.db,
      id,
      at?.major ?? doc.latestMajor,
      at?.minor ?? doc.latestMinor,
    )
    return { doc, version }
  }

  /** One version of a document (the latest when none is given) with its version list and renditions. */
  async get(id: number, at?: DocumentVersionNumber): Promise<DocumentView> {
    const { doc, version } = await this.#read(id, at)
    return {
      document: this.#view(doc, version),
      versions: await readVersionNumbers(this.#parts.db, id),
      renditions: this.#renditions(version),
    }
  }

  /** A page of documents (latest versions), by id, and how many there are. */
  async list(paging: { readonly start: number; readonly limit: number }): Promise<{
    readonly total: number
    readonly documents: readonly Record<string, unknown>[]
  }> {
    const counted = await this.#parts.db
      .selectFrom('document')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    const rows = await latestVersions(this.#parts.db)
      .selectAll('v')
      .select(['d.id', 'd.type__v', 'd.lifecycle__v', 'd.latest_major', 'd.latest_minor', 'd.crosslink__v'])
      .select([
        'd.binder__v',
        'd.source_vault_id__v',
        'd.source_document_id__v',
        'd.source_binding_rule__v',
        'd.bound_source_major_version__v',
        'd.bound_source_minor_version__v',
        'd.created_date as document_created_date',
        'd.created_by as document_created_by',
      ])
      .orderBy('d.id')
      .limit(paging.limit)
      .offset(paging.start)
      .execute()
    return {
      total: Number(counted.n),
      documents: rows.map((r) =>
        this.#view(
          toDocumentRow({ ...r, created_date: r.document_created_date, created_by: r.document_created_by }),
          toVersionRow(r),
        ),
      ),
    }
  }

  /**
   * The latest version's fields of this vault's own documents (CrossLinks left out), of the given
   * types or ids, read in the caller's transaction.
   */
  async latestOwnVersions(
    trx: Transaction<VaultDb>,
    filter: { readonly types?: readonly string[]; readonly ids?: readonly number[] },
  ): Promise<{ readonly id: number; readonly type: string; readonly fields: DocumentFieldValues }[]> {
    if (filter.types?.length === 0 || filter.ids?.length === 0) return []
    let query = latestVersions(trx).select(['d.id', 'd.type__v', 'v.fields']).where('d.crosslink__v', '=', 0)
    if (filter.types !== undefined) query = query.where('d.type__v', 'in', [...filter.types])
    if (filter.ids !== undefined) query = query.where('d.id', 'in', [...filter.ids])
    const rows = await query.orderBy('d.id').execute()
    return rows.map((r) => ({
      id: Number(r.id),
      type: String(r.type__v),
      fields: JSON.parse(String(r.fields)) as DocumentFieldValues,
    }))
  }

  /** The file of the latest version (or of the given version). */
  async readFile(id: number, version?: DocumentVersionNumber): Promise<DocumentFile> {
    const { version: v } = await this.#read(id, version)
    if (v.fileSha256 === null)
      throw new LiaisonError(
        'RECORD_NOT_FOUND',
        `Document ${id} version ${v.major}.${v.minor} is a placeholder without a file.`,
      )
    const bytes = await this.#parts.blobs.store.get(v.fileSha256)
    if (bytes === undefined)
      throw new LiaisonError(
        'INTERNAL',
        `The file of document ${id} version ${v.major}.${v.minor} is missing from the blob store.`,
      )
    return { bytes, name: v.fileName ?? `document-${id}`, mime: v.fileMime ?? 'application/octet-stream' }
  }

  /**
   * The files of several versions (at most DOCUMENT_FILES_PER_CALL_MAX), in the order asked, one
   * at a time so that only one file's bytes are held: the versions are read in one query, and a
   * version that cannot give its file answers the error `readFile` would throw for it alone.
   */
  async *readFiles(versions: readonly DocumentVersionRef[]): AsyncGenerator<VersionFileRead> {
    if (versions.length > DOCUMENT_FILES_PER_CALL_MAX)
      throw new LiaisonError(
        'PARAMETER_INVALID',
        `At most ${DOCUMENT_FILES_PER_CALL_MAX} files are read at once; ${versions.length} were asked for. Ask in several calls.`,
      )
    const ids = [...new Set(versions.map((v) => v.id))].filter((id) => Number.isInteger(id) && id > 0)
    const rows =
      ids.length === 0
        ? []
        : await this.#parts.db
            .selectFrom('document_version')
            .select(['document_id', 'major', 'minor', 'file_sha256', 'file_name', 'file_mime'])
            .where('document_id', 'in', ids)
            .execute()
    const byVersion = new Map(rows.map((r) => [`${r.document_id}_${r.major}_${r.minor}`, r]))
    const readOne = async (version: DocumentVersionRef): Promise<VersionFileRead> => {
      const row = byVersion.get(`${version.id}_${version.major}_${version.minor}`)
      try {
        // Not found (or a placeholder): readFile says exactly why.
        if (row === undefined || row.file_sha256 === null || row.file_sha256 === undefined) {
          const file = await this.readFile(version.id, version)
          return { version, file: { ...file, sha256: createHash('sha256').update(file.bytes).digest('hex') } }
        }
        const sha256 = String(row.file_sha256)
        const bytes = await this.#parts.blobs.store.get(sha256)
        if (bytes === undefined)
          throw new LiaisonError(
            'INTERNAL',
            `The file of document ${version.id} version ${version.major}.${version.minor} is missing from the blob store.`,
          )
        return {
          version,
          file: {
            bytes,
            sha256,
            name: row.file_name === null ? `document-${version.id}` : String(row.file_name),
            mime: row.file_mime === null ? 'application/octet-stream' : String(row.file_mime),
          },
        }
      } catch (error) {
        if (!(error instanceof LiaisonError)) throw error
        return { version, error }
      }
    }
    // A few files are read ahead while the earlier ones are sent: the file system calls wait on
    // the thread pool side by side, and at most FILES_READ_AHEAD files are held at once.
    const reads: (Promise<VersionFileRead> | undefined)[] = []
    for (let i = 0; i < versions.length; i++) {
      for (let j = reads.length; j < Math.min(versions.length, i + FILES_READ_AHEAD); j++) {
        const read = readOne(versions[j]!)
        read.catch(() => {}) // thrown when its turn comes
        reads.push(read)
      }
      const read = reads[i]!
      reads[i] = undefined
      yield await read
    }
  }

  /** The viewable rendition of the latest version: a PDF is its own, a PNG or JPEG image becomes a PDF. */
  async readRendition(id: number, renditionType: string): Promise<DocumentFile> {
    const view = await this.get(id)
    if (renditionType !== VIEWABLE_RENDITION || !view.renditions.includes(renditionType))
      throw new LiaisonError(
        'RECORD_NOT_FOUND',
        `Document ${id} has no ${renditionType} rendition; PDF, PNG and JPEG files have a ${VIEWABLE_RENDITION}, other formats keep only their source file.`,
      )
    const created = Date.parse(String(view.document.version_creation_date__v))
    return viewableRendition(await this.readFile(id), new Date(Number.isNaN(created) ? 0 : created))
  }

  /** A document's audit trail, oldest first. */
  async audit(
    id: number,
    paging: { limit: number; offset: number },
  ): Promise<{ total: number; entries: AuditEntry[] }> {
    await readDocumentRow(this.#parts.db, id)
    return readRecordAudit(this.#parts.db, {
      objectName: DOCUMENTS_AUDIT_OBJECT,
      recordId: String(id),
      limit: paging.limit,
      offset: paging.offset,
    })
  }
}

import { type Kysely, sql, type Transaction } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { DocumentService } from './document-service.js'
import type { DocumentActor, DocumentChange, DocumentVersionNumber } from './document-types.js'
import { DOCUMENTS_AUDIT_OBJECT, DocumentWrites } from './document-writes.js'

/**
 * Document relationships: a link from one version of a document (the source) to another document
 * (the target), of a type such as related_document__v. Stored in `document_relationship`, whose
 * columns are the VQL fields of the `relationships` target.
 */

/** The relationship types a client may create (Vault's standard ones that Liaison uses). */
export const DOCUMENT_RELATIONSHIP_TYPES = [
  'related_document__v',
  'supporting_documents__v',
  'based_on__v',
  'original_source__v',
] as const

export interface DocumentRelationship {
  readonly id: number
  readonly source_doc_id__v: number
  readonly source_major_version__v: number
  readonly source_minor_version__v: number
  readonly target_doc_id__v: number
  readonly relationship_type__v: string
  readonly created_date__v: string
  readonly created_by__v: string
}

export interface DocumentRelationshipInput {
  readonly target_doc_id__v?: unknown
  readonly relationship_type__v?: unknown
}

function whole(raw: unknown): number | undefined {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (!/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

function toRelationship(r: Record<string, unknown>): DocumentRelationship {
  return {
    id: Number(r.id),
    source_doc_id__v: Number(r.source_doc_id__v),
    source_major_version__v: Number(r.source_major_version__v),
    source_minor_version__v: Number(r.source_minor_version__v),
    target_doc_id__v: Number(r.target_doc_id__v),
    relationship_type__v: String(r.relationship_type__v),
    created_date__v: String(r.created_date__v),
    created_by__v: String(r.created_by__v),
  }
}

export class DocumentRelationshipService {
  readonly #storage: Storage
  readonly #clock: Clock
  readonly #writes: DocumentWrites
  readonly #documents: Pick<DocumentService, 'notifyChange'>

  constructor(options: {
    readonly storage: Storage
    readonly clock: Clock
    readonly documents: DocumentService
  }) {
    this.#storage = options.storage
    this.#clock = options.clock
    this.#writes = new DocumentWrites(options.storage, options.clock)
    this.#documents = options.documents
    options.documents.addChangeHook((trx, change) => this.#onDocumentChange(trx, change))
  }

  async #assertVersion(db: Kysely<VaultDb>, id: number, version: DocumentVersionNumber): Promise<void> {
    const row = await db
      .selectFrom('document_version')
      .select('document_id')
      .where('document_id', '=', id)
      .where('major', '=', version.major)
      .where('minor', '=', version.minor)
      .executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError(
        'RECORD_NOT_FOUND',
        `This vault has no document ${id} version ${version.major}.${version.minor}.`,
      )
  }

  /** Relates a version of a document to a target document; answers the relationship id. */
  async create(
    actor: DocumentActor,
    sourceId: number,
    version: DocumentVersionNumber,
    input: DocumentRelationshipInput,
  ): Promise<number> {
    if (input.target_doc_id__v === undefined || input.target_doc_id__v === '')
      throw new LiaisonError('PARAMETER_MISSING', 'Send target_doc_id__v, the id of the related document.')
    const targetId = whole(input.target_doc_id__v)
    if (targetId === undefined)
      throw new LiaisonError(
        'FIELD_TYPE',
        `target_doc_id__v must be a document id (a whole number), got "${String(input.target_doc_id__v)}".`,
      )
    const type = input.relationship_type__v
    if (type === undefined || type === '')
      throw new LiaisonError(
        'PARAMETER_MISSING',
        `Send relationship_type__v, one of ${DOCUMENT_RELATIONSHIP_TYPES.join(', ')}.`,
      )
    if (typeof type !== 'string' || !(DOCUMENT_RELATIONSHIP_TYPES as readonly string[]).includes(type))
      throw new LiaisonError(
        'PICKLIST_VALUE_UNKNOWN',
        `relationship_type__v must be one of ${DOCUMENT_RELATIONSHIP_TYPES.join(', ')}, got "${String(type)}".`,
      )
    if (targetId === sourceId)
      throw new LiaisonError('OPERATION_NOT_ALLOWED', `Document ${sourceId} cannot be related to itself.`)
    const label = `${version.major}.${version.minor}`
    return this.#writes.transaction(async (db) => {
      await this.#assertVersion(db, sourceId, version)
      await this.#writes.assertReferenced(db, targetId, 'target_doc_id__v', 'relate an existing document.')
      const existing = await db
        .selectFrom('document_relationship')
        .select('id')
        .where('source_doc_id__v', '=', sourceId)
        .where('source_major_version__v', '=', version.major)
        .where('source_minor_version__v', '=', version.minor)
        .where('target_doc_id__v', '=', targetId)
        .where('relationship_type__v', '=', type)
        .executeTakeFirst()
      if (existing !== undefined)
        throw new LiaisonError(
          'UNIQUE_VIOLATION',
          `Document ${sourceId} version ${label} already has a ${type} relationship to document ${targetId} (relationship ${String(existing.id)}).`,
        )
      const now = isoTimestamp(this.#clock)
      const inserted = await db
        .insertInto('document_relationship')
        .values({
          source_doc_id__v: sourceId,
          source_major_version__v: version.major,
          source_minor_version__v: version.minor,
          target_doc_id__v: targetId,
          relationship_type__v: type,
          created_date__v: now,
          created_by__v: actor.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const id = Number(inserted.id)
      await this.#writes.audit(db, actor, [
        {
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(sourceId),
          fieldName: type,
          oldValue: null,
          newValue: String(targetId),
          description: `Added ${type} relationship ${id} from document ${sourceId} version ${label} to document ${targetId}`,
        },
      ])
      // A relationship changes what the source document brings along (B19: a template's related
      // documents), so the document's change hooks hear of it, in this transaction.
      await this.#documents.notifyChange(db, { documentId: sourceId, kind: 'edit', actor })
      return id
    })
  }

  /** The relationships of one version of a document, oldest first. */
  async list(sourceId: number, version: DocumentVersionNumber): Promise<DocumentRelationship[]> {
    const db = this.#storage.db
    await this.#assertVersion(db, sourceId, version)
    const rows = await db
      .selectFrom('document_relationship')
      .selectAll()
      .where('source_doc_id__v', '=', sourceId)
      .where('source_major_version__v', '=', version.major)
      .where('source_minor_version__v', '=', version.minor)
      .orderBy('id')
      .execute()
    return rows.map(toRelationship)
  }

  async #onDocumentChange(trx: Transaction<VaultDb>, change: DocumentChange): Promise<void> {
    const id = change.documentId
    if (change.kind === 'delete') {
      // Other documents that pointed at the deleted one lose that relationship, in their audit trail.
      const pointing = await trx
        .selectFrom('document_relationship')
        .selectAll()
        .where('target_doc_id__v', '=', id)
        .where('source_doc_id__v', '!=', id)
        .execute()
      await trx
        .deleteFrom('document_relationship')
        .where((eb) => eb.or([eb('source_doc_id__v', '=', id), eb('target_doc_id__v', '=', id)]))
        .execute()
      await this.#writes.audit(
        trx,
        change.actor,
        pointing.map(toRelationship).map((r) => ({
          action: 'Edit' as const,
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(r.source_doc_id__v),
          fieldName: r.relationship_type__v,
          oldValue: String(id),
          newValue: null,
          description: `Removed ${r.relationship_type__v} relationship ${r.id} from document ${r.source_doc_id__v} version ${r.source_major_version__v}.${r.source_minor_version__v} because document ${id} was deleted`,
        })),
      )
      return
    }
    if (change.kind !== 'state') return
    // Reaching a steady state renumbers the version (0.3 becomes 1.0): its relationships follow it to
    // the number it has now, the document's latest. Only that version can have lost its number.
    await sql`update document_relationship set
        source_major_version__v = (select latest_major from document where id = ${id}),
        source_minor_version__v = (select latest_minor from document where id = ${id})
      where source_doc_id__v = ${id} and not exists (
        select 1 from document_version v where v.document_id = ${id}
          and v.major = document_relationship.source_major_version__v
          and v.minor = document_relationship.source_minor_version__v)`.execute(trx)
  }
}

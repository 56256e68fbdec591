import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { canEditField } from '../security/index.js'
import { parseCrossLinkSource } from './crosslink-source.js'
import { startingStateOf } from './document-definitions.js'
import type { DocumentParts } from './document-parts.js'
import { CROSSLINK_SOURCE_FIELDS, readDocumentRow, readVersionRow } from './document-rows.js'
import type { DocumentActor, DocumentDraft, DocumentFile, DocumentVersionNumber } from './document-types.js'
import { auditValue, DOCUMENTS_AUDIT_OBJECT, sameFieldValue } from './document-writes.js'

export type DocumentUpdateOutcome = 'updated' | 'unchanged'

/**
 * What users do to documents outside their lifecycle: create one (with a file or as a placeholder,
 * or as a CrossLink), change the latest version's fields, add a minor version with a new file,
 * delete one. Bad input fails before anything is stored.
 */
export class DocumentEdits {
  readonly #parts: Omit<DocumentParts, 'vaultId'>

  constructor(parts: Omit<DocumentParts, 'vaultId'>) {
    this.#parts = parts
  }

  /**
   * Creates a document at version 0.1 in its lifecycle's starting state; answers its id.
   * `binder: true` makes it a binder (BinderService adds its nodes).
   */
  async create(
    actor: DocumentActor,
    draft: DocumentDraft,
    options: { readonly binder?: boolean } = {},
  ): Promise<number> {
    const { db, clock, definitions, writes, hooks, blobs } = this.#parts
    const input = draft.fields
    const type = definitions.type(input.type__v)
    const lifecycle = definitions.lifecycle(type, input.lifecycle__v)
    if (draft.file !== undefined) blobs.assertSize(draft.file)
    const source = parseCrossLinkSource(type, input)
    // A CrossLink claims to show another vault's document: only the connection makes one, or a
    // person could forge Medical content in a CRM (the source fields are the connection's).
    if (source !== undefined && !canEditField({ editableBy: 'connection' }, actor))
      throw new LiaisonError(
        'FIELD_READ_ONLY',
        `${CROSSLINK_SOURCE_FIELDS.join(', ')} are written only by the connection: CrossLinks arrive by Document Transfer. Leave them out to create a document of your own.`,
      )
    const ignore = new Set<string>(['type__v', 'lifecycle__v', ...CROSSLINK_SOURCE_FIELDS])
    const values = await this.#parts.fields.parse(db, type, input, ignore)
    this.#parts.fields.assertRequired(type, values)
    const state = startingStateOf(lifecycle)
    const now = isoTimestamp(clock)
    return blobs.withBlob(draft.file, (blob) =>
      writes.transaction(async (trx) => {
        await blob?.keepIn(trx)
        const inserted = await trx
          .insertInto('document')
          .values({
            type__v: type.name,
            lifecycle__v: lifecycle.name,
            latest_major: 0,
            latest_minor: 1,
            crosslink__v: source === undefined ? 0 : 1,
            ...(source ?? {}),
            binder__v: options.binder === true ? 1 : 0,
            created_date: now,
            created_by: actor.userId,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        const id = Number(inserted.id)
        const { name__v: name, ...fields } = values
        await trx
          .insertInto('document_version')
          .values({
            document_id: id,
            major: 0,
            minor: 1,
            name__v: String(name),
            fields: JSON.stringify(fields),
            state__v: state.name,
            state_type: state.stateType ?? null,
            file_sha256: blob?.sha256 ?? null,
            file_name: draft.file?.name ?? null,
            file_size: blob?.size ?? null,
            file_mime: draft.file?.mime ?? null,
            created_date: now,
            created_by: actor.userId,
            modified_date: now,
            modified_by: actor.userId,
          })
          .execute()
        await writes.audit(trx, actor, [
          {
            action: 'Create',
            objectName: DOCUMENTS_AUDIT_OBJECT,
            recordId: String(id),
            description: `Created ${type.label} ${options.binder === true ? 'binder' : 'document'} ${id} "${String(name)}" version 0.1${
              draft.file === undefined ? ' (placeholder)' : ` with file ${draft.file.name}`
            }${source === undefined ? '' : ` as a CrossLink to ${source.source_vault_id__v}_${source.source_document_id__v}`}`,
          },
          ...Object.entries(values)
            .filter(([, v]) => auditValue(v) !== null)
            .map(([field, v]) => ({
              action: 'Edit' as const,
              objectName: DOCUMENTS_AUDIT_OBJECT,
              recordId: String(id),
              fieldName: field,
              oldValue: null,
              newValue: auditValue(v),
              description: `Set ${field} of document ${id} version 0.1`,
            })),
        ])
        await hooks.notify(trx, { documentId: id, kind: 'create', actor })
        return id
      }),
    )
  }

  /** Updates fields of the latest version; `unchanged` when every value is already so. */
  async update(
    actor: DocumentActor,
    id: number,
    input: Readonly<Record<string, unknown>>,
  ): Promise<DocumentUpdateOutcome> {
    const { clock, definitions, writes, hooks } = this.#parts
    if (Object.keys(input).length === 0)
      throw new LiaisonError('PARAMETER_MISSING', 'Send at least one field to change.')
    return writes.transaction(async (trx) => {
      const doc = await readDocumentRow(trx, id)
      const type = definitions.type(doc.type)
      const version = await readVersionRow(trx, id, doc.latestMajor, doc.latestMinor)
      const values = await this.#parts.fields.parse(trx, type, input, new Set())
      const before: Record<string, unknown> = { ...version.fields, name__v: version.name }
      const after = { ...before, ...values }
      this.#parts.fields.assertRequired(type, after)
      const changed = Object.keys(values).filter((f) => !sameFieldValue(before[f], after[f]))
      if (changed.length === 0) return 'unchanged'
      const { name__v: name, ...fields } = after
      await trx
        .updateTable('document_version')
        .set({
          name__v: String(name),
          fields: JSON.stringify(fields),
          modified_date: isoTimestamp(clock),
          modified_by: actor.userId,
        })
        .where('document_id', '=', id)
        .where('major', '=', version.major)
        .where('minor', '=', version.minor)
        .execute()
      await writes.audit(
        trx,
        actor,
        changed.map((field) => ({
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(id),
          fieldName: field,
          oldValue: auditValue(before[field]),
          newValue: auditValue(after[field]),
          description: `Changed ${field} of document ${id} version ${version.major}.${version.minor}`,
        })),
      )
      await hooks.notify(trx, { documentId: id, kind: 'edit', actor })
      return 'updated'
    })
  }

  /**
   * Adds the next minor version with a new file (a binder's versions have none); it starts in the
   * lifecycle's starting state.
   */
  async addVersion(actor: DocumentActor, id: number, file?: DocumentFile): Promise<DocumentVersionNumber> {
    const { db, clock, definitions, writes, hooks, blobs } = this.#parts
    if (file !== undefined) blobs.assertSize(file)
    await readDocumentRow(db, id)
    return blobs.withBlob(file, (blob) =>
      writes.transaction(async (trx) => {
        await blob?.keepIn(trx)
        const doc = await readDocumentRow(trx, id)
        const lifecycle = definitions.storedLifecycle(doc.lifecycle)
        const latest = await readVersionRow(trx, id, doc.latestMajor, doc.latestMinor)
        const next = { major: doc.latestMajor, minor: doc.latestMinor + 1 }
        const state = startingStateOf(lifecycle)
        const now = isoTimestamp(clock)
        await trx
          .insertInto('document_version')
          .values({
            document_id: id,
            major: next.major,
            minor: next.minor,
            name__v: latest.name,
            fields: JSON.stringify(latest.fields),
            state__v: state.name,
            state_type: state.stateType ?? null,
            file_sha256: blob?.sha256 ?? null,
            file_name: file?.name ?? null,
            file_size: blob?.size ?? null,
            file_mime: file?.mime ?? null,
            created_date: now,
            created_by: actor.userId,
            modified_date: now,
            modified_by: actor.userId,
          })
          .execute()
        await trx
          .updateTable('document')
          .set({ latest_major: next.major, latest_minor: next.minor })
          .where('id', '=', id)
          .execute()
        await writes.audit(trx, actor, [
          {
            action: 'Create',
            objectName: DOCUMENTS_AUDIT_OBJECT,
            recordId: String(id),
            fieldName: 'version',
            oldValue: `${latest.major}.${latest.minor}`,
            newValue: `${next.major}.${next.minor}`,
            description: `Created version ${next.major}.${next.minor} of document ${id}${file === undefined ? '' : ` with file ${file.name}`}`,
          },
        ])
        await hooks.notify(trx, { documentId: id, kind: 'version', actor })
        return next
      }),
    )
  }

  /**
   * Deletes a document with all its versions. Hooks hear of it first, in the same transaction, while
   * the document can still be read; files no other version uses are removed after the commit.
   */
  async delete(actor: DocumentActor, id: number): Promise<void> {
    const { writes, hooks, blobs } = this.#parts
    const files = await writes.transaction(async (trx) => {
      const doc = await readDocumentRow(trx, id)
      if (doc.crosslink)
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          `Document ${id} is a CrossLink kept by a connection; it is obsoleted when its source goes, never deleted here.`,
        )
      await hooks.notify(trx, { documentId: id, kind: 'delete', actor })
      const versions = await trx
        .selectFrom('document_version')
        .select(['file_sha256', 'name__v'])
        .where('document_id', '=', id)
        .execute()
      await trx.deleteFrom('document_version').where('document_id', '=', id).execute()
      await trx.deleteFrom('document').where('id', '=', id).execute()
      await writes.audit(trx, actor, [
        {
          action: 'Delete',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(id),
          description: `Deleted ${doc.type} document ${id} "${String(versions.at(-1)?.name__v ?? '')}" with ${versions.length} version(s)`,
        },
      ])
      return [
        ...new Set(versions.map((v) => v.file_sha256).filter((f): f is string => typeof f === 'string')),
      ]
    })
    await blobs.dropUnused(files)
  }
}

import { type Kysely, sql, type Transaction } from 'kysely'
import { type AuditEntry, type AuditEntryDraft, readRecordAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { type ErrorCode, LiaisonError } from '../errors/index.js'
import {
  type DocumentLifecycleDefinition,
  type DocumentLifecycleStateDefinition,
  type DocumentTypeDefinition,
  type MetadataRegistry,
  type ProfileDefinition,
  SOURCE_BINDING_RULES,
} from '../metadata/index.js'
import type { Storage, VaultDb, VaultRow } from '../storage/index.js'
import type { BlobStore } from './blob-store.js'
import { DocumentFields } from './document-fields.js'
import {
  type CrossLinkOutcome,
  type CrossLinkRef,
  type DocumentActor,
  type DocumentChange,
  type DocumentChangeHook,
  type DocumentDraft,
  type DocumentFieldValues,
  type DocumentFile,
  type DocumentVersionNumber,
  type SourceVersion,
  VIEWABLE_RENDITION,
} from './document-types.js'
import { DocumentWrites } from './document-writes.js'
import { hasViewableRendition, viewableRendition } from './viewable-rendition.js'

/** The object name documents use in the audit trail. */
export const DOCUMENTS_AUDIT_OBJECT = 'documents'

/** Fields the vault keeps on the document; a client sets the source fields only when creating a CrossLink. */
const CROSSLINK_SOURCE_FIELDS = [
  'source_vault_id__v',
  'source_document_id__v',
  'source_binding_rule__v',
  'bound_source_major_version__v',
  'bound_source_minor_version__v',
] as const

export interface DocumentServiceOptions {
  readonly storage: Storage
  readonly registry: MetadataRegistry
  readonly profile: ProfileDefinition
  readonly clock: Clock
  readonly vaultId: number
  readonly blobs: BlobStore
  readonly maxFileBytes: number
}

interface DocumentRow {
  readonly id: number
  readonly type: string
  readonly lifecycle: string
  readonly latestMajor: number
  readonly latestMinor: number
  readonly crosslink: boolean
  /** A binder: a document with ordered nodes (binder-service.ts). */
  readonly binder: boolean
  readonly source: Readonly<Record<(typeof CROSSLINK_SOURCE_FIELDS)[number], string | number | null>>
  readonly createdDate: string
  readonly createdBy: string
}

/** A source version checked against this vault's types, lifecycles and fields. */
interface PreparedSource {
  readonly source: SourceVersion
  readonly type: DocumentTypeDefinition
  readonly lifecycle: DocumentLifecycleDefinition
  readonly state: DocumentLifecycleStateDefinition
  readonly values: Record<string, unknown>
}

interface VersionRow {
  readonly major: number
  readonly minor: number
  readonly name: string
  readonly fields: DocumentFieldValues
  readonly state: string
  readonly stateType: string | null
  readonly fileSha256: string | null
  readonly fileName: string | null
  readonly fileSize: number | null
  readonly fileMime: string | null
  readonly createdDate: string
  readonly createdBy: string
  readonly modifiedDate: string
  readonly modifiedBy: string
}

/** What GET /objects/documents/{id} answers. */
export interface DocumentView {
  readonly document: Record<string, unknown>
  readonly versions: readonly DocumentVersionNumber[]
  readonly renditions: readonly string[]
}

export type DocumentUpdateOutcome = 'updated' | 'unchanged'

function fail(code: ErrorCode, message: string): never {
  throw new LiaisonError(code, message)
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

function toDocumentRow(r: VaultRow): DocumentRow {
  return {
    id: Number(r.id),
    type: String(r.type__v),
    lifecycle: String(r.lifecycle__v),
    latestMajor: Number(r.latest_major),
    latestMinor: Number(r.latest_minor),
    crosslink: Number(r.crosslink__v) === 1,
    binder: Number(r.binder__v) === 1,
    source: {
      source_vault_id__v: textOrNull(r.source_vault_id__v),
      source_document_id__v: textOrNull(r.source_document_id__v),
      source_binding_rule__v: textOrNull(r.source_binding_rule__v),
      bound_source_major_version__v: numberOrNull(r.bound_source_major_version__v),
      bound_source_minor_version__v: numberOrNull(r.bound_source_minor_version__v),
    },
    createdDate: String(r.created_date),
    createdBy: String(r.created_by),
  }
}

function toVersionRow(r: VaultRow): VersionRow {
  return {
    major: Number(r.major),
    minor: Number(r.minor),
    name: String(r.name__v),
    fields: JSON.parse(String(r.fields)) as DocumentFieldValues,
    state: String(r.state__v),
    stateType: textOrNull(r.state_type),
    fileSha256: textOrNull(r.file_sha256),
    fileName: textOrNull(r.file_name),
    fileSize: numberOrNull(r.file_size),
    fileMime: textOrNull(r.file_mime),
    createdDate: String(r.created_date),
    createdBy: String(r.created_by),
    modifiedDate: String(r.modified_date),
    modifiedBy: String(r.modified_by),
  }
}

function auditValue(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(',')
  return String(value)
}

function sameValue(a: unknown, b: unknown): boolean {
  return auditValue(a) === auditValue(b)
}

/** Each document joined with its latest version (`d`, `v`). */
function latestVersions(db: Kysely<VaultDb>) {
  return db
    .selectFrom('document as d')
    .innerJoin('document_version as v', (join) =>
      join
        .onRef('v.document_id', '=', 'd.id')
        .onRef('v.major', '=', 'd.latest_major')
        .onRef('v.minor', '=', 'd.latest_minor'),
    )
}

/**
 * Documents of one vault: create (with a file or as a placeholder, or as a CrossLink), read,
 * update the latest version's fields, add minor versions, run lifecycle actions, read files.
 * Every change is audited in its transaction; bad input fails before anything is stored, and a
 * blob written for a failed create is removed again.
 */
export class DocumentService {
  readonly #storage: Storage
  readonly #clock: Clock
  readonly #vaultId: number
  readonly #maxFileBytes: number
  readonly #types: ReadonlyMap<string, DocumentTypeDefinition>
  readonly #lifecycles: ReadonlyMap<string, DocumentLifecycleDefinition>
  readonly #changeHooks: DocumentChangeHook[] = []
  readonly #fields: DocumentFields
  readonly #writes: DocumentWrites
  /** The file store; the blob of every version lives here. */
  readonly blobs: BlobStore

  constructor(options: DocumentServiceOptions) {
    this.#storage = options.storage
    this.#clock = options.clock
    this.#vaultId = options.vaultId
    this.#maxFileBytes = options.maxFileBytes
    this.blobs = options.blobs
    this.#types = new Map((options.profile.documentTypes ?? []).map((t) => [t.name, t]))
    this.#lifecycles = new Map((options.profile.documentLifecycles ?? []).map((l) => [l.name, l]))
    this.#fields = new DocumentFields(options.registry)
    this.#writes = new DocumentWrites(options.storage, options.clock)
  }

  /** Adds a hook told of every document change, in the writing transaction. */
  addChangeHook(hook: DocumentChangeHook): void {
    this.#changeHooks.push(hook)
  }

  async #notify(db: Kysely<VaultDb>, change: DocumentChange): Promise<void> {
    for (const hook of this.#changeHooks) await hook(db as Transaction<VaultDb>, change)
  }

  /** The document types of this vault. */
  get types(): readonly DocumentTypeDefinition[] {
    return [...this.#types.values()]
  }

  /** The document lifecycles of this vault. */
  get lifecycles(): readonly DocumentLifecycleDefinition[] {
    return [...this.#lifecycles.values()]
  }

  /** The largest file accepted, in bytes. */
  get maxFileBytes(): number {
    return this.#maxFileBytes
  }

  #type(name: unknown): DocumentTypeDefinition {
    if (typeof name !== 'string' || name.trim() === '')
      fail('PARAMETER_MISSING', 'Send type__v, the document type (e.g. reference_document__v).')
    const type = this.#types.get(name) ?? [...this.#types.values()].find((t) => t.label === name)
    if (type === undefined)
      fail(
        'DOCUMENT_TYPE_UNKNOWN',
        `This vault has no document type "${name}"; use one of ${[...this.#types.keys()].join(', ') || '(none)'}.`,
      )
    return type
  }

  #lifecycle(type: DocumentTypeDefinition, name: unknown): DocumentLifecycleDefinition {
    if (typeof name !== 'string' || name.trim() === '')
      fail('PARAMETER_MISSING', `Send lifecycle__v; type ${type.name} uses ${type.lifecycles.join(', ')}.`)
    const lifecycle =
      this.#lifecycles.get(name) ?? [...this.#lifecycles.values()].find((l) => l.label === name)
    if (lifecycle === undefined || !type.lifecycles.includes(lifecycle.name))
      fail(
        'DOCUMENT_LIFECYCLE_UNKNOWN',
        `Document type ${type.name} has no lifecycle "${name}"; use ${type.lifecycles.join(', ')}.`,
      )
    return lifecycle
  }

  #startingState(lifecycle: DocumentLifecycleDefinition): DocumentLifecycleStateDefinition {
    const state = lifecycle.states.find((s) => s.stateType === 'starting_state__sys') ?? lifecycle.states[0]
    if (state === undefined) fail('METADATA_INVALID', `Lifecycle ${lifecycle.name} has no states.`)
    return state
  }

  #state(lifecycle: DocumentLifecycleDefinition, name: string): DocumentLifecycleStateDefinition {
    const state = lifecycle.states.find((s) => s.name === name)
    if (state === undefined) fail('METADATA_INVALID', `Lifecycle ${lifecycle.name} has no state ${name}.`)
    return state
  }

  #assertFile(file: DocumentFile): void {
    if (file.bytes.byteLength > this.#maxFileBytes) this.#fileTooLarge(file.bytes.byteLength)
  }

  #fileTooLarge(size?: number): never {
    fail(
      'FILE_TOO_LARGE',
      `The file is larger than this vault accepts (${size === undefined ? 'over ' : `${size} bytes; `}at most ${this.#maxFileBytes} bytes).`,
    )
  }

  /** Throws FILE_TOO_LARGE for an upload the HTTP layer cut off at the limit. */
  refuseOversizedFile(): never {
    this.#fileTooLarge()
  }

  #crosslinkSource(
    type: DocumentTypeDefinition,
    input: Readonly<Record<string, unknown>>,
  ): DocumentRow['source'] | undefined {
    const given = CROSSLINK_SOURCE_FIELDS.filter((f) => input[f] !== undefined && input[f] !== '')
    if (given.length === 0) return undefined
    if (type.crosslink !== true)
      fail('OPERATION_NOT_ALLOWED', `Document type ${type.name} cannot hold CrossLinks in this vault.`)
    const vault = textOrNull(input.source_vault_id__v)
    const document = textOrNull(input.source_document_id__v)
    if (vault === null || document === null)
      fail('FIELD_REQUIRED', 'A CrossLink needs both source_vault_id__v and source_document_id__v.')
    const rule = textOrNull(input.source_binding_rule__v) ?? 'latest_steady_state__v'
    if (!(SOURCE_BINDING_RULES as readonly string[]).includes(rule))
      fail(
        'PICKLIST_VALUE_UNKNOWN',
        `source_binding_rule__v must be one of ${SOURCE_BINDING_RULES.join(', ')}, got "${rule}".`,
      )
    const major = numberOrNull(input.bound_source_major_version__v)
    const minor = numberOrNull(input.bound_source_minor_version__v)
    if (rule === 'specific_version__v' && (major === null || minor === null || Number.isNaN(major + minor)))
      fail(
        'FIELD_REQUIRED',
        'A CrossLink bound to a specific version needs bound_source_major_version__v and bound_source_minor_version__v.',
      )
    return {
      source_vault_id__v: vault,
      source_document_id__v: document,
      source_binding_rule__v: rule,
      bound_source_major_version__v: major,
      bound_source_minor_version__v: minor,
    }
  }

  /** Stores a file's blob, runs the write, and removes the blob again if the write fails and nothing refers to it. */
  async #withBlob<T>(
    file: DocumentFile | undefined,
    write: (blob: { sha256: string; size: number } | undefined) => Promise<T>,
  ): Promise<T> {
    const blob = file === undefined ? undefined : await this.blobs.put(file.bytes)
    try {
      return await write(blob)
    } catch (error) {
      if (blob !== undefined) {
        const used = await this.#storage.db
          .selectFrom('document_version')
          .select('document_id')
          .where('file_sha256', '=', blob.sha256)
          .executeTakeFirst()
        if (used === undefined) await this.blobs.delete(blob.sha256)
      }
      throw error
    }
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
    const input = draft.fields
    const type = this.#type(input.type__v)
    const lifecycle = this.#lifecycle(type, input.lifecycle__v)
    if (draft.file !== undefined) this.#assertFile(draft.file)
    const source = this.#crosslinkSource(type, input)
    const ignore = new Set<string>(['type__v', 'lifecycle__v', ...CROSSLINK_SOURCE_FIELDS])
    const values = await this.#fields.parse(this.#storage.db, type, input, ignore)
    this.#fields.assertRequired(type, values)
    const state = this.#startingState(lifecycle)
    const now = isoTimestamp(this.#clock)
    return this.#withBlob(draft.file, (blob) =>
      this.#writes.transaction(async (db) => {
        const inserted = await db
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
        await db
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
        await this.#writes.audit(db, actor, [
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
        await this.#notify(db, { documentId: id, kind: 'create', actor })
        return id
      }),
    )
  }

  async #document(db: Kysely<VaultDb>, id: number): Promise<DocumentRow> {
    if (!Number.isInteger(id) || id <= 0) fail('RECORD_NOT_FOUND', `"${id}" is not a document id.`)
    const row = await db.selectFrom('document').selectAll().where('id', '=', id).executeTakeFirst()
    if (row === undefined) fail('RECORD_NOT_FOUND', `This vault has no document ${id}.`)
    return toDocumentRow(row)
  }

  async #version(db: Kysely<VaultDb>, id: number, major: number, minor: number): Promise<VersionRow> {
    const row = await db
      .selectFrom('document_version')
      .selectAll()
      .where('document_id', '=', id)
      .where('major', '=', major)
      .where('minor', '=', minor)
      .executeTakeFirst()
    if (row === undefined) fail('RECORD_NOT_FOUND', `Document ${id} has no version ${major}.${minor}.`)
    return toVersionRow(row)
  }

  async #versions(db: Kysely<VaultDb>, id: number): Promise<DocumentVersionNumber[]> {
    const rows = await db
      .selectFrom('document_version')
      .select(['major', 'minor'])
      .where('document_id', '=', id)
      .orderBy('major')
      .orderBy('minor')
      .execute()
    return rows.map((r) => ({ major: Number(r.major), minor: Number(r.minor) }))
  }

  #view(doc: DocumentRow, version: VersionRow): Record<string, unknown> {
    const lifecycle = this.#lifecycles.get(doc.lifecycle)
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
      global_id__sys: `${this.#vaultId}_${doc.id}`,
      global_version_id__sys: `${this.#vaultId}_${doc.id}_${version.major}_${version.minor}`,
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

  /** The latest version of a document with its version list and renditions. */
  async get(id: number): Promise<DocumentView> {
    const db = this.#storage.db
    const doc = await this.#document(db, id)
    const version = await this.#version(db, id, doc.latestMajor, doc.latestMinor)
    return {
      document: this.#view(doc, version),
      versions: await this.#versions(db, id),
      renditions: this.#renditions(version),
    }
  }

  /** A page of documents (latest versions), by id, and how many there are. */
  async list(paging: { readonly start: number; readonly limit: number }): Promise<{
    readonly total: number
    readonly documents: readonly Record<string, unknown>[]
  }> {
    const db = this.#storage.db
    const counted = await db
      .selectFrom('document')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    const rows = await latestVersions(db)
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
   * The lifecycle actions of a version and whether each can run now: from its state, and (for
   * one that makes a new major version) only on the latest version.
   */
  async lifecycleActions(
    id: number,
    version: DocumentVersionNumber,
  ): Promise<{ name: string; label: string; from: readonly string[]; to: string; executable: boolean }[]> {
    const db = this.#storage.db
    const doc = await this.#document(db, id)
    const current = await this.#version(db, id, version.major, version.minor)
    const lifecycle = this.#lifecycles.get(doc.lifecycle)
    if (lifecycle === undefined) fail('METADATA_INVALID', `Lifecycle ${doc.lifecycle} is not defined.`)
    const latest = version.major === doc.latestMajor && version.minor === doc.latestMinor
    return lifecycle.actions.map((a) => {
      const steady = this.#state(lifecycle, a.to).stateType === 'steady_state__sys'
      return {
        name: a.name,
        label: a.label,
        from: a.from,
        to: a.to,
        executable: a.from.includes(current.state) && (latest || !steady),
      }
    })
  }

  /** One version of a document. */
  async getVersion(id: number, major: number, minor: number): Promise<DocumentView> {
    const db = this.#storage.db
    const doc = await this.#document(db, id)
    const version = await this.#version(db, id, major, minor)
    return {
      document: this.#view(doc, version),
      versions: await this.#versions(db, id),
      renditions: this.#renditions(version),
    }
  }

  /** Updates fields of the latest version; `unchanged` when every value is already so. */
  async update(
    actor: DocumentActor,
    id: number,
    input: Readonly<Record<string, unknown>>,
  ): Promise<DocumentUpdateOutcome> {
    if (Object.keys(input).length === 0) fail('PARAMETER_MISSING', 'Send at least one field to change.')
    return this.#writes.transaction(async (db) => {
      const doc = await this.#document(db, id)
      const type = this.#type(doc.type)
      const version = await this.#version(db, id, doc.latestMajor, doc.latestMinor)
      const values = await this.#fields.parse(db, type, input, new Set())
      const before: Record<string, unknown> = { ...version.fields, name__v: version.name }
      const after = { ...before, ...values }
      this.#fields.assertRequired(type, after)
      const changed = Object.keys(values).filter((f) => !sameValue(before[f], after[f]))
      if (changed.length === 0) return 'unchanged'
      const { name__v: name, ...fields } = after
      await db
        .updateTable('document_version')
        .set({
          name__v: String(name),
          fields: JSON.stringify(fields),
          modified_date: isoTimestamp(this.#clock),
          modified_by: actor.userId,
        })
        .where('document_id', '=', id)
        .where('major', '=', version.major)
        .where('minor', '=', version.minor)
        .execute()
      await this.#writes.audit(
        db,
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
      await this.#notify(db, { documentId: id, kind: 'edit', actor })
      return 'updated'
    })
  }

  /** Adds the next minor version with a new file; it starts in the lifecycle's starting state. */
  async addVersion(actor: DocumentActor, id: number, file: DocumentFile): Promise<DocumentVersionNumber> {
    this.#assertFile(file)
    await this.#document(this.#storage.db, id)
    return this.#withBlob(file, (blob) =>
      this.#writes.transaction(async (db) => {
        const doc = await this.#document(db, id)
        const lifecycle = this.#lifecycles.get(doc.lifecycle)
        if (lifecycle === undefined) fail('METADATA_INVALID', `Lifecycle ${doc.lifecycle} is not defined.`)
        const latest = await this.#version(db, id, doc.latestMajor, doc.latestMinor)
        const next = { major: doc.latestMajor, minor: doc.latestMinor + 1 }
        const state = this.#startingState(lifecycle)
        const now = isoTimestamp(this.#clock)
        await db
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
            file_name: file.name,
            file_size: blob?.size ?? null,
            file_mime: file.mime,
            created_date: now,
            created_by: actor.userId,
            modified_date: now,
            modified_by: actor.userId,
          })
          .execute()
        await db
          .updateTable('document')
          .set({ latest_major: next.major, latest_minor: next.minor })
          .where('id', '=', id)
          .execute()
        await this.#writes.audit(db, actor, [
          {
            action: 'Create',
            objectName: DOCUMENTS_AUDIT_OBJECT,
            recordId: String(id),
            fieldName: 'version',
            oldValue: `${latest.major}.${latest.minor}`,
            newValue: `${next.major}.${next.minor}`,
            description: `Created version ${next.major}.${next.minor} of document ${id} with file ${file.name}`,
          },
        ])
        await this.#notify(db, { documentId: id, kind: 'version', actor })
        return next
      }),
    )
  }

  /**
   * Runs a lifecycle action on a version. Reaching a steady state makes the version the next
   * major one (`x.0`; only the latest version can) and supersedes the previous steady version.
   */
  async runAction(
    actor: DocumentActor,
    id: number,
    version: DocumentVersionNumber,
    actionName: string,
  ): Promise<DocumentVersionNumber> {
    return this.#writes.transaction(async (db) => {
      const doc = await this.#document(db, id)
      const current = await this.#version(db, id, version.major, version.minor)
      const lifecycle = this.#lifecycles.get(doc.lifecycle)
      if (lifecycle === undefined) fail('METADATA_INVALID', `Lifecycle ${doc.lifecycle} is not defined.`)
      const action = lifecycle.actions.find((a) => a.name === actionName)
      if (action === undefined)
        fail(
          'ACTION_UNKNOWN',
          `Lifecycle ${lifecycle.name} has no action ${actionName}; its actions are ${lifecycle.actions.map((a) => a.name).join(', ')}.`,
        )
      const label = `${version.major}.${version.minor}`
      if (!action.from.includes(current.state))
        fail(
          'ACTION_NOT_ALLOWED_IN_STATE',
          `${action.name} cannot run on document ${id} version ${label} in state ${current.state}; it runs from ${action.from.join(', ')}.`,
        )
      const target = this.#state(lifecycle, action.to)
      const now = isoTimestamp(this.#clock)
      const entries: AuditEntryDraft[] = []
      let result: DocumentVersionNumber = version
      if (target.stateType === 'steady_state__sys') {
        if (version.major !== doc.latestMajor || version.minor !== doc.latestMinor)
          fail(
            'ACTION_NOT_ALLOWED_IN_STATE',
            `${action.name} makes a new major version, so it runs only on the latest version of document ${id} (${doc.latestMajor}.${doc.latestMinor}), not ${label}.`,
          )
        entries.push(
          ...(await this.#supersedeSteady(db, actor, id, lifecycle, `the approval of version ${label}`)),
        )
        result = { major: doc.latestMajor + 1, minor: 0 }
        entries.push({
          action: 'Edit',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(id),
          fieldName: 'version',
          oldValue: label,
          newValue: `${result.major}.${result.minor}`,
          description: `Version ${label} of document ${id} became version ${result.major}.${result.minor}`,
        })
        await db
          .updateTable('document')
          .set({ latest_major: result.major, latest_minor: result.minor })
          .where('id', '=', id)
          .execute()
      }
      await db
        .updateTable('document_version')
        .set({
          major: result.major,
          minor: result.minor,
          state__v: target.name,
          state_type: target.stateType ?? null,
          modified_date: now,
          modified_by: actor.userId,
        })
        .where('document_id', '=', id)
        .where('major', '=', version.major)
        .where('minor', '=', version.minor)
        .execute()
      entries.push({
        action: 'State change',
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        fieldName: 'state__v',
        oldValue: current.state,
        newValue: target.name,
        description: `${action.label}: document ${id} version ${result.major}.${result.minor} moved from ${current.state} to ${target.name}`,
      })
      await this.#writes.audit(db, actor, entries)
      await this.#notify(db, { documentId: id, kind: 'state', actor })
      return result
    })
  }

  /** Moves every steady version of a document to the superseded state; answers the audit entries. */
  async #supersedeSteady(
    db: Kysely<VaultDb>,
    actor: DocumentActor,
    id: number,
    lifecycle: DocumentLifecycleDefinition,
    cause: string,
  ): Promise<AuditEntryDraft[]> {
    const superseded = lifecycle.states.find((s) => s.stateType === 'superseded_state__sys')
    if (superseded === undefined) return []
    const steady = await db
      .selectFrom('document_version')
      .select(['major', 'minor', 'state__v'])
      .where('document_id', '=', id)
      .where('state_type', '=', 'steady_state__sys')
      .execute()
    const now = isoTimestamp(this.#clock)
    const entries: AuditEntryDraft[] = []
    for (const old of steady) {
      await db
        .updateTable('document_version')
        .set({
          state__v: superseded.name,
          state_type: superseded.stateType ?? null,
          modified_date: now,
          modified_by: actor.userId,
        })
        .where('document_id', '=', id)
        .where('major', '=', Number(old.major))
        .where('minor', '=', Number(old.minor))
        .execute()
      entries.push({
        action: 'State change',
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        fieldName: 'state__v',
        oldValue: String(old.state__v),
        newValue: superseded.name,
        description: `Version ${String(old.major)}.${String(old.minor)} of document ${id} was superseded by ${cause}`,
      })
    }
    return entries
  }

  /**
   * Deletes a document with all its versions. Hooks hear of it first, in the same transaction, while
   * the document can still be read; files no other version uses are removed after the commit.
   */
  async delete(actor: DocumentActor, id: number): Promise<void> {
    const files = await this.#writes.transaction(async (db) => {
      const doc = await this.#document(db, id)
      if (doc.crosslink)
        fail(
          'OPERATION_NOT_ALLOWED',
          `Document ${id} is a CrossLink kept by a connection; it is obsoleted when its source goes, never deleted here.`,
        )
      await this.#notify(db, { documentId: id, kind: 'delete', actor })
      const versions = await db
        .selectFrom('document_version')
        .select(['file_sha256', 'name__v'])
        .where('document_id', '=', id)
        .execute()
      await db.deleteFrom('document_version').where('document_id', '=', id).execute()
      await db.deleteFrom('document').where('id', '=', id).execute()
      await this.#writes.audit(db, actor, [
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
    await this.#dropUnusedBlobs(files)
  }

  async #dropUnusedBlobs(sha256s: readonly string[]): Promise<void> {
    if (sha256s.length === 0) return
    const used = await this.#storage.db
      .selectFrom('document_version')
      .select('file_sha256')
      .where('file_sha256', 'in', [...sha256s])
      .execute()
    const keep = new Set(used.map((u) => String(u.file_sha256)))
    for (const sha of sha256s) if (!keep.has(sha)) await this.blobs.delete(sha)
  }

  async #crossLinkRow(
    db: Kysely<VaultDb>,
    sourceVaultId: string,
    sourceDocumentId: string,
  ): Promise<DocumentRow | undefined> {
    const row = await db
      .selectFrom('document')
      .selectAll()
      .where('source_vault_id__v', '=', sourceVaultId)
      .where('source_document_id__v', '=', sourceDocumentId)
      .where('crosslink__v', '=', 1)
      .orderBy('id')
      .executeTakeFirst()
    return row === undefined ? undefined : toDocumentRow(row)
  }

  /** The CrossLinks to the given documents of one source vault, by source document id. */
  async crossLinksOf(
    sourceVaultId: string,
    sourceDocumentIds: readonly string[],
  ): Promise<Map<string, CrossLinkRef>> {
    const found = new Map<string, CrossLinkRef>()
    if (sourceDocumentIds.length === 0) return found
    const rows = await latestVersions(this.#storage.db)
      .select([
        'd.id',
        'd.source_document_id__v',
        'v.major',
        'v.minor',
        'v.state__v',
        'v.state_type',
        'v.file_sha256',
      ])
      .where('d.source_vault_id__v', '=', sourceVaultId)
      .where('d.source_document_id__v', 'in', [...sourceDocumentIds])
      .where('d.crosslink__v', '=', 1)
      .orderBy('d.id', 'desc')
      .execute()
    for (const r of rows)
      found.set(String(r.source_document_id__v), {
        id: Number(r.id),
        version: { major: Number(r.major), minor: Number(r.minor) },
        state: String(r.state__v),
        stateType: textOrNull(r.state_type),
        hasFile: r.file_sha256 !== null && r.file_sha256 !== undefined,
      })
    return found
  }

  /**
   * The latest version's fields of this vault's own documents (CrossLinks left out), of the given
   * types or ids, read in `db` (the caller's transaction, when it has one).
   */
  async latestOwnVersions(
    db: Kysely<VaultDb>,
    filter: { readonly types?: readonly string[]; readonly ids?: readonly number[] },
  ): Promise<{ readonly id: number; readonly type: string; readonly fields: DocumentFieldValues }[]> {
    if (filter.types?.length === 0 || filter.ids?.length === 0) return []
    let query = latestVersions(db).select(['d.id', 'd.type__v', 'v.fields']).where('d.crosslink__v', '=', 0)
    if (filter.types !== undefined) query = query.where('d.type__v', 'in', [...filter.types])
    if (filter.ids !== undefined) query = query.where('d.id', 'in', [...filter.ids])
    const rows = await query.orderBy('d.id').execute()
    return rows.map((r) => ({
      id: Number(r.id),
      type: String(r.type__v),
      fields: JSON.parse(String(r.fields)) as DocumentFieldValues,
    }))
  }

  /**
   * Brings the CrossLink of a source document in step with one source version (Document Transfer,
   * B17): creates it bound to the latest version, adds the version when the source has a later one
   * (a steady one supersedes the CrossLink's earlier steady versions, as in the source), or updates
   * the shown version's fields, state and file. An earlier source version than the one shown is
   * `stale` and changes nothing, so repeated and out-of-order deliveries are harmless. A CrossLink
   * made by hand keeps its binding rule: bound to the latest steady state it takes steady versions
   * only, bound to a specific version only that one; an obsolete source reaches every CrossLink.
   */
  async applySourceVersion(
    actor: DocumentActor,
    source: SourceVersion,
  ): Promise<{ readonly id: number; readonly outcome: CrossLinkOutcome }> {
    const [result] = await this.applySourceVersions(actor, [source])
    if (result === undefined || 'error' in result)
      throw result?.error ?? new LiaisonError('INTERNAL', 'No outcome.')
    return result
  }

  /**
   * applySourceVersion for many source versions in one transaction, each behind a savepoint: one
   * that cannot be shown fails alone, with its error in its place of the answer.
   */
  async applySourceVersions(
    actor: DocumentActor,
    sources: readonly SourceVersion[],
  ): Promise<
    ({ readonly id: number; readonly outcome: CrossLinkOutcome } | { readonly error: LiaisonError })[]
  > {
    const results: ({ id: number; outcome: CrossLinkOutcome } | { error: LiaisonError })[] = []
    const prepared: (PreparedSource | undefined)[] = []
    for (const source of sources) {
      try {
        prepared.push(await this.#prepareSource(source))
        results.push({ error: new LiaisonError('INTERNAL', 'Not applied.') })
      } catch (error) {
        if (!(error instanceof LiaisonError)) throw error
        prepared.push(undefined)
        results.push({ error })
      }
    }
    // Files are written side by side: each is a few file system calls waiting on the thread pool.
    const blobs = await Promise.all(
      prepared.map((p) => (p?.source.file === undefined ? undefined : this.blobs.put(p.source.file.bytes))),
    )
    const failedBlobs: string[] = []
    try {
      await this.#writes.transaction(async (db) => {
        for (const [i, p] of prepared.entries()) {
          if (p === undefined) continue
          await sql`savepoint crosslink_item`.execute(db)
          try {
            results[i] = await this.#applyPrepared(db, actor, p, blobs[i])
            await sql`release savepoint crosslink_item`.execute(db)
          } catch (error) {
            await sql`rollback to savepoint crosslink_item`.execute(db)
            await sql`release savepoint crosslink_item`.execute(db)
            const translated = this.#storage.dialect.translateError(error) ?? error
            if (!(translated instanceof LiaisonError)) throw translated
            results[i] = { error: translated }
            const blob = blobs[i]
            if (blob !== undefined) failedBlobs.push(blob.sha256)
          }
        }
      })
    } catch (error) {
      await this.#dropUnusedBlobs(blobs.filter((b) => b !== undefined).map((b) => b.sha256))
      throw error
    }
    await this.#dropUnusedBlobs(failedBlobs)
    return results
  }

  async #prepareSource(source: SourceVersion): Promise<PreparedSource> {
    const type = this.#type(source.type)
    if (type.crosslink !== true)
      fail('OPERATION_NOT_ALLOWED', `Document type ${type.name} cannot hold CrossLinks in this vault.`)
    const lifecycle = this.#lifecycle(type, source.lifecycle)
    const state = lifecycle.states.find((s) => s.name === source.state) ?? this.#startingState(lifecycle)
    if (source.file !== undefined) this.#assertFile(source.file)
    const values = await this.#fields.parse(this.#storage.db, type, source.fields, new Set())
    this.#fields.assertRequired(type, values)
    return { source, type, lifecycle, state, values }
  }

  async #applyPrepared(
    db: Kysely<VaultDb>,
    actor: DocumentActor,
    prepared: PreparedSource,
    blob: { sha256: string; size: number } | undefined,
  ): Promise<{ id: number; outcome: CrossLinkOutcome }> {
    const { source, type, lifecycle, state, values } = prepared
    const { name__v: name, ...fields } = values
    const { major, minor } = source.version
    const label = `${major}.${minor}`
    const globalId = `${source.sourceVaultId}_${source.sourceDocumentId}`
    const now = isoTimestamp(this.#clock)
    const file = {
      file_sha256: blob?.sha256 ?? null,
      file_name: source.file?.name ?? null,
      file_size: blob?.size ?? null,
      file_mime: source.file?.mime ?? null,
    }
    const existing = await this.#crossLinkRow(db, source.sourceVaultId, source.sourceDocumentId)
    const bound = { bound_source_major_version__v: major, bound_source_minor_version__v: minor }
    const versionRow = {
      name__v: String(name),
      fields: JSON.stringify(fields),
      state__v: state.name,
      state_type: state.stateType ?? null,
      modified_date: now,
      modified_by: actor.userId,
    }
    const insertVersion = (id: number, files: typeof file) =>
      db
        .insertInto('document_version')
        .values({
          document_id: id,
          major,
          minor,
          ...versionRow,
          ...files,
          created_date: now,
          created_by: actor.userId,
        })
        .execute()
    if (existing === undefined) {
      const inserted = await db
        .insertInto('document')
        .values({
          type__v: type.name,
          lifecycle__v: lifecycle.name,
          latest_major: major,
          latest_minor: minor,
          crosslink__v: 1,
          source_vault_id__v: source.sourceVaultId,
          source_document_id__v: source.sourceDocumentId,
          source_binding_rule__v: 'latest_version__v',
          ...bound,
          created_date: now,
          created_by: actor.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      const id = Number(inserted.id)
      await insertVersion(id, file)
      await this.#writes.audit(db, actor, [
        {
          action: 'Create',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(id),
          description: `Created CrossLink ${id} "${String(name)}" to ${globalId} version ${label} (${state.name})`,
        },
      ])
      await this.#notify(db, { documentId: id, kind: 'create', actor })
      return { id, outcome: 'created' as const }
    }
    const id = existing.id
    const shown = { major: existing.latestMajor, minor: existing.latestMinor }
    // A CrossLink made by hand may be bound otherwise; the source going obsolete reaches it whatever its rule.
    const rule = existing.source.source_binding_rule__v
    const obsolete = state.stateType === 'obsolete_state__sys'
    if (!obsolete && rule === 'latest_steady_state__v' && state.stateType !== 'steady_state__sys')
      return { id, outcome: 'unchanged' as const }
    if (
      !obsolete &&
      rule === 'specific_version__v' &&
      (existing.source.bound_source_major_version__v !== major ||
        existing.source.bound_source_minor_version__v !== minor)
    )
      return { id, outcome: 'unchanged' as const }
    if (major < shown.major || (major === shown.major && minor < shown.minor))
      return { id, outcome: 'stale' as const }
    if (major > shown.major || minor > shown.minor) {
      const entries =
        state.stateType === 'steady_state__sys'
          ? await this.#supersedeSteady(db, actor, id, lifecycle, `source version ${label}`)
          : []
      const previous = await this.#version(db, id, shown.major, shown.minor)
      // A new source version without a new file keeps showing the file the CrossLink has.
      await insertVersion(
        id,
        blob === undefined
          ? {
              file_sha256: previous.fileSha256,
              file_name: previous.fileName,
              file_size: previous.fileSize,
              file_mime: previous.fileMime,
            }
          : file,
      )
      await db
        .updateTable('document')
        .set({ latest_major: major, latest_minor: minor, ...bound })
        .where('id', '=', id)
        .execute()
      await this.#writes.audit(db, actor, [
        ...entries,
        {
          action: 'Create',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(id),
          fieldName: 'version',
          oldValue: `${shown.major}.${shown.minor}`,
          newValue: label,
          description: `CrossLink ${id} up-versioned to ${label} from ${globalId} (${state.name})`,
        },
      ])
      await this.#notify(db, { documentId: id, kind: 'version', actor })
      return { id, outcome: 'versioned' as const }
    }
    const current = await this.#version(db, id, major, minor)
    const before: Record<string, unknown> = {
      ...current.fields,
      name__v: current.name,
      state__v: current.state,
      file: current.fileSha256,
    }
    const after: Record<string, unknown> = {
      ...values,
      state__v: state.name,
      file: blob?.sha256 ?? current.fileSha256,
    }
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (f) => !sameValue(before[f], after[f]),
    )
    if (changed.length === 0) return { id, outcome: 'unchanged' as const }
    await db
      .updateTable('document_version')
      .set({ ...versionRow, ...(blob === undefined ? {} : file) })
      .where('document_id', '=', id)
      .where('major', '=', major)
      .where('minor', '=', minor)
      .execute()
    await this.#writes.audit(
      db,
      actor,
      changed.map((field) => ({
        action: field === 'state__v' ? ('State change' as const) : ('Edit' as const),
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        fieldName: field,
        oldValue: auditValue(before[field]),
        newValue: auditValue(after[field]),
        description: `CrossLink ${id} version ${label}: ${field} follows ${globalId}`,
      })),
    )
    await this.#notify(db, { documentId: id, kind: 'edit', actor })
    return { id, outcome: 'updated' as const }
  }

  /**
   * B20: the source of a CrossLink was deleted or is gone: its shown version moves to the obsolete
   * state. The CrossLink is never deleted. Answers `missing` when there is no CrossLink to it.
   */
  async obsoleteCrossLink(
    actor: DocumentActor,
    sourceVaultId: string,
    sourceDocumentId: string,
  ): Promise<'obsoleted' | 'unchanged' | 'missing'> {
    return this.#writes.transaction(async (db) => {
      const doc = await this.#crossLinkRow(db, sourceVaultId, sourceDocumentId)
      if (doc === undefined) return 'missing'
      const lifecycle = this.#lifecycles.get(doc.lifecycle)
      const obsolete = lifecycle?.states.find((s) => s.stateType === 'obsolete_state__sys')
      if (obsolete === undefined)
        fail(
          'METADATA_INVALID',
          `Lifecycle ${doc.lifecycle} has no obsolete state to move CrossLink ${doc.id} to.`,
        )
      const current = await this.#version(db, doc.id, doc.latestMajor, doc.latestMinor)
      if (current.state === obsolete.name) return 'unchanged'
      await db
        .updateTable('document_version')
        .set({
          state__v: obsolete.name,
          state_type: obsolete.stateType ?? null,
          modified_date: isoTimestamp(this.#clock),
          modified_by: actor.userId,
        })
        .where('document_id', '=', doc.id)
        .where('major', '=', current.major)
        .where('minor', '=', current.minor)
        .execute()
      await this.#writes.audit(db, actor, [
        {
          action: 'State change',
          objectName: DOCUMENTS_AUDIT_OBJECT,
          recordId: String(doc.id),
          fieldName: 'state__v',
          oldValue: current.state,
          newValue: obsolete.name,
          description: `CrossLink ${doc.id} obsoleted: its source ${sourceVaultId}_${sourceDocumentId} was deleted`,
        },
      ])
      await this.#notify(db, { documentId: doc.id, kind: 'state', actor })
      return 'obsoleted'
    })
  }

  /** The file of the latest version (or of the given version). */
  async readFile(id: number, version?: DocumentVersionNumber): Promise<DocumentFile> {
    const db = this.#storage.db
    const doc = await this.#document(db, id)
    const v = await this.#version(
      db,
      id,
      version?.major ?? doc.latestMajor,
      version?.minor ?? doc.latestMinor,
    )
    if (v.fileSha256 === null)
      fail(
        'RECORD_NOT_FOUND',
        `Document ${id} version ${v.major}.${v.minor} is a placeholder without a file.`,
      )
    const bytes = await this.blobs.get(v.fileSha256)
    if (bytes === undefined)
      fail(
        'INTERNAL',
        `The file of document ${id} version ${v.major}.${v.minor} is missing from the blob store.`,
      )
    return { bytes, name: v.fileName ?? `document-${id}`, mime: v.fileMime ?? 'application/octet-stream' }
  }

  /** The viewable rendition of the latest version: a PDF is its own, a PNG or JPEG image becomes a PDF. */
  async readRendition(id: number, renditionType: string): Promise<DocumentFile> {
    const view = await this.get(id)
    if (renditionType !== VIEWABLE_RENDITION || !view.renditions.includes(renditionType))
      fail(
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
    await this.#document(this.#storage.db, id)
    return readRecordAudit(this.#storage.db, {
      objectName: DOCUMENTS_AUDIT_OBJECT,
      recordId: String(id),
      limit: paging.limit,
      offset: paging.offset,
    })
  }
}

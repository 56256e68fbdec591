import type { Transaction } from 'kysely'
import type { AuditEntry } from '../audit/index.js'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type {
  DocumentLifecycleDefinition,
  DocumentTypeDefinition,
  MetadataRegistry,
  ProfileDefinition,
} from '../metadata/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { BlobStore } from './blob-store.js'
import { type CrossLinkResult, CrossLinkSync } from './crosslink-sync.js'
import { DocumentBlobs } from './document-blobs.js'
import { DocumentChangeHooks } from './document-change-hooks.js'
import { DocumentDefinitions } from './document-definitions.js'
import { DocumentEdits, type DocumentUpdateOutcome } from './document-edits.js'
import { DocumentFields } from './document-fields.js'
import { DocumentLifecycle, type LifecycleActionView } from './document-lifecycle.js'
import type { DocumentParts } from './document-parts.js'
import { DocumentReads, type DocumentView } from './document-reads.js'
import { DocumentSearch } from './document-search.js'
import type {
  CrossLinkOutcome,
  CrossLinkRef,
  DocumentAction,
  DocumentActor,
  DocumentChange,
  DocumentChangeHook,
  DocumentDraft,
  DocumentFieldValues,
  DocumentFile,
  DocumentVersionNumber,
  DocumentVersionRef,
  SourceVersion,
  VersionFileRead,
} from './document-types.js'
import { DocumentWrites } from './document-writes.js'

export interface DocumentServiceOptions {
  readonly storage: Storage
  readonly registry: MetadataRegistry
  readonly profile: ProfileDefinition
  readonly clock: Clock
  readonly vaultId: number
  readonly blobs: BlobStore
  readonly maxFileBytes: number
}

/**
 * Documents of one vault, one facade over parts with one job each: DocumentEdits (create, update,
 * add a version, delete), DocumentLifecycle (actions and version numbering), CrossLinkSync
 * (CrossLinks following their source), DocumentReads (views, pages, files, renditions, audit).
 * They share the type and lifecycle lookup (DocumentDefinitions), field parsing (DocumentFields),
 * the write transaction and audit (DocumentWrites), the change hooks and the blob lifetime
 * (DocumentBlobs). Every change is audited in its transaction; bad input fails before anything is
 * stored, and a blob written for a failed write is removed again.
 */
export class DocumentService {
  readonly #parts: DocumentParts
  readonly #reads: DocumentReads
  readonly #edits: DocumentEdits
  readonly #lifecycle: DocumentLifecycle
  readonly #crossLinks: CrossLinkSync
  readonly #actions = new Map<string, DocumentAction>()
  /** The file store; the blob of every version lives here. */
  readonly blobs: BlobStore

  constructor(options: DocumentServiceOptions) {
    const parts: DocumentParts = {
      db: options.storage.db,
      clock: options.clock,
      vaultId: options.vaultId,
      definitions: new DocumentDefinitions(options.profile),
      fields: new DocumentFields(options.registry),
      writes: new DocumentWrites(options.storage, options.clock),
      hooks: new DocumentChangeHooks(),
      blobs: new DocumentBlobs({
        db: options.storage.db,
        store: options.blobs,
        maxFileBytes: options.maxFileBytes,
      }),
    }
    this.#parts = parts
    this.blobs = options.blobs
    this.#reads = new DocumentReads(parts)
    this.#edits = new DocumentEdits(parts)
    this.#lifecycle = new DocumentLifecycle(parts)
    this.#crossLinks = new CrossLinkSync(parts, this.#lifecycle)
    // First of the hooks: FIND on documents sees every change in its own transaction.
    const search = new DocumentSearch(parts.definitions, options.blobs)
    parts.hooks.add((trx, change) => search.refresh(trx, change))
  }

  /** Adds a hook told of every document change, in the writing transaction. */
  addChangeHook(hook: DocumentChangeHook): void {
    this.#parts.hooks.add(hook)
  }

  /** Tells the change hooks of a change made in the caller's transaction (a binder's nodes, say). */
  notifyChangeIn(trx: Transaction<VaultDb>, change: DocumentChange): Promise<void> {
    return this.#parts.hooks.notify(trx, change)
  }

  /** Adds a document action (`POST /objects/documents/{id}/actions/{name}`); a higher layer names it. */
  addDocumentAction(name: string, action: DocumentAction): void {
    if (this.#actions.has(name)) throw new LiaisonError('INTERNAL', `Document action ${name} is added twice.`)
    this.#actions.set(name, action)
  }

  /** Runs a document action on a document; an action this vault lacks is ACTION_UNKNOWN. */
  async runDocumentAction(actor: DocumentActor, id: number, name: string): Promise<Record<string, unknown>> {
    const action = this.#actions.get(name)
    if (action === undefined) {
      const known = [...this.#actions.keys()].join(', ')
      throw new LiaisonError(
        'ACTION_UNKNOWN',
        `Documents have no action ${name}${known === '' ? '' : `; their actions are ${known}`}.`,
      )
    }
    return action(actor, id)
  }

  /** The document types of this vault. */
  get types(): readonly DocumentTypeDefinition[] {
    return this.#parts.definitions.types
  }

  /** The document lifecycles of this vault. */
  get lifecycles(): readonly DocumentLifecycleDefinition[] {
    return this.#parts.definitions.lifecycles
  }

  /** The largest file accepted, in bytes. */
  get maxFileBytes(): number {
    return this.#parts.blobs.maxFileBytes
  }

  /** Throws FILE_TOO_LARGE for an upload the HTTP layer cut off at the limit. */
  refuseOversizedFile(): never {
    return this.#parts.blobs.refuseOversized()
  }

  /**
   * Creates a document at version 0.1 in its lifecycle's starting state; answers its id.
   * `binder: true` makes it a binder (BinderService adds its nodes).
   */
  create(
    actor: DocumentActor,
    draft: DocumentDraft,
    options: { readonly binder?: boolean } = {},
  ): Promise<number> {
    return this.#edits.create(actor, draft, options)
  }

  /** The latest version of a document with its version list and renditions. */
  get(id: number): Promise<DocumentView> {
    return this.#reads.get(id)
  }

  /** One version of a document. */
  getVersion(id: number, major: number, minor: number): Promise<DocumentView> {
    return this.#reads.get(id, { major, minor })
  }

  /** A page of documents (latest versions), by id, and how many there are. */
  list(paging: { readonly start: number; readonly limit: number }): Promise<{
    readonly total: number
    readonly documents: readonly Record<string, unknown>[]
  }> {
    return this.#reads.list(paging)
  }

  /** The lifecycle actions of a version and whether each can run now. */
  lifecycleActions(id: number, version: DocumentVersionNumber): Promise<LifecycleActionView[]> {
    return this.#lifecycle.actions(id, version)
  }

  /** Updates fields of the latest version; `unchanged` when every value is already so. */
  update(
    actor: DocumentActor,
    id: number,
    input: Readonly<Record<string, unknown>>,
  ): Promise<DocumentUpdateOutcome> {
    return this.#edits.update(actor, id, input)
  }

  /** Adds the next minor version with a new file; it starts in the lifecycle's starting state. */
  addVersion(actor: DocumentActor, id: number, file?: DocumentFile): Promise<DocumentVersionNumber> {
    return this.#edits.addVersion(actor, id, file)
  }

  /**
   * Runs a lifecycle action on a version. Reaching a steady state makes the version the next
   * major one (`x.0`; only the latest version can) and supersedes the previous steady version.
   */
  runAction(
    actor: DocumentActor,
    id: number,
    version: DocumentVersionNumber,
    actionName: string,
  ): Promise<DocumentVersionNumber> {
    return this.#lifecycle.run(actor, id, version, actionName)
  }

  /**
   * Deletes a document with all its versions. Hooks hear of it first, in the same transaction, while
   * the document can still be read; files no other version uses are removed after the commit.
   */
  delete(actor: DocumentActor, id: number): Promise<void> {
    return this.#edits.delete(actor, id)
  }

  /** The CrossLinks to the given documents of one source vault, by source document id. */
  crossLinksOf(
    sourceVaultId: string,
    sourceDocumentIds: readonly string[],
  ): Promise<Map<string, CrossLinkRef>> {
    return this.#crossLinks.crossLinksOf(sourceVaultId, sourceDocumentIds)
  }

  /**
   * The latest version's fields of this vault's own documents (CrossLinks left out), of the given
   * types or ids, read in the caller's transaction.
   */
  latestOwnVersions(
    trx: Transaction<VaultDb>,
    filter: { readonly types?: readonly string[]; readonly ids?: readonly number[] },
  ): Promise<{ readonly id: number; readonly type: string; readonly fields: DocumentFieldValues }[]> {
    return this.#reads.latestOwnVersions(trx, filter)
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
    const [result] = await this.#crossLinks.applySourceVersions(actor, [source])
    if (result === undefined || 'error' in result)
      throw result?.error ?? new LiaisonError('INTERNAL', 'No outcome.')
    return result
  }

  /**
   * applySourceVersion for many source versions in one transaction, each behind a savepoint: one
   * that cannot be shown fails alone, with its error in its place of the answer.
   */
  applySourceVersions(actor: DocumentActor, sources: readonly SourceVersion[]): Promise<CrossLinkResult[]> {
    return this.#crossLinks.applySourceVersions(actor, sources)
  }

  /**
   * B20: the source of a CrossLink was deleted or is gone: its shown version moves to the obsolete
   * state. The CrossLink is never deleted. Answers `missing` when there is no CrossLink to it.
   */
  obsoleteCrossLink(
    actor: DocumentActor,
    sourceVaultId: string,
    sourceDocumentId: string,
  ): Promise<'obsoleted' | 'unchanged' | 'missing'> {
    return this.#crossLinks.obsolete(actor, sourceVaultId, sourceDocumentId)
  }

  /** The file of the latest version (or of the given version). */
  readFile(id: number, version?: DocumentVersionNumber): Promise<DocumentFile> {
    return this.#reads.readFile(id, version)
  }

  /**
   * The files of several versions (at most DOCUMENT_FILES_PER_CALL_MAX), in the order asked and one
   * at a time; a version whose file cannot be read answers its error in its place.
   */
  readFiles(versions: readonly DocumentVersionRef[]): AsyncGenerator<VersionFileRead> {
    return this.#reads.readFiles(versions)
  }

  /**
   * Which of these files (by SHA-256) the blob store holds for CrossLinks of the source vault: a
   * source version with one of them can be shown without copying its bytes again (a HeldFile).
   */
  heldFilesOf(sourceVaultId: string, sha256s: readonly string[]): Promise<Set<string>> {
    return this.#parts.blobs.heldForSource(sourceVaultId, sha256s)
  }

  /** The viewable rendition of the latest version: a PDF is its own, a PNG or JPEG image becomes a PDF. */
  readRendition(id: number, renditionType: string): Promise<DocumentFile> {
    return this.#reads.readRendition(id, renditionType)
  }

  /** A document's audit trail, oldest first. */
  audit(
    id: number,
    paging: { limit: number; offset: number },
  ): Promise<{ total: number; entries: AuditEntry[] }> {
    return this.#reads.audit(id, paging)
  }
}

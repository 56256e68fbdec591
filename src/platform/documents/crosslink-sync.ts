import type { Transaction } from 'kysely'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type {
  DocumentLifecycleDefinition,
  DocumentLifecycleStateDefinition,
  DocumentTypeDefinition,
} from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import { assertCrossLinkType } from './crosslink-source.js'
import type { StagedBlob } from './document-blobs.js'
import { startingStateOf } from './document-definitions.js'
import { type DocumentLifecycle, moveVersionState } from './document-lifecycle.js'
import type { DocumentParts } from './document-parts.js'
import {
  type DocumentRow,
  latestVersions,
  readCrossLinkRow,
  readVersionRow,
  textOrNull,
} from './document-rows.js'
import type { CrossLinkOutcome, CrossLinkRef, DocumentActor, SourceVersion } from './document-types.js'
import { auditValue, DOCUMENTS_AUDIT_OBJECT, sameFieldValue } from './document-writes.js'

/** A source version checked against this vault's types, lifecycles and fields. */
interface PreparedSource {
  readonly source: SourceVersion
  readonly type: DocumentTypeDefinition
  readonly lifecycle: DocumentLifecycleDefinition
  readonly state: DocumentLifecycleStateDefinition
  readonly values: Record<string, unknown>
}

/** One source version being written: its transaction, who writes, and the one timestamp it gets. */
interface SourceWrite {
  readonly trx: Transaction<VaultDb>
  readonly actor: DocumentActor
  readonly prepared: PreparedSource
  readonly now: string
}

/** The columns of a version that say which file it shows. */
interface VersionFile {
  readonly file_sha256: string | null
  readonly file_name: string | null
  readonly file_size: number | null
  readonly file_mime: string | null
}

/** What applying one source version answers: the CrossLink and what happened to it, or why it could not be. */
export type CrossLinkResult =
  | { readonly id: number; readonly outcome: CrossLinkOutcome }
  | { readonly error: LiaisonError }

/**
 * CrossLink upkeep for Document Transfer (B17, B20): the CrossLinks this vault keeps of another
 * vault's documents follow the source versions delivered to it, and go obsolete when their source
 * goes. The transfer reads what each CrossLink shows through `crossLinksOf`.
 */
export class CrossLinkSync {
  readonly #parts: Omit<DocumentParts, 'vaultId'>
  readonly #lifecycle: Pick<DocumentLifecycle, 'supersedeSteady'>

  constructor(parts: Omit<DocumentParts, 'vaultId'>, lifecycle: Pick<DocumentLifecycle, 'supersedeSteady'>) {
    this.#parts = parts
    this.#lifecycle = lifecycle
  }

  /** The CrossLinks to the given documents of one source vault, by source document id. */
  async crossLinksOf(
    sourceVaultId: string,
    sourceDocumentIds: readonly string[],
  ): Promise<Map<string, CrossLinkRef>> {
    const found = new Map<string, CrossLinkRef>()
    if (sourceDocumentIds.length === 0) return found
    const rows = await latestVersions(this.#parts.db)
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
   * Brings CrossLinks in step with source versions, in one transaction, each behind a savepoint:
   * one that cannot be shown fails alone, with its error in its place of the answer.
   */
  async applySourceVersions(
    actor: DocumentActor,
    sources: readonly SourceVersion[],
  ): Promise<CrossLinkResult[]> {
    const results: CrossLinkResult[] = []
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
    const blobs = await this.#parts.blobs.putAll(prepared.map((p) => p?.source.file))
    const failedBlobs: string[] = []
    // Each source version behind a savepoint, so that one that cannot be shown fails alone.
    const isolated = async (trx: Transaction<VaultDb>) => {
      for (const [i, p] of prepared.entries()) {
        if (p === undefined) continue
        const applied = await this.#parts.writes.attempt(trx, () =>
          this.#applyPrepared(trx, actor, p, blobs[i]),
        )
        results[i] = 'error' in applied ? applied : applied.value
        const blob = blobs[i]
        if ('error' in applied && blob !== undefined) failedBlobs.push(blob.sha256)
      }
    }
    try {
      try {
        // Almost every batch goes through whole: written without savepoints first (two round trips
        // fewer per version on PostgreSQL); when one fails, the batch is rolled back and written
        // again behind savepoints, so that one fails alone as before.
        await this.#parts.writes.transaction(async (trx) => {
          for (const [i, p] of prepared.entries())
            if (p !== undefined) results[i] = await this.#applyPrepared(trx, actor, p, blobs[i])
        })
      } catch (error) {
        if (!(error instanceof LiaisonError)) throw error
        await this.#parts.writes.transaction(isolated)
      }
    } catch (error) {
      await this.#parts.blobs.dropUnused(blobs.filter((b) => b !== undefined).map((b) => b.sha256))
      throw error
    }
    // A file sent with a version this CrossLink does not show (its binding rule, or a stale
    // version) was stored for nothing by a store outside the database: it goes too, if unused.
    for (const [i, r] of results.entries()) {
      const blob = blobs[i]
      if (blob !== undefined && 'outcome' in r && (r.outcome === 'unchanged' || r.outcome === 'stale'))
        failedBlobs.push(blob.sha256)
    }
    await this.#parts.blobs.dropUnused(failedBlobs)
    return results
  }

  async #prepareSource(source: SourceVersion): Promise<PreparedSource> {
    const type = this.#parts.definitions.type(source.type)
    assertCrossLinkType(type)
    const lifecycle = this.#parts.definitions.lifecycle(type, source.lifecycle)
    const state = lifecycle.states.find((s) => s.name === source.state) ?? startingStateOf(lifecycle)
    // A held file is in the store already, so it was within the limit when it came.
    if (source.file !== undefined && 'bytes' in source.file) this.#parts.blobs.assertSize(source.file)
    const values = await this.#parts.fields.parse(this.#parts.db, type, source.fields, new Set())
    this.#parts.fields.assertRequired(type, values)
    return { source, type, lifecycle, state, values }
  }

  async #applyPrepared(
    trx: Transaction<VaultDb>,
    actor: DocumentActor,
    prepared: PreparedSource,
    blob: StagedBlob | undefined,
  ): Promise<{ id: number; outcome: CrossLinkOutcome }> {
    const { source, state } = prepared
    const { major, minor } = source.version
    const file: VersionFile = {
      file_sha256: blob?.sha256 ?? null,
      file_name: source.file?.name ?? null,
      file_size: blob?.size ?? null,
      file_mime: source.file?.mime ?? null,
    }
    const write: SourceWrite = { trx, actor, prepared, now: isoTimestamp(this.#parts.clock) }
    const existing = await readCrossLinkRow(trx, source.sourceVaultId, source.sourceDocumentId)
    if (existing === undefined) {
      await blob?.keepIn(trx)
      return this.#create(write, file)
    }
    const id = existing.id
    const shown = { major: existing.latestMajor, minor: existing.latestMinor }
    // A CrossLink made by hand may be bound otherwise; the source going obsolete reaches it whatever its rule.
    const rule = existing.source.source_binding_rule__v
    const obsolete = state.stateType === 'obsolete_state__sys'
    if (!obsolete && rule === 'latest_steady_state__v' && state.stateType !== 'steady_state__sys')
      return { id, outcome: 'unchanged' }
    if (
      !obsolete &&
      rule === 'specific_version__v' &&
      (existing.source.bound_source_major_version__v !== major ||
        existing.source.bound_source_minor_version__v !== minor)
    )
      return { id, outcome: 'unchanged' }
    if (major < shown.major || (major === shown.major && minor < shown.minor)) return { id, outcome: 'stale' }
    // From here the version refers to the file: the blob is written (or held) in this transaction.
    await blob?.keepIn(trx)
    if (major > shown.major || minor > shown.minor)
      return this.#addVersion(write, existing, blob === undefined ? undefined : file)
    return this.#updateShown(write, id, blob === undefined ? undefined : file)
  }

  /** The version row of a source version, without its number, file and creation columns. */
  #versionColumns({ actor, prepared, now }: SourceWrite) {
    const { name__v: name, ...fields } = prepared.values
    return {
      name__v: String(name),
      fields: JSON.stringify(fields),
      state__v: prepared.state.name,
      state_type: prepared.state.stateType ?? null,
      modified_date: now,
      modified_by: actor.userId,
    }
  }

  async #insertVersion(write: SourceWrite, id: number, file: VersionFile): Promise<void> {
    const { major, minor } = write.prepared.source.version
    await write.trx
      .insertInto('document_version')
      .values({
        document_id: id,
        major,
        minor,
        ...this.#versionColumns(write),
        ...file,
        created_date: write.now,
        created_by: write.actor.userId,
      })
      .execute()
  }

  /** A new CrossLink, bound to the latest version, showing the source version. */
  async #create(write: SourceWrite, file: VersionFile): Promise<{ id: number; outcome: CrossLinkOutcome }> {
    const { trx, actor, prepared, now } = write
    const { source, type, lifecycle, state, values } = prepared
    const { major, minor } = source.version
    const inserted = await trx
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
        bound_source_major_version__v: major,
        bound_source_minor_version__v: minor,
        created_date: now,
        created_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const id = Number(inserted.id)
    await this.#insertVersion(write, id, file)
    await this.#parts.writes.audit(trx, actor, [
      {
        action: 'Create',
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        description: `Created CrossLink ${id} "${String(values.name__v)}" to ${globalIdOf(source)} version ${major}.${minor} (${state.name})`,
      },
    ])
    await this.#parts.hooks.notify(trx, { documentId: id, kind: 'create', actor })
    return { id, outcome: 'created' }
  }

  /**
   * A later source version becomes the CrossLink's latest; a steady one supersedes the CrossLink's
   * earlier steady versions, as in the source. Without a new file (`file` undefined) the new version
   * keeps showing the file the CrossLink has.
   */
  async #addVersion(
    write: SourceWrite,
    existing: DocumentRow,
    file: VersionFile | undefined,
  ): Promise<{ id: number; outcome: CrossLinkOutcome }> {
    const { trx, actor, prepared } = write
    const { source, lifecycle, state } = prepared
    const { major, minor } = source.version
    const id = existing.id
    const label = `${major}.${minor}`
    const entries =
      state.stateType === 'steady_state__sys'
        ? await this.#lifecycle.supersedeSteady(trx, actor, id, lifecycle, `source version ${label}`)
        : []
    const previous = await readVersionRow(trx, id, existing.latestMajor, existing.latestMinor)
    await this.#insertVersion(
      write,
      id,
      file ?? {
        file_sha256: previous.fileSha256,
        file_name: previous.fileName,
        file_size: previous.fileSize,
        file_mime: previous.fileMime,
      },
    )
    await trx
      .updateTable('document')
      .set({
        latest_major: major,
        latest_minor: minor,
        bound_source_major_version__v: major,
        bound_source_minor_version__v: minor,
      })
      .where('id', '=', id)
      .execute()
    await this.#parts.writes.audit(trx, actor, [
      ...entries,
      {
        action: 'Create',
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        fieldName: 'version',
        oldValue: `${existing.latestMajor}.${existing.latestMinor}`,
        newValue: label,
        description: `CrossLink ${id} up-versioned to ${label} from ${globalIdOf(source)} (${state.name})`,
      },
    ])
    await this.#parts.hooks.notify(trx, { documentId: id, kind: 'version', actor })
    return { id, outcome: 'versioned' }
  }

  /** The shown version takes the source version's fields, state and (when sent) file. */
  async #updateShown(
    write: SourceWrite,
    id: number,
    file: VersionFile | undefined,
  ): Promise<{ id: number; outcome: CrossLinkOutcome }> {
    const { trx, actor, prepared } = write
    const { source, state, values } = prepared
    const { major, minor } = source.version
    const current = await readVersionRow(trx, id, major, minor)
    const before: Record<string, unknown> = {
      ...current.fields,
      name__v: current.name,
      state__v: current.state,
      file: current.fileSha256,
    }
    const after: Record<string, unknown> = {
      ...values,
      state__v: state.name,
      file: file?.file_sha256 ?? current.fileSha256,
    }
    const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (f) => !sameFieldValue(before[f], after[f]),
    )
    if (changed.length === 0) return { id, outcome: 'unchanged' }
    await trx
      .updateTable('document_version')
      .set({ ...this.#versionColumns(write), ...(file ?? {}) })
      .where('document_id', '=', id)
      .where('major', '=', major)
      .where('minor', '=', minor)
      .execute()
    await this.#parts.writes.audit(
      trx,
      actor,
      changed.map((field) => ({
        action: field === 'state__v' ? ('State change' as const) : ('Edit' as const),
        objectName: DOCUMENTS_AUDIT_OBJECT,
        recordId: String(id),
        fieldName: field,
        oldValue: auditValue(before[field]),
        newValue: auditValue(after[field]),
        description: `CrossLink ${id} version ${major}.${minor}: ${field} follows ${globalIdOf(source)}`,
      })),
    )
    await this.#parts.hooks.notify(trx, { documentId: id, kind: 'edit', actor })
    return { id, outcome: 'updated' }
  }

  /**
   * B20: the source of a CrossLink was deleted or is gone: its shown version moves to the obsolete
   * state. The CrossLink is never deleted. Answers `missing` when there is no CrossLink to it.
   */
  async obsolete(
    actor: DocumentActor,
    sourceVaultId: string,
    sourceDocumentId: string,
  ): Promise<'obsoleted' | 'unchanged' | 'missing'> {
    return this.#parts.writes.transaction(async (trx) => {
      const doc = await readCrossLinkRow(trx, sourceVaultId, sourceDocumentId)
      if (doc === undefined) return 'missing'
      const lifecycle = this.#parts.definitions.findLifecycle(doc.lifecycle)
      const obsolete = lifecycle?.states.find((s) => s.stateType === 'obsolete_state__sys')
      if (obsolete === undefined)
        throw new LiaisonError(
          'METADATA_INVALID',
          `Lifecycle ${doc.lifecycle} has no obsolete state to move CrossLink ${doc.id} to.`,
        )
      const current = await readVersionRow(trx, doc.id, doc.latestMajor, doc.latestMinor)
      if (current.state === obsolete.name) return 'unchanged'
      const entry = await moveVersionState(trx, {
        actor,
        id: doc.id,
        version: current,
        from: current.state,
        to: obsolete,
        now: isoTimestamp(this.#parts.clock),
        description: `CrossLink ${doc.id} obsoleted: its source ${sourceVaultId}_${sourceDocumentId} was deleted`,
      })
      await this.#parts.writes.audit(trx, actor, [entry])
      await this.#parts.hooks.notify(trx, { documentId: doc.id, kind: 'state', actor })
      return 'obsoleted'
    })
  }
}

/** The source document's global id, as the audit trail names it. */
function globalIdOf(source: SourceVersion): string {
  return `${source.sourceVaultId}_${source.sourceDocumentId}`
}

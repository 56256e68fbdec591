import type { Transaction } from 'kysely'
import type { AuditEntryDraft } from '../audit/index.js'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { DocumentLifecycleDefinition, DocumentLifecycleStateDefinition } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import { stateOf } from './document-definitions.js'
import type { DocumentParts } from './document-parts.js'
import { readDocumentRow, readVersionRow } from './document-rows.js'
import type { DocumentActor, DocumentVersionNumber } from './document-types.js'
import { DOCUMENTS_AUDIT_OBJECT } from './document-writes.js'

/** A lifecycle action of a version and whether it can run now. */
export interface LifecycleActionView {
  readonly name: string
  readonly label: string
  readonly from: readonly string[]
  readonly to: string
  readonly executable: boolean
}

/** One version of a document moving to a state (and to a new number, when `renumber` is given). */
export interface VersionStateMove {
  readonly actor: DocumentActor
  readonly id: number
  readonly version: DocumentVersionNumber
  readonly from: string
  readonly to: DocumentLifecycleStateDefinition
  readonly now: string
  readonly renumber?: DocumentVersionNumber
  /** The audit entry's description. */
  readonly description: string
}

/** Moves one version to a state in the caller's transaction; answers the audit entry that says so. */
export async function moveVersionState(
  trx: Transaction<VaultDb>,
  move: VersionStateMove,
): Promise<AuditEntryDraft> {
  const { renumber } = move
  await trx
    .updateTable('document_version')
    .set({
      ...(renumber === undefined ? {} : { major: renumber.major, minor: renumber.minor }),
      state__v: move.to.name,
      state_type: move.to.stateType ?? null,
      modified_date: move.now,
      modified_by: move.actor.userId,
    })
    .where('document_id', '=', move.id)
    .where('major', '=', move.version.major)
    .where('minor', '=', move.version.minor)
    .execute()
  return {
    action: 'State change',
    objectName: DOCUMENTS_AUDIT_OBJECT,
    recordId: String(move.id),
    fieldName: 'state__v',
    oldValue: move.from,
    newValue: move.to.name,
    description: move.description,
  }
}

/**
 * The document lifecycle state machine: which actions a version has, running one, and the version
 * numbering that goes with it. Reaching a steady state makes the version the next major one (`x.0`;
 * only the latest version can) and supersedes the previous steady versions.
 */
export class DocumentLifecycle {
  readonly #parts: Pick<DocumentParts, 'db' | 'clock' | 'definitions' | 'writes' | 'hooks'>

  constructor(parts: Pick<DocumentParts, 'db' | 'clock' | 'definitions' | 'writes' | 'hooks'>) {
    this.#parts = parts
  }

  /**
   * The lifecycle actions of a version and whether each can run now: from its state, and (for
   * one that makes a new major version) only on the latest version.
   */
  async actions(id: number, version: DocumentVersionNumber): Promise<LifecycleActionView[]> {
    const { db, definitions } = this.#parts
    const doc = await readDocumentRow(db, id)
    const current = await readVersionRow(db, id, version.major, version.minor)
    const lifecycle = definitions.storedLifecycle(doc.lifecycle)
    const latest = version.major === doc.latestMajor && version.minor === doc.latestMinor
    return lifecycle.actions.map((a) => {
      const steady = stateOf(lifecycle, a.to).stateType === 'steady_state__sys'
      return {
        name: a.name,
        label: a.label,
        from: a.from,
        to: a.to,
        executable: a.from.includes(current.state) && (latest || !steady),
      }
    })
  }

  /** Runs a lifecycle action on a version; answers the version's number afterwards. */
  async run(
    actor: DocumentActor,
    id: number,
    version: DocumentVersionNumber,
    actionName: string,
  ): Promise<DocumentVersionNumber> {
    const { clock, definitions, writes, hooks } = this.#parts
    return writes.transaction(async (trx) => {
      const doc = await readDocumentRow(trx, id)
      const current = await readVersionRow(trx, id, version.major, version.minor)
      const lifecycle = definitions.storedLifecycle(doc.lifecycle)
      const action = lifecycle.actions.find((a) => a.name === actionName)
      if (action === undefined)
        throw new LiaisonError(
          'ACTION_UNKNOWN',
          `Lifecycle ${lifecycle.name} has no action ${actionName}; its actions are ${lifecycle.actions.map((a) => a.name).join(', ')}.`,
        )
      const label = `${version.major}.${version.minor}`
      if (!action.from.includes(current.state))
        throw new LiaisonError(
          'ACTION_NOT_ALLOWED_IN_STATE',
          `${action.name} cannot run on document ${id} version ${label} in state ${current.state}; it runs from ${action.from.join(', ')}.`,
        )
      const target = stateOf(lifecycle, action.to)
      const now = isoTimestamp(clock)
      const entries: AuditEntryDraft[] = []
      let result: DocumentVersionNumber = version
      if (target.stateType === 'steady_state__sys') {
        if (version.major !== doc.latestMajor || version.minor !== doc.latestMinor)
          throw new LiaisonError(
            'ACTION_NOT_ALLOWED_IN_STATE',
            `${action.name} makes a new major version, so it runs only on the latest version of document ${id} (${doc.latestMajor}.${doc.latestMinor}), not ${label}.`,
          )
        entries.push(
          ...(await this.supersedeSteady(trx, actor, id, lifecycle, `the approval of version ${label}`)),
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
        await trx
          .updateTable('document')
          .set({ latest_major: result.major, latest_minor: result.minor })
          .where('id', '=', id)
          .execute()
      }
      entries.push(
        await moveVersionState(trx, {
          actor,
          id,
          version,
          from: current.state,
          to: target,
          now,
          renumber: result,
          description: `${action.label}: document ${id} version ${result.major}.${result.minor} moved from ${current.state} to ${target.name}`,
        }),
      )
      await writes.audit(trx, actor, entries)
      await hooks.notify(trx, { documentId: id, kind: 'state', actor })
      return result
    })
  }

  /**
   * Moves every steady version of a document to the superseded state (when the lifecycle has one),
   * in the caller's transaction; answers the audit entries for the caller to write.
   */
  async supersedeSteady(
    trx: Transaction<VaultDb>,
    actor: DocumentActor,
    id: number,
    lifecycle: DocumentLifecycleDefinition,
    cause: string,
  ): Promise<AuditEntryDraft[]> {
    const superseded = lifecycle.states.find((s) => s.stateType === 'superseded_state__sys')
    if (superseded === undefined) return []
    const steady = await trx
      .selectFrom('document_version')
      .select(['major', 'minor', 'state__v'])
      .where('document_id', '=', id)
      .where('state_type', '=', 'steady_state__sys')
      .execute()
    const now = isoTimestamp(this.#parts.clock)
    const entries: AuditEntryDraft[] = []
    for (const old of steady)
      entries.push(
        await moveVersionState(trx, {
          actor,
          id,
          version: { major: Number(old.major), minor: Number(old.minor) },
          from: String(old.state__v),
          to: superseded,
          now,
          description: `Version ${String(old.major)}.${String(old.minor)} of document ${id} was superseded by ${cause}`,
        }),
      )
    return entries
  }
}

import type { Transaction } from 'kysely'
import type { AuditEntryDraft } from '../audit/index.js'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { CompiledObject, LifecycleActionDefinition } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import { assertRecordAccess, hasRecordAccess } from './record-access.js'
import { auditWrite, inTransaction, type RecordContext } from './record-context.js'
import { assertBatchSize } from './record-input.js'
import {
  apiError,
  type ObjectAction,
  type RecordActor,
  type RecordResult,
  type StoredRow,
} from './record-types.js'
import { readRow, readRows } from './stored-rows.js'

/** An action a record offers, as GET …/actions lists it. */
export interface AvailableAction {
  readonly name: string
  readonly label: string
  readonly type: 'lifecycle_state_user_action' | 'object_action'
  /** The record's state, for lifecycle actions: Vault names them by the state they start from. */
  readonly state?: string
}

/** Actions a record offers in its current state: none to an actor who may not edit it. */
export async function availableActions(
  ctx: RecordContext,
  actor: RecordActor,
  objectName: string,
  id: string,
): Promise<AvailableAction[]> {
  const object = ctx.registry.object(objectName)
  assertRecordAccess(ctx, actor, objectName, 'read')
  const row = await readRow(ctx.storage.db, object.name, id)
  if (row === undefined) throw new LiaisonError('RECORD_NOT_FOUND', `No ${objectName} record has id ${id}.`)
  if (!hasRecordAccess(ctx, actor, objectName, 'edit')) return []
  const objectActions = ctx.extensions
    .objectActions(objectName)
    .filter((a) => a.availableFor?.(row) ?? true)
    .map((a): AvailableAction => ({ name: a.name, label: a.label, type: 'object_action' }))
  if (object.lifecycle === undefined) return objectActions
  const state = String(row.state__v)
  // An object action may carry a lifecycle action's name (reprocess__sys): it is what runs, listed once.
  const overridden = new Set(ctx.extensions.objectActions(objectName).map((a) => a.name))
  return [
    ...object.lifecycle.actions
      .filter((a) => a.from.includes(state) && !overridden.has(a.name))
      .map(
        (a): AvailableAction => ({
          name: a.name,
          label: a.label,
          type: 'lifecycle_state_user_action',
          state,
        }),
      ),
    ...objectActions,
  ]
}

/** Runs an object action or a lifecycle action on up to 500 records; one result per id in input order. */
export async function runAction(
  ctx: RecordContext,
  actor: RecordActor,
  objectName: string,
  ids: readonly string[],
  actionName: string,
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  assertBatchSize(ids)
  const objectAction = ctx.extensions.objectAction(objectName, actionName)
  const results =
    objectAction !== undefined
      ? await runObjectAction(ctx, actor, object, ids, objectAction)
      : await (async () => {
          lifecycleAction(ctx, object, actionName)
          assertRecordAccess(ctx, actor, objectName, 'edit')
          return inTransaction(ctx, async (trx) => transition(ctx, trx, actor, objectName, ids, actionName))
        })()
  // One result per id in input order: a failed item names the record it is about.
  return results.map((r, i) =>
    r.responseStatus === 'FAILURE' && r.id === undefined ? { ...r, id: ids[i]! } : r,
  )
}

/** The actions that lead from a state to one an action runs from (`start__v` before `close__v`). */
function actionsLeadingTo(
  lifecycle: NonNullable<CompiledObject['lifecycle']>,
  state: string,
  action: LifecycleActionDefinition,
): string[] {
  return lifecycle.actions
    .filter((a) => a.from.includes(state) && action.from.includes(a.to))
    .map((a) => a.name)
}

/**
 * Runs a lifecycle action inside the caller's transaction (state checks, guards, audit, change
 * hooks); the caller has checked access.
 */
export async function transition(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  objectName: string,
  ids: readonly string[],
  actionName: string,
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  const { lifecycle, action } = lifecycleAction(ctx, object, actionName)
  const rows = await readRows(trx, object.name, ids)
  const now = isoTimestamp(ctx.clock)
  const audit: AuditEntryDraft[] = []
  const results: RecordResult[] = []
  const done = new Set<string>()
  for (const id of ids) {
    const row = rows.get(id)
    if (row === undefined) {
      results.push({
        responseStatus: 'FAILURE',
        errors: [apiError('RECORD_NOT_FOUND', `No ${objectName} record has id ${id}.`)],
      })
      continue
    }
    const state = String(row.state__v)
    if (done.has(id) || !action.from.includes(state)) {
      const label = lifecycle.stateByName.get(state)?.label ?? state
      const first = actionsLeadingTo(lifecycle, state, action)
      results.push({
        responseStatus: 'FAILURE',
        errors: [
          apiError(
            'ACTION_NOT_ALLOWED_IN_STATE',
            `${action.label} (${action.name}) is not available for ${object.label} ${String(row.name__v ?? id)} in state ${label}; it runs from ${action.from.join(', ')}.${first.length > 0 && !done.has(id) ? ` Run ${first.join(' or ')} first.` : ''}`,
          ),
        ],
      })
      continue
    }
    const refusal = ctx.extensions.refusal(
      objectName,
      row,
      { operation: 'action', fields: ['state__v'] },
      actor,
    )
    if (refusal !== undefined) {
      results.push({ responseStatus: 'FAILURE', errors: [apiError('RECORD_LOCKED', refusal)] })
      continue
    }
    done.add(id)
    await trx
      .updateTable(object.name)
      .set({ state__v: action.to, modified_date__v: now, modified_by__v: actor.userId })
      .where('id', '=', id)
      .execute()
    audit.push({
      action: 'State change',
      objectName,
      recordId: id,
      fieldName: 'state__v',
      oldValue: state,
      newValue: action.to,
      description: `${action.label}: ${object.label} ${String(row.name__v ?? id)} moved from ${state} to ${action.to}`,
    })
    results.push({ responseStatus: 'SUCCESS', id })
  }
  await auditWrite(ctx, trx, actor, audit)
  await ctx.extensions.notify(trx, { objectName, kind: 'state', ids: [...done], actor })
  return results
}

/** Runs an object action once for every selected record that exists, each id at most once. */
async function runObjectAction(
  ctx: RecordContext,
  actor: RecordActor,
  object: CompiledObject,
  ids: readonly string[],
  action: ObjectAction,
): Promise<RecordResult[]> {
  assertRecordAccess(ctx, actor, object.name, 'edit')
  return inTransaction(ctx, async (trx) => {
    const rows = await readRows(trx, object.name, ids)
    const results: (RecordResult | undefined)[] = ids.map(() => undefined)
    const selected: StoredRow[] = []
    const positions: number[] = []
    const seen = new Set<string>()
    ids.forEach((id, i) => {
      const row = rows.get(id)
      if (row === undefined)
        results[i] = {
          responseStatus: 'FAILURE',
          errors: [apiError('RECORD_NOT_FOUND', `No ${object.name} record has id ${id}.`)],
        }
      else if (seen.has(id))
        results[i] = {
          responseStatus: 'FAILURE',
          errors: [
            apiError('DUPLICATE_KEY_IN_REQUEST', `Record ${id} appears more than once in the request.`),
          ],
        }
      else {
        seen.add(id)
        selected.push(row)
        positions.push(i)
      }
    })
    if (selected.length > 0) {
      const outcomes = await action.run(trx, actor, selected)
      outcomes.forEach((outcome, k) => {
        results[positions[k]!] = outcome
      })
    }
    return results.map(
      (r) => r ?? { responseStatus: 'FAILURE' as const, errors: [apiError('INTERNAL', 'No result.')] },
    )
  })
}

/** The object's lifecycle and its action of this name; throws ACTION_UNKNOWN listing the actions it has. */
function lifecycleAction(
  ctx: RecordContext,
  object: CompiledObject,
  actionName: string,
): { lifecycle: NonNullable<CompiledObject['lifecycle']>; action: LifecycleActionDefinition } {
  const action = object.lifecycle?.actionByName.get(actionName)
  if (action === undefined || object.lifecycle === undefined) {
    const known = [
      ...(object.lifecycle?.actions.map((a) => a.name) ?? []),
      ...ctx.extensions.objectActions(object.name).map((a) => a.name),
    ].join(', ')
    throw new LiaisonError(
      'ACTION_UNKNOWN',
      `Object ${object.name} has no action ${actionName}${known ? `; its actions are ${known}` : ''}.`,
    )
  }
  return { lifecycle: object.lifecycle, action }
}

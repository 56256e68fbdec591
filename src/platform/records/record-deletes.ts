import type { Transaction } from 'kysely'
import type { AuditEntryDraft } from '../audit/index.js'
import { LiaisonError } from '../errors/index.js'
import type { CompiledObject } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import { auditText, type StoredValue } from './field-values.js'
import { assertRecordAccess } from './record-access.js'
import { auditWrite, inTransaction, type RecordContext } from './record-context.js'
import { assertBatchSize } from './record-input.js'
import {
  type ApiError,
  apiError,
  type RecordActor,
  type RecordResult,
  type StoredRow,
} from './record-types.js'
import { inChunks, readRows } from './stored-rows.js'

/**
 * Deletes records by id, one result per id in input order. A record that others refer to, or
 * that a guard locks, stays; every value of a deleted record goes into the audit trail.
 */
export async function deleteRecords(
  ctx: RecordContext,
  actor: RecordActor,
  objectName: string,
  ids: readonly unknown[],
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  assertBatchSize(ids)
  assertRecordAccess(ctx, actor, object.name, 'delete')
  if (object.name === 'user__sys')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      'Users cannot be deleted; set status__v to inactive__v instead.',
    )
  return inTransaction(ctx, async (trx) => {
    const errors: ApiError[][] = ids.map(() => [])
    const wanted = ids.map((id, i) => {
      if (typeof id !== 'string' || id === '') {
        errors[i]!.push(apiError('PARAMETER_MISSING', 'Each record to delete needs its id.'))
        return undefined
      }
      return id
    })
    const valid = [...new Set(wanted.filter((x): x is string => x !== undefined))]
    const rows = await readRows(trx, object.name, valid)
    const blocked = await childCounts(trx, object, valid)
    const seen = new Set<string>()
    const toDelete: string[] = []
    const audit: AuditEntryDraft[] = []
    wanted.forEach((id, i) => {
      if (id === undefined) return
      const problem = deleteProblem(ctx, actor, object, id, rows.get(id), seen, blocked)
      if (problem !== undefined) {
        errors[i]!.push(problem)
        return
      }
      seen.add(id)
      toDelete.push(id)
      audit.push(...deleteAudit(object, id, rows.get(id)!))
    })
    for (const part of inChunks(toDelete)) await trx.deleteFrom(object.name).where('id', 'in', part).execute()
    await auditWrite(ctx, trx, actor, audit)
    await ctx.extensions.notify(trx, { objectName: object.name, kind: 'delete', ids: toDelete, actor })
    return ids.map((id, i) =>
      errors[i]!.length > 0
        ? { responseStatus: 'FAILURE' as const, id: String(id), errors: errors[i]! }
        : { responseStatus: 'SUCCESS' as const, id: String(id) },
    )
  })
}

/** Why one id may not be deleted, or undefined when it may. */
function deleteProblem(
  ctx: RecordContext,
  actor: RecordActor,
  object: CompiledObject,
  id: string,
  row: StoredRow | undefined,
  seen: ReadonlySet<string>,
  blocked: ReadonlyMap<string, string>,
): ApiError | undefined {
  if (row === undefined) return apiError('RECORD_NOT_FOUND', `No ${object.name} record has id ${id}.`)
  if (seen.has(id))
    return apiError('DUPLICATE_KEY_IN_REQUEST', `Record ${id} appears more than once in the request.`)
  const refusal = ctx.extensions.refusal(object.name, row, { operation: 'delete', fields: [] }, actor)
  if (refusal !== undefined) return apiError('RECORD_LOCKED', refusal)
  const children = blocked.get(id)
  if (children !== undefined)
    return apiError(
      'OPERATION_NOT_ALLOWED',
      `Record ${id} cannot be deleted: ${children} refer to it. Delete or re-point those records first.`,
    )
  return undefined
}

/** Vault captures every value of a deleted record in its trail; a record of no values gets one entry. */
function deleteAudit(object: CompiledObject, id: string, row: StoredRow): AuditEntryDraft[] {
  const description = `Deleted ${object.label} ${String(row.name__v ?? id)}`
  const entries: AuditEntryDraft[] = []
  for (const field of object.fields) {
    const value = row[field.name]
    if (field.name === 'id' || value === null || value === undefined) continue
    entries.push({
      action: 'Delete',
      objectName: object.name,
      recordId: id,
      fieldName: field.name,
      oldValue: auditText(field, value as StoredValue),
      newValue: null,
      description,
    })
  }
  if (entries.length === 0)
    entries.push({ action: 'Delete', objectName: object.name, recordId: id, description })
  return entries
}

/** For each id that other records refer to: how many, of which objects ("3 case__v record(s)"). */
async function childCounts(
  trx: Transaction<VaultDb>,
  object: CompiledObject,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  if (ids.length === 0) return out
  for (const rel of object.inbound) {
    for (const part of inChunks(ids)) {
      const rows = await trx
        .selectFrom(rel.object)
        .select((eb) => [eb.ref(rel.field).as('parent'), eb.fn.countAll().as('n')])
        .where(rel.field, 'in', part)
        .groupBy(rel.field)
        .execute()
      for (const row of rows) {
        const parent = String(row.parent)
        const text = `${Number(row.n)} ${rel.object} record(s)`
        out.set(parent, out.has(parent) ? `${out.get(parent)} and ${text}` : text)
      }
    }
  }
  return out
}

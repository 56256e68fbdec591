import type { Transaction } from 'kysely'
import type { AuditEntryDraft } from '../audit/index.js'
import { isoTimestamp } from '../clock/index.js'
import type { CompiledField, CompiledObject } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import { auditText, type InputOrigin, type StoredValue, sameStoredValue } from './field-values.js'
import {
  assertRecordAccess,
  checkConnectionRecords,
  checkFieldEdits,
  hasRecordAccess,
  recordAccessDenied,
} from './record-access.js'
import { checkDrafts, flagRepeatedIds } from './record-checks.js'
import { auditWrite, inTransaction, type RecordContext } from './record-context.js'
import {
  assertBatchSize,
  isPlainObject,
  parseRecordInput,
  type RecordDraft,
  readIdParamKeys,
  resolveIdParam,
} from './record-input.js'
import { formatRecordId, formatRecordName, reserveSequence } from './record-sequence.js'
import {
  apiError,
  type RecordActor,
  type RecordResult,
  type StoredRow,
  type WriteOptions,
} from './record-types.js'
import { inChunks, readIdsByKey, readRows } from './stored-rows.js'

/** Creates records, or upserts them when `idParam` names a unique field. */
export async function createRecords(
  ctx: RecordContext,
  actor: RecordActor,
  objectName: string,
  inputs: readonly unknown[],
  options: WriteOptions,
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  const origin = options.origin ?? 'json'
  assertBatchSize(inputs)
  if (options.idParam !== undefined) {
    const idParam = resolveIdParam(object, options.idParam)
    const keys = readIdParamKeys(inputs, idParam.name)
    return inTransaction(ctx, async (trx) => upsert(ctx, trx, actor, object, inputs, origin, idParam, keys))
  }
  assertRecordAccess(ctx, actor, object.name, 'create')
  return inTransaction(ctx, async (trx) => insertInputs(ctx, trx, actor, object, inputs, origin))
}

/** Creates records inside the caller's transaction (the connection writes with its outbox). */
export async function createRecordsIn(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  objectName: string,
  inputs: readonly Readonly<Record<string, unknown>>[],
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  assertRecordAccess(ctx, actor, object.name, 'create')
  return insertInputs(ctx, trx, actor, object, inputs, 'json')
}

/** Parses each input as a new record and inserts the valid ones, one result per input. */
function insertInputs(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  object: CompiledObject,
  inputs: readonly unknown[],
  origin: InputOrigin,
): Promise<RecordResult[]> {
  const metadata = ctx.registry.current
  const drafts = inputs.map((input, index) =>
    parseRecordInput(metadata, object, input, index, origin, 'create'),
  )
  return insertDrafts(ctx, trx, actor, object, drafts)
}

/** Updates records identified by `id`, or by the unique field `idParam`. */
export async function updateRecords(
  ctx: RecordContext,
  actor: RecordActor,
  objectName: string,
  inputs: readonly unknown[],
  options: WriteOptions,
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  const origin = options.origin ?? 'json'
  assertBatchSize(inputs)
  assertRecordAccess(ctx, actor, object.name, 'edit')
  const idParam = options.idParam === undefined ? undefined : resolveIdParam(object, options.idParam)
  if (idParam !== undefined) readIdParamKeys(inputs, idParam.name)
  return inTransaction(ctx, async (trx) => {
    const metadata = ctx.registry.current
    const keyField = idParam?.name ?? 'id'
    const drafts = inputs.map((input, index) => {
      if (!isPlainObject(input)) return parseRecordInput(metadata, object, input, index, origin, 'update')
      const { [keyField]: key, ...rest } = input
      const draft = parseRecordInput(metadata, object, rest, index, origin, 'update')
      if (typeof key === 'string' && key !== '') {
        if (idParam === undefined) draft.id = key
        else draft.idParamValue = key
      } else draft.errors.push(apiError('PARAMETER_MISSING', `Each record to update needs its ${keyField}.`))
      return draft
    })
    if (idParam !== undefined) {
      const found = await readIdsByKey(
        trx,
        object,
        idParam,
        drafts.map((d) => d.idParamValue),
      )
      for (const draft of drafts) {
        if (draft.idParamValue === undefined) continue
        const id = found.get(draft.idParamValue)
        if (id === undefined)
          draft.errors.push(
            apiError(
              'RECORD_NOT_FOUND',
              `No ${object.name} record has ${idParam.name} = "${draft.idParamValue}".`,
            ),
          )
        else draft.id = id
      }
    }
    flagRepeatedIds(drafts)
    const results = await updateDrafts(ctx, trx, actor, object, drafts)
    return results.map((r, i) =>
      drafts[i]!.idParamValue === undefined ? r : { ...r, idParamValue: drafts[i]!.idParamValue! },
    )
  })
}

/** Updates records by id inside the caller's transaction; values follow the API input rules. */
export async function updateRecordsIn(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  objectName: string,
  inputs: readonly { readonly id: string; readonly values: Readonly<Record<string, unknown>> }[],
): Promise<RecordResult[]> {
  const object = ctx.registry.object(objectName)
  assertRecordAccess(ctx, actor, object.name, 'edit')
  const metadata = ctx.registry.current
  const drafts = inputs.map((input, index) => {
    const draft = parseRecordInput(metadata, object, input.values, index, 'json', 'update')
    draft.id = input.id
    return draft
  })
  return updateDrafts(ctx, trx, actor, object, drafts)
}

/** Upsert: inputs whose key matches a record update it, the rest create; access is checked per kind. */
async function upsert(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  object: CompiledObject,
  inputs: readonly unknown[],
  origin: InputOrigin,
  idParam: CompiledField,
  keys: readonly (string | undefined)[],
): Promise<RecordResult[]> {
  const metadata = ctx.registry.current
  const existing = await readIdsByKey(trx, object, idParam, keys)
  const results: RecordResult[] = new Array(inputs.length)
  const creates: RecordDraft[] = []
  const updates: { index: number; input: Record<string, unknown>; id: string; key: string }[] = []
  inputs.forEach((input, index) => {
    const key = keys[index]
    const id = key === undefined ? undefined : existing.get(key)
    if (id !== undefined && isPlainObject(input)) {
      updates.push({ index, input, id, key: key! })
      return
    }
    const draft = parseRecordInput(metadata, object, input, index, origin, 'create')
    if (key !== undefined) draft.idParamValue = key
    else
      draft.errors.push(
        apiError(
          'FIELD_REQUIRED',
          `Upsert by ${idParam.name} needs a value for ${idParam.name} in every record.`,
        ),
      )
    creates.push(draft)
  })
  if (creates.length > 0 && !hasRecordAccess(ctx, actor, object.name, 'create'))
    for (const draft of creates) draft.errors.push(recordAccessDenied(actor, object.name, 'create'))
  const created = await insertDrafts(ctx, trx, actor, object, creates)
  creates.forEach((draft, i) => {
    const r = created[i]!
    results[draft.index] = {
      ...r,
      ...(r.responseStatus !== 'FAILURE' ? { event: 'created__sys' as const } : {}),
      ...(draft.idParamValue === undefined ? {} : { idParamValue: draft.idParamValue }),
    }
  })
  if (updates.length > 0) {
    const canEdit = hasRecordAccess(ctx, actor, object.name, 'edit')
    const drafts = updates.map((u) => {
      const { [idParam.name]: _key, ...rest } = u.input
      const draft = parseRecordInput(metadata, object, rest, u.index, origin, 'update')
      draft.id = u.id
      draft.idParamValue = u.key
      if (!canEdit) draft.errors.push(recordAccessDenied(actor, object.name, 'edit'))
      return draft
    })
    const updated = await updateDrafts(ctx, trx, actor, object, drafts)
    drafts.forEach((draft, i) => {
      const r = updated[i]!
      results[draft.index] = {
        ...r,
        ...(r.responseStatus !== 'FAILURE' ? { event: 'updated__sys' as const } : {}),
        idParamValue: draft.idParamValue!,
      }
    })
  }
  return results
}

/** Inserts the drafts that pass the database checks, numbering, defaulting and auditing them. */
async function insertDrafts(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  object: CompiledObject,
  drafts: readonly RecordDraft[],
): Promise<RecordResult[]> {
  if (drafts.length === 0) return []
  checkFieldEdits(object, actor, drafts)
  checkConnectionRecords(object, actor, drafts)
  await checkDrafts(trx, ctx.registry.current, object, drafts)
  const valid = drafts.filter((d) => d.errors.length === 0)
  if (valid.length > 0) {
    const now = isoTimestamp(ctx.clock)
    const firstId = await reserveSequence(trx, `id:${object.name}`, valid.length)
    const numbering = object.definition.numbering
    const needNames =
      numbering === undefined ? 0 : valid.filter((d) => (d.values.get('name__v') ?? null) === null).length
    let nextName = needNames > 0 ? await reserveSequence(trx, `name:${object.name}`, needNames) : 0
    const statusField = object.fieldByName.get('status__v')!
    const defaultStatus =
      ctx.registry.current.picklistByName.get(statusField.picklist!)?.values[0]?.name ?? null
    const defaultType = object.definition.objectTypes?.[0]?.name ?? null
    const rows = valid.map((draft, i) => {
      const id = formatRecordId(object.prefix, firstId + i)
      draft.id = id
      const row: Record<string, StoredValue> = {}
      for (const field of object.fields) row[field.name] = draft.values.get(field.name) ?? null
      row.id = id
      if (row.name__v === null && numbering !== undefined)
        row.name__v = formatRecordName(numbering.format, nextName++)
      if (row.status__v === null) row.status__v = defaultStatus
      if (object.definition.objectTypes !== undefined && row.object_type__v === null)
        row.object_type__v = defaultType
      if (object.lifecycle !== undefined) row.state__v = object.lifecycle.initialState.name
      row.created_date__v = now
      row.modified_date__v = now
      row.created_by__v = actor.userId
      row.modified_by__v = actor.userId
      row.global_id__sys = `${ctx.vaultId}_${id}`
      return row
    })
    const perStatement = Math.max(1, Math.floor(ctx.storage.dialect.maxParameters / object.fields.length))
    for (const part of inChunks(rows, perStatement)) await trx.insertInto(object.name).values(part).execute()
    await auditWrite(
      ctx,
      trx,
      actor,
      rows.map((row) => ({
        action: 'Create' as const,
        objectName: object.name,
        recordId: String(row.id),
        description: `Created ${object.label} ${String(row.name__v ?? row.id)}`,
      })),
    )
    await ctx.extensions.notify(trx, {
      objectName: object.name,
      kind: 'create',
      ids: rows.map((r) => String(r.id)),
      actor,
    })
  }
  return drafts.map((d) =>
    d.errors.length > 0
      ? { responseStatus: 'FAILURE' as const, errors: d.errors }
      : { responseStatus: 'SUCCESS' as const, id: d.id! },
  )
}

/** Writes the fields each draft changes; a draft that changes nothing answers NO_DATA_CHANGES unaudited. */
async function updateDrafts(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  object: CompiledObject,
  drafts: readonly RecordDraft[],
): Promise<RecordResult[]> {
  checkFieldEdits(object, actor, drafts)
  const existing = await readRows(
    trx,
    object.name,
    drafts.filter((d) => d.errors.length === 0 && d.id !== undefined).map((d) => d.id!),
  )
  for (const d of drafts) {
    if (d.errors.length > 0 || d.id === undefined) continue
    if (!existing.has(d.id))
      d.errors.push(apiError('RECORD_NOT_FOUND', `No ${object.name} record has id ${d.id}.`))
  }
  checkConnectionRecords(object, actor, drafts, existing)
  await checkDrafts(trx, ctx.registry.current, object, drafts)
  const now = isoTimestamp(ctx.clock)
  const audit: AuditEntryDraft[] = []
  const results: RecordResult[] = []
  for (const d of drafts) {
    if (d.errors.length > 0 || d.id === undefined) {
      results.push({
        responseStatus: 'FAILURE',
        ...(d.id === undefined ? {} : { id: d.id }),
        errors: d.errors,
      })
      continue
    }
    const row: StoredRow = existing.get(d.id)!
    const changed: Record<string, StoredValue> = {}
    for (const [name, value] of d.values) if (!sameStoredValue(row[name], value)) changed[name] = value
    const names = Object.keys(changed)
    if (names.length === 0) {
      results.push({
        responseStatus: 'WARNING',
        id: d.id,
        warnings: [
          {
            warning_type: 'NO_DATA_CHANGES',
            message: `No field of record ${d.id} changed; nothing was written.`,
          },
        ],
      })
      continue
    }
    const refusal = ctx.extensions.refusal(object.name, row, { operation: 'edit', fields: names }, actor)
    if (refusal !== undefined) {
      results.push({ responseStatus: 'FAILURE', id: d.id, errors: [apiError('RECORD_LOCKED', refusal)] })
      continue
    }
    await trx
      .updateTable(object.name)
      .set({ ...changed, modified_date__v: now, modified_by__v: actor.userId })
      .where('id', '=', d.id)
      .execute()
    const label = String(changed.name__v ?? row.name__v ?? d.id)
    for (const name of names) {
      const field = object.fieldByName.get(name)!
      audit.push({
        action: 'Edit',
        objectName: object.name,
        recordId: d.id,
        fieldName: name,
        oldValue: auditText(field, (row[name] ?? null) as StoredValue),
        newValue: auditText(field, changed[name] ?? null),
        description: `Changed ${field.label} of ${object.label} ${label}`,
      })
    }
    results.push({ responseStatus: 'SUCCESS', id: d.id })
  }
  await auditWrite(ctx, trx, actor, audit)
  await ctx.extensions.notify(trx, {
    objectName: object.name,
    kind: 'edit',
    ids: results.filter((r) => r.responseStatus === 'SUCCESS').map((r) => r.id!),
    actor,
  })
  return results
}

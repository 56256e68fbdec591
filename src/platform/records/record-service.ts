import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { type AuditEntryDraft, appendAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { ERROR_CODES, type ErrorCode, LiaisonError } from '../errors/index.js'
import type {
  CompiledField,
  CompiledMetadata,
  CompiledObject,
  LifecycleActionDefinition,
  MetadataRegistry,
  ObjectAccess,
  PermissionTable,
} from '../metadata/index.js'
import { canAccess } from '../security/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import {
  auditText,
  formatFieldValue,
  type InputOrigin,
  parseFieldValue,
  type StoredValue,
  sameStoredValue,
} from './field-values.js'
import { formatRecordId, formatRecordName, reserveSequence } from './record-sequence.js'
import {
  type ApiError,
  BULK_RECORDS_MAX,
  type ChangeHook,
  type ObjectAction,
  type RecordActor,
  type RecordChange,
  type RecordGuard,
  type RecordResult,
  type StoredRow,
  type WriteOptions,
} from './record-types.js'

/** Fields a client may write although the vault also maintains system fields. */
const WRITABLE_SYSTEM_FIELDS = new Set([
  'name__v',
  'status__v',
  'external_id__v',
  'link__sys',
  'object_type__v',
])

interface Draft {
  readonly index: number
  readonly values: Map<string, StoredValue>
  /** `rel__vr.field` lookups to resolve into the reference field. */
  readonly lookups: { field: CompiledField; via: string; key: string }[]
  errors: ApiError[]
  id?: string
  idParamValue?: string
}

function apiError(code: ErrorCode, message: string): ApiError {
  return { type: ERROR_CODES[code].vaultType, message }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export interface RecordServiceOptions {
  readonly storage: Storage
  readonly registry: MetadataRegistry
  readonly clock: Clock
  readonly vaultId: number
  readonly permissions: PermissionTable
}

/**
 * Create, upsert, update, delete and lifecycle actions on object records, with Vault's bulk
 * semantics: at most 500 per call, results in input order, per-record errors, request-level
 * faults before any write, `NO_DATA_CHANGES` without audit, and every change audited (B22, B23).
 */
export class RecordService {
  readonly #storage: Storage
  readonly #registry: MetadataRegistry
  readonly #clock: Clock
  readonly #vaultId: number
  readonly #permissions: PermissionTable
  readonly #guards = new Map<string, RecordGuard[]>()
  readonly #objectActions = new Map<string, Map<string, ObjectAction>>()
  readonly #changeHooks = new Map<string, ChangeHook[]>()

  constructor(options: RecordServiceOptions) {
    this.#storage = options.storage
    this.#registry = options.registry
    this.#clock = options.clock
    this.#vaultId = options.vaultId
    this.#permissions = options.permissions
  }

  get metadata(): CompiledMetadata {
    return this.#registry.current
  }

  /** Adds a rule that may refuse edits, deletes and actions on existing records of an object. */
  addGuard(objectName: string, guard: RecordGuard): void {
    const list = this.#guards.get(objectName) ?? []
    list.push(guard)
    this.#guards.set(objectName, list)
  }

  /** Adds an object action (not a lifecycle transition) that later layers implement. */
  addObjectAction(objectName: string, action: ObjectAction): void {
    this.#registry.object(objectName)
    const actions = this.#objectActions.get(objectName) ?? new Map<string, ObjectAction>()
    actions.set(action.name, action)
    this.#objectActions.set(objectName, actions)
  }

  /** Adds a hook told of every create, edit and state change of an object, in the same transaction. */
  addChangeHook(objectName: string, hook: ChangeHook): void {
    this.#registry.object(objectName)
    this.#changeHooks.set(objectName, [...(this.#changeHooks.get(objectName) ?? []), hook])
  }

  async #notify(db: Kysely<VaultDb>, change: RecordChange): Promise<void> {
    if (change.ids.length === 0) return
    for (const hook of this.#changeHooks.get(change.objectName) ?? [])
      await hook(db as Transaction<VaultDb>, change)
  }

  /** Throws ACCESS_DENIED unless the actor's security profile grants the access. */
  assertAccess(actor: RecordActor, objectName: string, access: ObjectAccess): void {
    if (actor.securityProfile === 'system') return
    if (!canAccess(this.#permissions, actor.securityProfile, objectName, access))
      throw new LiaisonError(
        'ACCESS_DENIED',
        `The ${actor.securityProfile} security profile of ${actor.userName} may not ${access} ${objectName} records; ask an admin for a profile that grants ${access} on ${objectName}.`,
      )
  }

  canAccess(actor: RecordActor, objectName: string, access: ObjectAccess): boolean {
    return (
      actor.securityProfile === 'system' ||
      canAccess(this.#permissions, actor.securityProfile, objectName, access)
    )
  }

  // ---------------------------------------------------------------- reads

  async getRecord(actor: RecordActor, objectName: string, id: string): Promise<Record<string, unknown>> {
    const object = this.#registry.object(objectName)
    this.assertAccess(actor, objectName, 'read')
    const row = await this.#storage.db
      .selectFrom(object.name)
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `No ${objectName} record has id ${id}.`, { details: { id } })
    return this.formatRow(object, row)
  }

  /** A stored row in its API shape, fields in metadata order. */
  formatRow(object: CompiledObject, row: StoredRow): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const field of object.fields) out[field.name] = formatFieldValue(field, row[field.name])
    return out
  }

  // ---------------------------------------------------------------- create / upsert

  /** Creates records, or upserts them when `idParam` names a unique field. */
  async create(
    actor: RecordActor,
    objectName: string,
    inputs: readonly unknown[],
    options: WriteOptions = {},
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    const origin = options.origin ?? 'json'
    this.#assertBatch(inputs)
    if (options.idParam !== undefined) {
      const idParam = this.#uniqueField(object, options.idParam)
      const keys = this.#idParamKeys(inputs, idParam.name)
      return this.#write(async (db) => this.#upsertIn(db, actor, object, inputs, origin, idParam, keys))
    }
    this.assertAccess(actor, object.name, 'create')
    return this.#write(async (db) => {
      const drafts = inputs.map((input, index) => this.#parseInput(object, input, index, origin, 'create'))
      return this.#insertDrafts(db, actor, object, drafts)
    })
  }

  /** Creates records inside the caller's transaction (the connection writes with its outbox). */
  async createIn(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    objectName: string,
    inputs: readonly Readonly<Record<string, unknown>>[],
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    this.assertAccess(actor, object.name, 'create')
    const drafts = inputs.map((input, index) => this.#parseInput(object, input, index, 'json', 'create'))
    return this.#insertDrafts(db, actor, object, drafts)
  }

  async #upsertIn(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    object: CompiledObject,
    inputs: readonly unknown[],
    origin: InputOrigin,
    idParam: CompiledField,
    keys: readonly (string | undefined)[],
  ): Promise<RecordResult[]> {
    const existing = await this.#idsByKey(db, object, idParam, keys)
    const results: RecordResult[] = new Array(inputs.length)
    const creates: Draft[] = []
    const updates: { index: number; input: Record<string, unknown>; id: string; key: string }[] = []
    inputs.forEach((input, index) => {
      const key = keys[index]
      const id = key === undefined ? undefined : existing.get(key)
      if (id !== undefined && isPlainObject(input)) {
        updates.push({ index, input, id, key: key! })
        return
      }
      const draft = this.#parseInput(object, input, index, origin, 'create')
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
    if (creates.length > 0 && !this.canAccess(actor, object.name, 'create'))
      for (const draft of creates) draft.errors.push(this.#denied(actor, object.name, 'create'))
    const created = await this.#insertDrafts(db, actor, object, creates)
    creates.forEach((draft, i) => {
      const r = created[i]!
      results[draft.index] = {
        ...r,
        ...(r.responseStatus !== 'FAILURE' ? { event: 'created__sys' as const } : {}),
        ...(draft.idParamValue === undefined ? {} : { idParamValue: draft.idParamValue }),
      }
    })
    if (updates.length > 0) {
      const canEdit = this.canAccess(actor, object.name, 'edit')
      const drafts = updates.map((u) => {
        const { [idParam.name]: _key, ...rest } = u.input
        const draft = this.#parseInput(object, rest, u.index, origin, 'update')
        draft.id = u.id
        draft.idParamValue = u.key
        if (!canEdit) draft.errors.push(this.#denied(actor, object.name, 'edit'))
        return draft
      })
      const updated = await this.#updateDrafts(db, actor, object, drafts)
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

  // ---------------------------------------------------------------- update

  /** Updates records identified by `id`, or by the unique field `idParam`. */
  async update(
    actor: RecordActor,
    objectName: string,
    inputs: readonly unknown[],
    options: WriteOptions = {},
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    const origin = options.origin ?? 'json'
    this.#assertBatch(inputs)
    this.assertAccess(actor, object.name, 'edit')
    const idParam = options.idParam === undefined ? undefined : this.#uniqueField(object, options.idParam)
    if (idParam !== undefined) this.#idParamKeys(inputs, idParam.name)
    return this.#write(async (db) => {
      const drafts = inputs.map((input, index) => {
        if (!isPlainObject(input)) return this.#parseInput(object, input, index, origin, 'update')
        const keyField = idParam?.name ?? 'id'
        const { [keyField]: key, ...rest } = input
        const draft = this.#parseInput(object, rest, index, origin, 'update')
        if (typeof key === 'string' && key !== '') {
          if (idParam === undefined) draft.id = key
          else draft.idParamValue = key
        } else
          draft.errors.push(apiError('PARAMETER_MISSING', `Each record to update needs its ${keyField}.`))
        return draft
      })
      if (idParam !== undefined) {
        const found = await this.#idsByKey(
          db,
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
      const seen = new Map<string, Draft>()
      for (const draft of drafts) {
        if (draft.id === undefined) continue
        const first = seen.get(draft.id)
        if (first !== undefined) {
          const message = `Record ${draft.id} appears more than once in the request; send each record once.`
          first.errors.push(apiError('DUPLICATE_KEY_IN_REQUEST', message))
          draft.errors.push(apiError('DUPLICATE_KEY_IN_REQUEST', message))
        } else seen.set(draft.id, draft)
      }
      const results = await this.#updateDrafts(db, actor, object, drafts)
      return results.map((r, i) =>
        drafts[i]!.idParamValue === undefined ? r : { ...r, idParamValue: drafts[i]!.idParamValue! },
      )
    })
  }

  /** Updates records by id inside the caller's transaction; values follow the API input rules. */
  async updateIn(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    objectName: string,
    inputs: readonly { readonly id: string; readonly values: Readonly<Record<string, unknown>> }[],
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    this.assertAccess(actor, object.name, 'edit')
    const drafts = inputs.map((input, index) => {
      const draft = this.#parseInput(object, input.values, index, 'json', 'update')
      draft.id = input.id
      return draft
    })
    return this.#updateDrafts(db, actor, object, drafts)
  }

  // ---------------------------------------------------------------- delete

  async delete(actor: RecordActor, objectName: string, ids: readonly unknown[]): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    this.#assertBatch(ids)
    this.assertAccess(actor, object.name, 'delete')
    if (object.name === 'user__sys')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        'Users cannot be deleted; set status__v to inactive__v instead.',
      )
    return this.#write(async (db) => {
      const errors: ApiError[][] = ids.map(() => [])
      const wanted = ids.map((id, i) => {
        if (typeof id !== 'string' || id === '') {
          errors[i]!.push(apiError('PARAMETER_MISSING', 'Each record to delete needs its id.'))
          return undefined
        }
        return id
      })
      const valid = [...new Set(wanted.filter((x): x is string => x !== undefined))]
      const rows = new Map<string, StoredRow>()
      for (const part of chunk(valid, 500))
        for (const row of await db.selectFrom(object.name).selectAll().where('id', 'in', part).execute())
          rows.set(String(row.id), row)
      const blocked = await this.#childCounts(db, object, valid)
      const seen = new Set<string>()
      const toDelete: string[] = []
      const audit: AuditEntryDraft[] = []
      wanted.forEach((id, i) => {
        if (id === undefined) return
        const row = rows.get(id)
        if (row === undefined) {
          errors[i]!.push(apiError('RECORD_NOT_FOUND', `No ${object.name} record has id ${id}.`))
          return
        }
        if (seen.has(id)) {
          errors[i]!.push(
            apiError('DUPLICATE_KEY_IN_REQUEST', `Record ${id} appears more than once in the request.`),
          )
          return
        }
        const refusal = this.#guardMessage(object.name, row, { operation: 'delete', fields: [] }, actor)
        if (refusal !== undefined) {
          errors[i]!.push(apiError('RECORD_LOCKED', refusal))
          return
        }
        const children = blocked.get(id)
        if (children !== undefined) {
          errors[i]!.push(
            apiError(
              'OPERATION_NOT_ALLOWED',
              `Record ${id} cannot be deleted: ${children} refer to it. Delete or re-point those records first.`,
            ),
          )
          return
        }
        seen.add(id)
        toDelete.push(id)
        const label = String(row.name__v ?? id)
        // Vault captures every value of a deleted record in its trail.
        for (const field of object.fields) {
          const value = row[field.name]
          if (field.name === 'id' || value === null || value === undefined) continue
          audit.push({
            action: 'Delete',
            objectName: object.name,
            recordId: id,
            fieldName: field.name,
            oldValue: auditText(field, value as StoredValue),
            newValue: null,
            description: `Deleted ${object.label} ${label}`,
          })
        }
        if (audit.every((a) => a.recordId !== id))
          audit.push({
            action: 'Delete',
            objectName: object.name,
            recordId: id,
            description: `Deleted ${object.label} ${label}`,
          })
      })
      for (const part of chunk(toDelete, 500))
        await db.deleteFrom(object.name).where('id', 'in', part).execute()
      await this.#audit(db, actor, audit)
      return ids.map((id, i) =>
        errors[i]!.length > 0
          ? { responseStatus: 'FAILURE' as const, errors: errors[i]! }
          : { responseStatus: 'SUCCESS' as const, id: String(id) },
      )
    })
  }

  // ---------------------------------------------------------------- lifecycle actions

  /** Actions a record offers in its current state. */
  async availableActions(
    actor: RecordActor,
    objectName: string,
    id: string,
  ): Promise<{ name: string; label: string; type: string }[]> {
    const object = this.#registry.object(objectName)
    this.assertAccess(actor, objectName, 'read')
    const row = await this.#storage.db
      .selectFrom(object.name)
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) throw new LiaisonError('RECORD_NOT_FOUND', `No ${objectName} record has id ${id}.`)
    if (!this.canAccess(actor, objectName, 'edit')) return []
    const objectActions = [...(this.#objectActions.get(objectName)?.values() ?? [])]
      .filter((a) => a.availableFor?.(row) ?? true)
      .map((a) => ({ name: a.name, label: a.label, type: 'object_action' }))
    if (object.lifecycle === undefined) return objectActions
    const state = String(row.state__v)
    return [
      ...object.lifecycle.actions
        .filter((a) => a.from.includes(state))
        .map((a) => ({ name: a.name, label: a.label, type: 'lifecycle_state_user_action' })),
      ...objectActions,
    ]
  }

  /** Runs a lifecycle action on up to 500 records; one result per id in input order. */
  async runAction(
    actor: RecordActor,
    objectName: string,
    ids: readonly string[],
    actionName: string,
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    this.#assertBatch(ids)
    const objectAction = this.#objectActions.get(objectName)?.get(actionName)
    if (objectAction !== undefined) return this.#runObjectAction(actor, object, ids, objectAction)
    this.#lifecycleAction(object, actionName)
    this.assertAccess(actor, objectName, 'edit')
    return this.#write(async (db) => this.transitionIn(db, actor, objectName, ids, actionName))
  }

  /**
   * Runs a lifecycle action inside the caller's transaction (state checks, guards, audit, change
   * hooks): for object actions that also move their record's state.
   */
  async transitionIn(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    objectName: string,
    ids: readonly string[],
    actionName: string,
  ): Promise<RecordResult[]> {
    const object = this.#registry.object(objectName)
    const { lifecycle, action } = this.#lifecycleAction(object, actionName)

    const rows = new Map<string, StoredRow>()
    for (const part of chunk([...new Set(ids)], 500))
      for (const row of await db.selectFrom(object.name).selectAll().where('id', 'in', part).execute())
        rows.set(String(row.id), row)
    const now = isoTimestamp(this.#clock)
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
        results.push({
          responseStatus: 'FAILURE',
          errors: [
            apiError(
              'ACTION_NOT_ALLOWED_IN_STATE',
              `${action.label} (${action.name}) is not available for ${object.label} ${String(row.name__v ?? id)} in state ${label}; it runs from ${action.from.join(', ')}.`,
            ),
          ],
        })
        continue
      }
      const refusal = this.#guardMessage(
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
      await db
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
    await this.#audit(db, actor, audit)
    await this.#notify(db, { objectName, kind: 'state', ids: [...done], actor })
    return results
  }

  async #runObjectAction(
    actor: RecordActor,
    object: CompiledObject,
    ids: readonly string[],
    action: ObjectAction,
  ): Promise<RecordResult[]> {
    this.assertAccess(actor, object.name, 'edit')
    return this.#write(async (db) => {
      const rows = new Map<string, StoredRow>()
      for (const part of chunk([...new Set(ids)], 500))
        for (const row of await db.selectFrom(object.name).selectAll().where('id', 'in', part).execute())
          rows.set(String(row.id), row)
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
        const outcomes = await action.run(db as Transaction<VaultDb>, actor, selected)
        outcomes.forEach((outcome, k) => {
          results[positions[k]!] = outcome
        })
      }
      return results.map(
        (r) => r ?? { responseStatus: 'FAILURE' as const, errors: [apiError('INTERNAL', 'No result.')] },
      )
    })
  }

  #lifecycleAction(
    object: CompiledObject,
    actionName: string,
  ): { lifecycle: NonNullable<CompiledObject['lifecycle']>; action: LifecycleActionDefinition } {
    const action = object.lifecycle?.actionByName.get(actionName)
    if (action === undefined || object.lifecycle === undefined) {
      const known = [
        ...(object.lifecycle?.actions.map((a) => a.name) ?? []),
        ...(this.#objectActions.get(object.name)?.keys() ?? []),
      ].join(', ')
      throw new LiaisonError(
        'ACTION_UNKNOWN',
        `Object ${object.name} has no action ${actionName}${known ? `; its actions are ${known}` : ''}.`,
      )
    }
    return { lifecycle: object.lifecycle, action }
  }

  // ---------------------------------------------------------------- internals

  /** Record ids by their value of a unique field (the upsert and update `idParam`). */
  async #idsByKey(
    db: Kysely<VaultDb>,
    object: CompiledObject,
    field: CompiledField,
    keys: readonly (string | undefined)[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    const present = [...new Set(keys.filter((k): k is string => k !== undefined))]
    for (const part of chunk(present, 500))
      for (const row of await db
        .selectFrom(object.name)
        .select(['id', field.name])
        .where(field.name, 'in', part)
        .execute())
        found.set(String(row[field.name]), String(row.id))
    return found
  }

  async #write<T>(fn: (db: Kysely<VaultDb>) => Promise<T>): Promise<T> {
    try {
      return await this.#storage.db.transaction().execute(fn)
    } catch (error) {
      throw this.#storage.dialect.translateError(error) ?? error
    }
  }

  #assertBatch(inputs: readonly unknown[]): void {
    if (!Array.isArray(inputs))
      throw new LiaisonError(
        'BODY_MALFORMED',
        'The request body must be a JSON array of records or CSV rows.',
      )
    if (inputs.length === 0) throw new LiaisonError('BODY_MALFORMED', 'The request holds no records.')
    if (inputs.length > BULK_RECORDS_MAX)
      throw new LiaisonError(
        'TOO_MANY_RECORDS',
        `The request holds ${inputs.length} records; at most ${BULK_RECORDS_MAX} are allowed per call. Split it into smaller requests.`,
      )
  }

  #uniqueField(object: CompiledObject, name: string): CompiledField {
    const field = object.fieldByName.get(name)
    if (field === undefined)
      throw new LiaisonError(
        'FIELD_UNKNOWN',
        `idParam names field ${name}, which object ${object.name} does not have.`,
      )
    if (field.unique !== true || field.name === 'id')
      throw new LiaisonError(
        'ID_PARAM_NOT_UNIQUE',
        `idParam=${name} is not a unique field of ${object.name}; use one of ${object.fields
          .filter((f) => f.unique === true && f.name !== 'id')
          .map((f) => f.name)
          .join(', ')}.`,
      )
    return field
  }

  /** Every input's idParam value; a value repeated in one request fails the whole request (Vault). */
  #idParamKeys(inputs: readonly unknown[], fieldName: string): (string | undefined)[] {
    const seen = new Set<string>()
    return inputs.map((input) => {
      if (!isPlainObject(input)) return undefined
      const raw = input[fieldName]
      if (raw === undefined || raw === null || raw === '') return undefined
      const key = String(raw)
      if (seen.has(key))
        throw new LiaisonError(
          'DUPLICATE_KEY_IN_REQUEST',
          `${fieldName} value "${key}" appears more than once in the request; each upsert key may appear once. Nothing was written.`,
        )
      seen.add(key)
      return key
    })
  }

  #denied(actor: RecordActor, objectName: string, access: ObjectAccess): ApiError {
    return apiError(
      'ACCESS_DENIED',
      `The ${actor.securityProfile} security profile may not ${access} ${objectName} records; ask an admin for access.`,
    )
  }

  #parseInput(
    object: CompiledObject,
    input: unknown,
    index: number,
    origin: InputOrigin,
    mode: 'create' | 'update',
  ): Draft {
    const draft: Draft = { index, values: new Map(), lookups: [], errors: [] }
    if (!isPlainObject(input)) {
      draft.errors.push(
        apiError('BODY_MALFORMED', `Record ${index + 1} is not an object of field names and values.`),
      )
      return draft
    }
    const metadata = this.#registry.current
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'id' && mode === 'create' && (raw === undefined || raw === null || raw === '')) continue
      let name = key
      if (key === 'object_type__v.api_name__v') name = 'object_type__v'
      else if (key.includes('.')) {
        const [rel, via] = key.split('.', 2) as [string, string]
        const field = object.fields.find((f) => f.relationshipName === rel)
        const target = field?.object === undefined ? undefined : metadata.objectByName.get(field.object)
        if (field === undefined || target === undefined || !target.fieldByName.has(via)) {
          draft.errors.push(
            apiError(
              'FIELD_UNKNOWN',
              `Column ${key} does not name an outbound relationship and field of ${object.name}.`,
            ),
          )
          continue
        }
        if (raw !== null && raw !== undefined && raw !== '')
          draft.lookups.push({ field, via, key: String(raw) })
        else draft.values.set(field.name, null)
        continue
      }
      const field = object.fieldByName.get(name)
      if (field === undefined) {
        draft.errors.push(
          apiError(
            'FIELD_UNKNOWN',
            `Field ${name} does not exist on object ${object.name}; GET /api/{version}/metadata/vobjects/${object.name} lists its fields.`,
          ),
        )
        continue
      }
      if (field.system === true && !WRITABLE_SYSTEM_FIELDS.has(field.name)) {
        draft.errors.push(
          apiError(
            'FIELD_READ_ONLY',
            `Field ${field.name} is maintained by the vault and cannot be set; leave it out.`,
          ),
        )
        continue
      }
      const parsed = parseFieldValue(field, raw, origin, metadata)
      if (!parsed.ok) draft.errors.push(apiError(parsed.code, parsed.message))
      else draft.values.set(field.name, parsed.value)
    }
    const missing = object.fields.filter((f) => {
      if (f.required !== true) return false
      if (f.type === 'Object' && draft.lookups.some((l) => l.field.name === f.name)) return false
      if (mode === 'update') return draft.values.has(f.name) && draft.values.get(f.name) === null
      return (draft.values.get(f.name) ?? null) === null
    })
    if (missing.length > 0)
      draft.errors.push(
        apiError(
          'FIELD_REQUIRED',
          `Required field${missing.length > 1 ? 's' : ''} ${missing.map((f) => f.name).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no value.`,
        ),
      )
    return draft
  }

  /** Resolves lookups, then checks references and unique values against the database. */
  async #checkAgainstDatabase(
    db: Kysely<VaultDb>,
    object: CompiledObject,
    drafts: readonly Draft[],
  ): Promise<void> {
    const metadata = this.#registry.current
    const live = () => drafts.filter((d) => d.errors.length === 0)
    // `rel__vr.field` columns: one query per relationship and field.
    const lookupGroups = new Map<
      string,
      { field: CompiledField; via: string; drafts: Draft[]; keys: Set<string> }
    >()
    for (const draft of live())
      for (const lookup of draft.lookups) {
        const k = `${lookup.field.name}.${lookup.via}`
        const group = lookupGroups.get(k) ?? {
          field: lookup.field,
          via: lookup.via,
          drafts: [],
          keys: new Set(),
        }
        group.drafts.push(draft)
        group.keys.add(lookup.key)
        lookupGroups.set(k, group)
      }
    for (const group of lookupGroups.values()) {
      const found = new Map<string, string[]>()
      for (const part of chunk([...group.keys], 500))
        for (const row of await db
          .selectFrom(group.field.object!)
          .select(['id', group.via])
          .where(group.via, 'in', part)
          .execute()) {
          const key = String(row[group.via])
          found.set(key, [...(found.get(key) ?? []), String(row.id)])
        }
      for (const draft of group.drafts)
        for (const lookup of draft.lookups.filter((l) => l.field === group.field && l.via === group.via)) {
          const ids = found.get(lookup.key) ?? []
          if (ids.length === 1) draft.values.set(lookup.field.name, ids[0]!)
          else
            draft.errors.push(
              apiError(
                'REFERENCE_NOT_FOUND',
                ids.length === 0
                  ? `No ${group.field.object} record has ${group.via} = "${lookup.key}" (column ${lookup.field.relationshipName}.${group.via}).`
                  : `${ids.length} ${group.field.object} records have ${group.via} = "${lookup.key}"; use a unique field or the id.`,
              ),
            )
        }
    }
    for (const field of object.fields) {
      if (field.type !== 'Object' || field.object === undefined) continue
      const target = metadata.objectByName.get(field.object)
      if (target === undefined) continue
      const wanted = new Set<string>()
      for (const d of live()) {
        const v = d.values.get(field.name)
        if (typeof v === 'string') wanted.add(v)
      }
      if (wanted.size === 0) continue
      const found = new Set<string>()
      for (const part of chunk([...wanted], 500))
        for (const row of await db.selectFrom(target.name).select('id').where('id', 'in', part).execute())
          found.add(String(row.id))
      for (const d of live()) {
        const v = d.values.get(field.name)
        if (typeof v === 'string' && !found.has(v))
          d.errors.push(
            apiError(
              'REFERENCE_NOT_FOUND',
              `Field ${field.name} refers to ${v}, which is not a ${target.name} record.`,
            ),
          )
      }
    }
    for (const field of object.fields) {
      if (field.unique !== true || field.name === 'id') continue
      const owners = new Map<string, Draft>()
      for (const d of live()) {
        const v = d.values.get(field.name)
        if (v === null || v === undefined) continue
        const key = String(v)
        const first = owners.get(key)
        if (first !== undefined) {
          d.errors.push(
            apiError(
              'DUPLICATE_KEY_IN_REQUEST',
              `${field.name} "${key}" is used by more than one record in this request.`,
            ),
          )
          continue
        }
        owners.set(key, d)
      }
      if (owners.size === 0) continue
      for (const part of chunk([...owners.keys()], 500))
        for (const row of await db
          .selectFrom(object.name)
          .select(['id', field.name])
          .where(field.name, 'in', part)
          .execute()) {
          const d = owners.get(String(row[field.name]))
          if (d !== undefined && d.id !== String(row.id))
            d.errors.push(
              apiError(
                'UNIQUE_VIOLATION',
                `${field.name} "${String(row[field.name])}" is already used by ${object.name} record ${String(row.id)}; it must be unique.`,
              ),
            )
        }
    }
  }

  async #insertDrafts(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    object: CompiledObject,
    drafts: readonly Draft[],
  ): Promise<RecordResult[]> {
    if (drafts.length === 0) return []
    await this.#checkAgainstDatabase(db, object, drafts)
    const valid = drafts.filter((d) => d.errors.length === 0)
    if (valid.length > 0) {
      const now = isoTimestamp(this.#clock)
      const firstId = await reserveSequence(db, `id:${object.name}`, valid.length)
      const numbering = object.definition.numbering
      const needNames =
        numbering === undefined ? 0 : valid.filter((d) => (d.values.get('name__v') ?? null) === null).length
      let nextName = needNames > 0 ? await reserveSequence(db, `name:${object.name}`, needNames) : 0
      const statusField = object.fieldByName.get('status__v')!
      const defaultStatus =
        this.#registry.current.picklistByName.get(statusField.picklist!)?.values[0]?.name ?? null
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
        row.global_id__sys = `${this.#vaultId}_${id}`
        return row
      })
      const perStatement = Math.max(1, Math.floor(this.#storage.dialect.maxParameters / object.fields.length))
      for (const part of chunk(rows, perStatement)) await db.insertInto(object.name).values(part).execute()
      await this.#audit(
        db,
        actor,
        rows.map((row) => ({
          action: 'Create' as const,
          objectName: object.name,
          recordId: String(row.id),
          description: `Created ${object.label} ${String(row.name__v ?? row.id)}`,
        })),
      )
      await this.#notify(db, {
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

  async #updateDrafts(
    db: Kysely<VaultDb>,
    actor: RecordActor,
    object: CompiledObject,
    drafts: readonly Draft[],
  ): Promise<RecordResult[]> {
    const ids = [
      ...new Set(drafts.filter((d) => d.errors.length === 0 && d.id !== undefined).map((d) => d.id!)),
    ]
    const existing = new Map<string, StoredRow>()
    for (const part of chunk(ids, 500))
      for (const row of await db.selectFrom(object.name).selectAll().where('id', 'in', part).execute())
        existing.set(String(row.id), row)
    for (const d of drafts) {
      if (d.errors.length > 0 || d.id === undefined) continue
      if (!existing.has(d.id))
        d.errors.push(apiError('RECORD_NOT_FOUND', `No ${object.name} record has id ${d.id}.`))
    }
    await this.#checkAgainstDatabase(db, object, drafts)
    const now = isoTimestamp(this.#clock)
    const audit: AuditEntryDraft[] = []
    const results: RecordResult[] = []
    for (const d of drafts) {
      if (d.errors.length > 0 || d.id === undefined) {
        results.push({ responseStatus: 'FAILURE', errors: d.errors })
        continue
      }
      const row = existing.get(d.id)!
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
      const refusal = this.#guardMessage(object.name, row, { operation: 'edit', fields: names }, actor)
      if (refusal !== undefined) {
        results.push({ responseStatus: 'FAILURE', errors: [apiError('RECORD_LOCKED', refusal)] })
        continue
      }
      await db
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
    await this.#audit(db, actor, audit)
    await this.#notify(db, {
      objectName: object.name,
      kind: 'edit',
      ids: results.filter((r) => r.responseStatus === 'SUCCESS').map((r) => r.id!),
      actor,
    })
    return results
  }

  async #childCounts(
    db: Kysely<VaultDb>,
    object: CompiledObject,
    ids: readonly string[],
  ): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    if (ids.length === 0) return out
    for (const rel of object.inbound) {
      for (const part of chunk(ids, 500)) {
        const rows = await db
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

  #guardMessage(
    objectName: string,
    row: StoredRow,
    change: { operation: 'edit' | 'delete' | 'action'; fields: readonly string[] },
    actor: RecordActor,
  ): string | undefined {
    for (const guard of this.#guards.get(objectName) ?? []) {
      const message = guard(row, change, actor)
      if (message !== undefined) return message
    }
    return undefined
  }

  async #audit(db: Kysely<VaultDb>, actor: RecordActor, entries: readonly AuditEntryDraft[]): Promise<void> {
    await appendAudit(
      db,
      actor,
      isoTimestamp(this.#clock),
      randomUUID(),
      entries,
      this.#storage.dialect.maxParameters,
    )
  }
}

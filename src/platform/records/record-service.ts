import type { Transaction } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { CompiledObject, ObjectAccess } from '../metadata/index.js'
import { OWN_RECORD_OBJECTS } from '../security/index.js'
import type { VaultDb } from '../storage/index.js'
import { type ConnectionGrant, ConnectionGrants } from './connection-grants.js'
import { formatFieldValue } from './field-values.js'
import { assertRecordAccess, hasRecordAccess, recordAccessRefusal } from './record-access.js'
import { type AvailableAction, availableActions, runAction, transition } from './record-actions.js'
import type { RecordContext, RecordServiceOptions } from './record-context.js'
import { deleteRecords } from './record-deletes.js'
import { RecordExtensions } from './record-extensions.js'
import type {
  ChangeHook,
  ObjectAction,
  RecordActor,
  RecordGuard,
  RecordResult,
  StoredRow,
  WriteOptions,
} from './record-types.js'
import { createRecords, createRecordsIn, updateRecords, updateRecordsIn } from './record-writes.js'
import { readRow } from './stored-rows.js'

/** Whether the actor, a person but not an admin, reads only their own record of the object (their user). */
function readsOwnRecordOnly(actor: RecordActor, objectName: string): boolean {
  return (
    OWN_RECORD_OBJECTS.has(objectName) &&
    actor.securityProfile !== 'system' &&
    actor.securityProfile !== 'admin__sys'
  )
}

/** A stored row in its API shape, fields in metadata order. */
function formatRow(object: CompiledObject, row: StoredRow): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of object.fields) out[field.name] = formatFieldValue(field, row[field.name])
  return out
}

/**
 * Create, upsert, update, delete and lifecycle actions on object records, with Vault's bulk
 * semantics: at most 500 per call, results in input order, per-record errors, request-level
 * faults before any write, `NO_DATA_CHANGES` without audit, and every change audited (B22, B23).
 * The work is done by one file per job (record-input, -checks, -writes, -deletes, -actions);
 * this facade holds the vault's parts and what higher layers add to objects.
 */
export class RecordService {
  readonly #ctx: RecordContext

  constructor(options: RecordServiceOptions) {
    this.#ctx = { ...options, extensions: new RecordExtensions(), connectionGrants: new ConnectionGrants() }
  }

  /**
   * Opens an object (or VQL target such as `documents`) to connected vaults' signed calls, with the
   * access and record scope given; what is not granted stays closed to them (B2, finding 2).
   */
  grantConnections(objectName: string, grant: ConnectionGrant): void {
    this.#ctx.connectionGrants.grant(objectName, grant)
  }

  /**
   * The VQL condition that limits the actor to its connection's records of the object, when the
   * actor is a connected vault's signed call and the object is scoped; undefined otherwise.
   */
  recordScope(actor: RecordActor, objectName: string): string | undefined {
    if (actor.remote !== undefined) return this.#ctx.connectionGrants.scope(actor, objectName)
    if (!readsOwnRecordOnly(actor, objectName)) return undefined
    // Record ids are the vault's own (letters and digits); anything else matches no record.
    return /^[A-Za-z0-9_-]+$/.test(actor.userId) ? `id = '${actor.userId}'` : `id = null`
  }

  /** Adds a rule that may refuse edits, deletes and actions on existing records of an object. */
  addGuard(objectName: string, guard: RecordGuard): void {
    this.#ctx.extensions.addGuard(objectName, guard)
  }

  /** Adds an object action (not a lifecycle transition) that later layers implement. */
  addObjectAction(objectName: string, action: ObjectAction): void {
    this.#ctx.registry.object(objectName)
    this.#ctx.extensions.addObjectAction(objectName, action)
  }

  /** Adds a hook told of every create, edit and state change of an object, in the same transaction. */
  addChangeHook(objectName: string, hook: ChangeHook): void {
    this.#ctx.registry.object(objectName)
    this.#ctx.extensions.addChangeHook(objectName, hook)
  }

  /** Throws ACCESS_DENIED unless the actor's profile (or, for a signed call, its connection) has the access. */
  assertAccess(actor: RecordActor, objectName: string, access: ObjectAccess): void {
    assertRecordAccess(this.#ctx, actor, objectName, access)
  }

  canAccess(actor: RecordActor, objectName: string, access: ObjectAccess): boolean {
    return hasRecordAccess(this.#ctx, actor, objectName, access)
  }

  /** The ACCESS_DENIED error `assertAccess` would throw, or undefined when the access is allowed. */
  accessRefusal(actor: RecordActor, objectName: string, access: ObjectAccess): LiaisonError | undefined {
    return recordAccessRefusal(this.#ctx, actor, objectName, access)
  }

  async getRecord(actor: RecordActor, objectName: string, id: string): Promise<Record<string, unknown>> {
    const object = this.#ctx.registry.object(objectName)
    this.assertAccess(actor, objectName, 'read')
    const row =
      readsOwnRecordOnly(actor, objectName) && id !== actor.userId
        ? undefined
        : await readRow(this.#ctx.storage.db, object.name, id)
    if (row === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `No ${objectName} record has id ${id}.`, { details: { id } })
    return formatRow(object, row)
  }

  /** Creates records, or upserts them when `idParam` names a unique field. */
  async create(
    actor: RecordActor,
    objectName: string,
    inputs: readonly unknown[],
    options: WriteOptions = {},
  ): Promise<RecordResult[]> {
    return createRecords(this.#ctx, actor, objectName, inputs, options)
  }

  /** Creates records inside the caller's transaction (the connection writes with its outbox). */
  async createIn(
    trx: Transaction<VaultDb>,
    actor: RecordActor,
    objectName: string,
    inputs: readonly Readonly<Record<string, unknown>>[],
  ): Promise<RecordResult[]> {
    return createRecordsIn(this.#ctx, trx, actor, objectName, inputs)
  }

  /** Updates records identified by `id`, or by the unique field `idParam`. */
  async update(
    actor: RecordActor,
    objectName: string,
    inputs: readonly unknown[],
    options: WriteOptions = {},
  ): Promise<RecordResult[]> {
    return updateRecords(this.#ctx, actor, objectName, inputs, options)
  }

  /** Updates records by id inside the caller's transaction; values follow the API input rules. */
  async updateIn(
    trx: Transaction<VaultDb>,
    actor: RecordActor,
    objectName: string,
    inputs: readonly { readonly id: string; readonly values: Readonly<Record<string, unknown>> }[],
  ): Promise<RecordResult[]> {
    return updateRecordsIn(this.#ctx, trx, actor, objectName, inputs)
  }

  async delete(actor: RecordActor, objectName: string, ids: readonly unknown[]): Promise<RecordResult[]> {
    return deleteRecords(this.#ctx, actor, objectName, ids)
  }

  /** Actions a record offers in its current state. */
  async availableActions(actor: RecordActor, objectName: string, id: string): Promise<AvailableAction[]> {
    return availableActions(this.#ctx, actor, objectName, id)
  }

  /** Runs a lifecycle or object action on up to 500 records; one result per id in input order. */
  async runAction(
    actor: RecordActor,
    objectName: string,
    ids: readonly string[],
    actionName: string,
  ): Promise<RecordResult[]> {
    return runAction(this.#ctx, actor, objectName, ids, actionName)
  }

  /**
   * Runs a lifecycle action inside the caller's transaction (state checks, guards, audit, change
   * hooks): for object actions that also move their record's state.
   */
  async transitionIn(
    trx: Transaction<VaultDb>,
    actor: RecordActor,
    objectName: string,
    ids: readonly string[],
    actionName: string,
  ): Promise<RecordResult[]> {
    return transition(this.#ctx, trx, actor, objectName, ids, actionName)
  }
}

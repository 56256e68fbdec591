import type { Transaction } from 'kysely'
import type { AuditActor } from '../audit/index.js'
import { ERROR_CODES, type ErrorCode, type VaultErrorType } from '../errors/index.js'
import type { SecurityProfile } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import type { InputOrigin } from './field-values.js'

/**
 * Records glossary.
 * - input: one record as a client sent it (JSON object or CSV row), unchecked.
 * - stored row: the record as its table holds it (see metadata/object-tables).
 * - result: what one input became, in input order: an id, or errors; upserts add the event.
 */

/** Who writes: a person or the connection acting as its integration user. */
export interface RecordActor extends AuditActor {
  readonly securityProfile: SecurityProfile | 'system'
  /**
   * Set when a connected vault calls in with a signed request (B2): what it may read is its
   * connection's grants (`RecordService.grantConnections`), not its profile's permissions.
   */
  readonly remote?: RemoteCaller
  /**
   * Set on the connection's own writes (its flows, its message processing): the local
   * `connection__sys` record they are for. They touch only records of that connection, or of none.
   */
  readonly connectionId?: string
}

/** The connected vault behind a signed request, as far as access cares. */
export interface RemoteCaller {
  /** The local `connection__sys` record it called through. */
  readonly connectionId: string
  /** B3: a sandbox calling into this production vault reads only what the vault sends it. */
  readonly sandboxIntoProduction: boolean
}

export interface ApiError {
  readonly type: VaultErrorType
  readonly message: string
}

/** A per-record error in the API's shape: the code's Vault type and the message. */
export function apiError(code: ErrorCode, message: string): ApiError {
  return { type: ERROR_CODES[code].vaultType, message }
}

export interface ApiWarning {
  readonly warning_type: 'NO_DATA_CHANGES'
  readonly message: string
}

export type UpsertEvent = 'created__sys' | 'updated__sys'

export interface RecordResult {
  readonly responseStatus: 'SUCCESS' | 'WARNING' | 'FAILURE'
  readonly id?: string
  readonly event?: UpsertEvent
  readonly idParamValue?: string
  readonly errors?: readonly ApiError[]
  readonly warnings?: readonly ApiWarning[]
}

export type StoredRow = Readonly<Record<string, unknown>>

/** Most records one bulk call may carry (Vault's limit). */
export const BULK_RECORDS_MAX = 500
/** Most fields (keys, CSV columns) one record may carry; more are refused before any is looked at. */
export const RECORD_FIELDS_MAX = 500
/** Most errors answered per record; the rest are summed up in one last entry. */
export const RECORD_ERRORS_MAX = 20

export interface WriteOptions {
  /** JSON keeps value types; CSV and form values are all text. (Default: 'json') */
  readonly origin?: InputOrigin
  /** A unique field that identifies records instead of `id` (upsert on create). */
  readonly idParam?: string
}

/** A change a guard is asked about: what is done to an existing record, and which fields it writes. */
export interface GuardedChange {
  readonly operation: 'edit' | 'delete' | 'action'
  readonly fields: readonly string[]
}

/**
 * A rule that may refuse a change to an existing record (B10 locks transferred inquiries).
 * Returns a message a person can act on, or undefined to allow the change.
 */
export type RecordGuard = (
  existing: StoredRow,
  change: GuardedChange,
  actor: RecordActor,
) => string | undefined

/**
 * An action that is not a lifecycle transition (`transfer_to_medical__v`, `reprocess__sys`).
 * It runs once for all selected records, inside one transaction, and answers per record in order.
 */
export interface ObjectAction {
  readonly name: string
  readonly label: string
  /** Whether the action is offered for this record (GET …/actions). (Default: always) */
  availableFor?(record: StoredRow): boolean
  run(trx: Transaction<VaultDb>, actor: RecordActor, records: readonly StoredRow[]): Promise<RecordResult[]>
}

/** What changed in one write, for hooks that must react in the same transaction (nudges, B12). */
export interface RecordChange {
  readonly objectName: string
  /** `delete`: the ids are gone when the hook runs; it can read only what it kept itself. */
  readonly kind: 'create' | 'edit' | 'state' | 'delete'
  readonly ids: readonly string[]
  readonly actor: RecordActor
}

/** Runs inside the writing transaction after the change; throwing rolls the change back. */
export type ChangeHook = (trx: Transaction<VaultDb>, change: RecordChange) => Promise<void>

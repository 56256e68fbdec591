import type { Transaction } from 'kysely'
import type { Clock } from '../../platform/clock/index.js'
import type { DocumentService } from '../../platform/documents/index.js'
import type { ConnectionInfo, Messaging } from '../../platform/messaging/index.js'
import type { RecordActor, RecordService } from '../../platform/records/index.js'
import type { Storage, VaultDb } from '../../platform/storage/index.js'

/**
 * What the flows need from the vault they run in, so that a flow's code is domain logic only.
 * The composition root (cli) builds it from the vault and its messaging.
 */
export interface FlowVault {
  readonly vaultId: number
  readonly environment: 'production' | 'sandbox'
  readonly storage: Storage
  readonly records: RecordService
  /** Documents and CrossLinks (Document Transfer). */
  readonly documents: DocumentService
  readonly clock: Clock
  /** Outbound queue, processors, connections and signed remote calls of this vault. */
  readonly messaging: Messaging
}

/** The local integration user of a connection, naming the connection (and message) for the audit trail (B22). */
export function connectionActor(connection: ConnectionInfo, messageId?: string): RecordActor {
  return {
    userId: connection.localIntegrationUserId,
    userName: connection.localIntegrationUserName,
    securityProfile: 'integration_user__sys',
    connection: connection.apiName,
    ...(messageId === undefined ? {} : { messageId }),
  }
}

/** Record ids travel into VQL literals; only the id alphabet is accepted there. */
export function assertRecordIds(ids: readonly string[]): string[] {
  return ids.filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id))
}

/** `('a', 'b')` for `CONTAINS`, from ids already checked by assertRecordIds. */
export function vqlIdList(ids: readonly string[]): string {
  return `(${ids.map((id) => `'${id}'`).join(', ')})`
}

/**
 * Waits for the transactions that hold the record's row, then holds it until the caller's
 * transaction ends: transactions that hold the same row run in turn, each seeing what the one
 * before committed. A column written to itself is the portable `SELECT … FOR UPDATE` (a PostgreSQL
 * row lock; SQLite has one writer, so there it changes nothing).
 */
export async function holdRecord(
  trx: Transaction<VaultDb>,
  objectName: 'connection__sys' | 'integration_point__sys',
  id: string,
): Promise<void> {
  await trx
    .updateTable(objectName)
    .set((eb) => ({ modified_date__v: eb.ref('modified_date__v') }))
    .where('id', '=', id)
    .execute()
}

/**
 * Lets the process serve other work (HTTP requests, other jobs) before going on. On SQLite a whole
 * transaction resolves in microtasks, which never yield: without this, the items of a 500-item
 * message run back to back and the vault's API does not answer until the last one is done.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

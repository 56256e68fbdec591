import type { Transaction } from 'kysely'
import type { Clock } from '../../platform/clock/index.js'
import type {
  ConnectionInfo,
  MessageProcessor,
  OutboundDraft,
  RemoteVault,
} from '../../platform/messaging/index.js'
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
  readonly clock: Clock
  /** Writes a message to the outbound queue in the caller's transaction (transactional outbox). */
  enqueueMessage(trx: Transaction<VaultDb>, draft: OutboundDraft): Promise<string>
  /** This vault's connections (any status). */
  connections(): Promise<readonly ConnectionInfo[]>
  /** A signed client of the remote vault of a connection (B2). */
  remote(connection: ConnectionInfo): RemoteVault
  registerProcessor(integrationPoint: string, processor: MessageProcessor): void
  /** The local integration user of a connection, naming the connection (and message) for the audit trail. */
  connectionActor(connection: ConnectionInfo, messageId?: string): RecordActor
}

/** Record ids travel into VQL literals; only the id alphabet is accepted there. */
export function assertRecordIds(ids: readonly string[]): string[] {
  return ids.filter((id) => /^[A-Za-z0-9_-]{1,64}$/.test(id))
}

/** `('a', 'b')` for `CONTAINS`, from ids already checked by assertRecordIds. */
export function vqlIdList(ids: readonly string[]): string {
  return `(${ids.map((id) => `'${id}'`).join(', ')})`
}

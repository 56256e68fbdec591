import type { Clock } from '../../platform/clock/index.js'
import type { DocumentService } from '../../platform/documents/index.js'
import type { ConnectionInfo, Messaging } from '../../platform/messaging/index.js'
import type { RecordActor, RecordService } from '../../platform/records/index.js'
import type { Storage } from '../../platform/storage/index.js'

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
    connectionId: connection.id,
    ...(messageId === undefined ? {} : { messageId }),
  }
}

/** The ids a message's items hold, and the items that are not ids. */
export interface ParsedRecordIds {
  /** Items in the id alphabet, in their order. */
  readonly ids: string[]
  readonly invalid: string[]
}

/** Items that are record ids (the id alphabet), and the rest, which a flow reports as invalid items. */
export function parseRecordIds(items: readonly string[]): ParsedRecordIds {
  const ids: string[] = []
  const invalid: string[] = []
  for (const item of items) (/^[A-Za-z0-9_-]{1,64}$/.test(item) ? ids : invalid).push(item)
  return { ids, invalid }
}

/**
 * Lets the process serve other work (HTTP requests, other jobs) before going on. On SQLite a whole
 * transaction resolves in microtasks, which never yield: without this, the items of a 500-item
 * message run back to back and the vault's API does not answer until the last one is done.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

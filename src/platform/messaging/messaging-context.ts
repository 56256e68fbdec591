import type { Kysely } from 'kysely'
import type { Clock } from '../clock/index.js'
import type { JobQueue } from '../jobs/index.js'
import type { RecordService } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'
import type { MessagingEvents } from './messaging-events.js'
import type { ConnectionInfo, RemoteVault } from './messaging-types.js'
import type { RequestSigner } from './request-signing.js'

/** What the parts of one vault's messaging share; Messaging builds it once and hands it to each. */
export interface MessagingContext {
  readonly db: Kysely<VaultDb>
  readonly records: RecordService
  readonly jobs: JobQueue
  readonly clock: Clock
  readonly events: MessagingEvents
  readonly vaultId: string
  readonly vaultName: string
  readonly signer: RequestSigner
  /** Aborted when the vault closes, so closing never waits for a slow remote. */
  readonly closing: AbortSignal
  /** The remote vault of a connection, for signed callbacks. */
  remote(connection: ConnectionInfo): RemoteVault
}

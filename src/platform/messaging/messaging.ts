import type { Kysely, Transaction } from 'kysely'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { DeadJob, JobQueue, JobRegistry } from '../jobs/index.js'
import type { RecordActor, RecordService } from '../records/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import { CallbackAuthenticator } from './callback-authenticator.js'
import {
  findConnection,
  findConnectionByApiName,
  findConnectionByRemoteVault,
  listConnectionRows,
} from './connection-directory.js'
import { SIGNATURE_WINDOW_MS } from './defaults.js'
import { InboundProcessing, PROCESS_INBOUND_TASK } from './inbound-processing.js'
import type { MessagingContext } from './messaging-context.js'
import { MessagingEvents } from './messaging-events.js'
import type {
  CallbackIdentity,
  ConnectionEstablishedHandler,
  ConnectionInfo,
  DeadMessageHandler,
  InboundMessage,
  IncomingSignedRequest,
  MessageProcessor,
  OutboundDraft,
  OutboundMessage,
  RemoteEnvironment,
  RemoteVault,
} from './messaging-types.js'
import { DELIVER_OUTBOUND_TASK, OutboundDelivery } from './outbound-delivery.js'
import {
  type QueueDetail,
  QueueDirectory,
  type QueuePointStatistics,
  type QueueSummary,
} from './queue-directory.js'
import { HttpRemoteVault } from './remote-vault.js'
import { Reprocessing, type ReprocessResult } from './reprocessing.js'
import {
  type RequestSigner,
  type RequestToSign,
  type SignedHeaders,
  signRequest,
  type VerifiedRequest,
} from './request-signing.js'
import { VaultKeys } from './vault-keys.js'

export interface MessagingOptions {
  readonly storage: Storage
  readonly records: RecordService
  readonly jobs: JobQueue
  readonly clock: Clock
  readonly vaultId: number
  readonly vaultName: string
  readonly environment: RemoteEnvironment
  /** The file of the vault's private signing key (0600); undefined keeps it in memory only. */
  readonly keyFile: string | undefined
  /** Signed requests further than this from the clock are refused. (Default: 5 minutes) */
  readonly signatureWindowMs?: number
}

/**
 * A vault's messaging: its signing key, outbound and inbound queues, delivery, processing, signed
 * callbacks and User Exception Messages (DESIGN.md "Messaging in detail"; B1–B3, B11, B24). A
 * facade over the parts that do each job: CallbackAuthenticator, OutboundDelivery,
 * InboundProcessing, Reprocessing and the QueueDirectory.
 */
export class Messaging {
  readonly events = new MessagingEvents()
  readonly vaultId: string
  readonly vaultName: string
  readonly environment: RemoteEnvironment
  readonly signer: RequestSigner
  readonly publicKeyPem: string
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock
  readonly #jobs: JobQueue
  readonly #authenticator: CallbackAuthenticator
  readonly #outbound: OutboundDelivery
  readonly #inbound: InboundProcessing
  readonly #reprocessing: Reprocessing
  readonly #queues: QueueDirectory
  readonly #establishedHandlers: ConnectionEstablishedHandler[] = []
  /** Aborts remote calls in flight when the vault closes, so closing never waits for a slow remote. */
  readonly #closing = new AbortController()

  private constructor(options: MessagingOptions, keys: VaultKeys) {
    this.#db = options.storage.db
    this.#clock = options.clock
    this.#jobs = options.jobs
    this.vaultId = String(options.vaultId)
    this.vaultName = options.vaultName
    this.environment = options.environment
    this.publicKeyPem = keys.publicKeyPem
    this.signer = { vaultId: this.vaultId, sign: (data) => keys.sign(data) }
    const context: MessagingContext = {
      db: this.#db,
      records: options.records,
      jobs: options.jobs,
      clock: options.clock,
      events: this.events,
      vaultId: this.vaultId,
      vaultName: this.vaultName,
      signer: this.signer,
      closing: this.#closing.signal,
      remote: (connection) => this.remote(connection),
    }
    this.#authenticator = new CallbackAuthenticator({
      db: this.#db,
      vaultId: this.vaultId,
      clock: options.clock,
      windowMs: options.signatureWindowMs ?? SIGNATURE_WINDOW_MS,
      environment: options.environment,
    })
    this.#queues = new QueueDirectory(this.#db, options.clock)
    this.#outbound = new OutboundDelivery(context, this.#queues)
    this.#inbound = new InboundProcessing(context, this.#authenticator, options.environment)
    this.#reprocessing = new Reprocessing(context, this.#outbound, this.#inbound)
    options.records.addObjectAction('exception_message__sys', this.#reprocessing.action())
  }

  /** Loads (on first use creates) the vault's key pair and builds the vault's messaging. */
  static async open(options: MessagingOptions): Promise<Messaging> {
    const keys = await VaultKeys.load(
      options.storage.db,
      options.storage.dialect,
      options.clock,
      options.keyFile,
    )
    return new Messaging(options, keys)
  }

  // ------------------------------------------------------------ registration

  /** The processor of one integration point's inbound messages (one per point; a second replaces it). */
  registerProcessor(integrationPoint: string, processor: MessageProcessor): void {
    this.#inbound.registerProcessor(integrationPoint, processor)
  }

  /** Told, in the transaction that marks it dead, of an outbound message of this point that died (B11). */
  onDeadMessage(integrationPoint: string, handler: DeadMessageHandler): void {
    this.#outbound.onDeadMessage(integrationPoint, handler)
  }

  /** Told, in the transaction that activates it, of each connection that becomes active (B1, B4). */
  onConnectionEstablished(handler: ConnectionEstablishedHandler): void {
    this.#establishedHandlers.push(handler)
  }

  /** Runs the handlers of onConnectionEstablished; the handshake calls it. */
  async connectionEstablished(trx: Transaction<VaultDb>, connection: ConnectionInfo): Promise<void> {
    for (const handler of this.#establishedHandlers) await handler(trx, connection)
  }

  /** Sets messaging's job handlers (delivery and processing) in the vault's registry. */
  registerJobs(jobs: Pick<JobRegistry, 'handle'>): void {
    jobs.handle(DELIVER_OUTBOUND_TASK, (payload, context) => this.#outbound.deliver(payload, context))
    jobs.handle(PROCESS_INBOUND_TASK, (payload, context) => this.#inbound.process(payload, context))
  }

  /** A job that used up its attempts without its handler concluding (e.g. the process died each time). */
  async handleDeadJob(job: DeadJob): Promise<void> {
    const failure = { code: 'INTERNAL', message: job.lastError } as const
    if (job.task === DELIVER_OUTBOUND_TASK.name)
      await this.#outbound.deadJob(DELIVER_OUTBOUND_TASK.assertPayload(job.payload).messageId, failure)
    else if (job.task === PROCESS_INBOUND_TASK.name)
      await this.#inbound.deadJob(PROCESS_INBOUND_TASK.assertPayload(job.payload).messageId, failure)
  }

  /** Aborts remote calls in flight; the vault calls it before it stops its jobs. */
  close(): void {
    this.#closing.abort(new LiaisonError('INTERNAL', `Vault ${this.vaultName} is closing.`))
  }

  /** Wakes the job runner (after a commit that queued work). */
  nudge(): void {
    this.#jobs.nudge()
  }

  // ------------------------------------------------------------ connections and signatures

  listConnections(): Promise<ConnectionInfo[]> {
    return listConnectionRows(this.#db)
  }

  connection(id: string, db: Kysely<VaultDb> = this.#db): Promise<ConnectionInfo | undefined> {
    return findConnection(db, id)
  }

  connectionByApiName(apiName: string, db: Kysely<VaultDb> = this.#db): Promise<ConnectionInfo | undefined> {
    return findConnectionByApiName(db, apiName)
  }

  connectionByRemoteVault(
    remoteVaultId: string,
    db: Kysely<VaultDb> = this.#db,
  ): Promise<ConnectionInfo | undefined> {
    return findConnectionByRemoteVault(db, remoteVaultId)
  }

  /** The remote vault of a connection, for signed callbacks. */
  remote(connection: ConnectionInfo): RemoteVault {
    return new HttpRemoteVault(connection, this.signer, this.#clock, this.#closing.signal)
  }

  /** Signs a request with this vault's key (B2). */
  signRequest(request: RequestToSign): SignedHeaders {
    return signRequest(this.signer, this.#clock, request)
  }

  /**
   * Verifies a request signed with the given public key and refuses a replay (B2); the handshake
   * uses it before the connection holds the key.
   */
  verifySigned(request: IncomingSignedRequest, publicKeyPem: string): Promise<VerifiedRequest> {
    return this.#authenticator.verifySigned(request, publicKeyPem)
  }

  /** Authenticates a signed callback from a connected vault and answers the user it runs as (B2, B3). */
  authenticateCallback(request: IncomingSignedRequest): Promise<CallbackIdentity> {
    return this.#authenticator.authenticateCallback(request)
  }

  // ------------------------------------------------------------ outbound and inbound queues

  /**
   * Writes a message to the outbound queue and its delivery job in the caller's transaction
   * (transactional outbox): both exist if and only if the change commits. Answers the message id.
   */
  enqueueOutbound(trx: Transaction<VaultDb>, draft: OutboundDraft): Promise<string> {
    return this.#outbound.enqueue(trx, draft)
  }

  outboundMessage(id: string, db: Kysely<VaultDb> = this.#db): Promise<OutboundMessage | undefined> {
    return this.#outbound.message(id, db)
  }

  /** Accepts a signed message posted by a connected vault, stores it once and acknowledges (B2, B3). */
  receiveInbound(request: IncomingSignedRequest): Promise<{ messageId: string; duplicate: boolean }> {
    return this.#inbound.receive(request)
  }

  inboundMessage(messageId: string, db: Kysely<VaultDb> = this.#db): Promise<InboundMessage | undefined> {
    return this.#inbound.message(messageId, db)
  }

  // ------------------------------------------------------------ exceptions (B11)

  /**
   * Sends a dead outbound message again, or processes a failed inbound one again, from its User
   * Exception Message (what `reprocess__sys` does), in the caller's transaction.
   */
  reprocessExceptionIn(trx: Transaction<VaultDb>, exceptionId: string): Promise<ReprocessResult> {
    return this.#reprocessing.reprocessIn(trx, exceptionId)
  }

  /** reprocessExceptionIn in a transaction of its own. */
  reprocessException(exceptionId: string): Promise<ReprocessResult> {
    return this.#db.transaction().execute((trx) => this.#reprocessing.reprocessIn(trx, exceptionId))
  }

  // ------------------------------------------------------------ queues (spec/api.md)

  listQueues(): Promise<QueueSummary[]> {
    return this.#queues.list()
  }

  queue(name: string): Promise<QueueDetail> {
    return this.#queues.detail(name)
  }

  queueStatistics(): Promise<QueuePointStatistics[]> {
    return this.#queues.statistics()
  }

  /**
   * Stops or restarts delivery on an outbound queue. Messages keep queuing while it is stopped;
   * restarting sends them in order. Inbound processing cannot be stopped (as in Vault).
   */
  setDelivery(name: string, enabled: boolean, actor: Pick<RecordActor, 'userId'>): Promise<QueueDetail> {
    return this.#outbound.setDelivery(name, enabled, actor)
  }
}

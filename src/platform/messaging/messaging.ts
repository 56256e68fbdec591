import { createHash, randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { ERROR_CODES, type ErrorCode, isLiaisonError, LiaisonError } from '../errors/index.js'
import {
  type DeadJob,
  defineJobTask,
  type JobContext,
  type JobQueue,
  type JobRegistry,
} from '../jobs/index.js'
import type { ObjectAction, RecordActor, RecordResult, RecordService } from '../records/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import {
  describeConnectionStatus,
  findConnection,
  findConnectionByApiName,
  findConnectionByRemoteVault,
  listConnectionRows,
} from './connection-directory.js'
import { DELIVERY_MAX_ATTEMPTS, PROCESSING_MAX_ATTEMPTS, SIGNATURE_WINDOW_MS } from './defaults.js'
import {
  type ExceptionMessageBody,
  exceptionBodyOf,
  messagingActor,
  parseExceptionBody,
  recordException,
} from './exception-messages.js'
import {
  assertMessageIdPayload,
  parseOutboundDraft,
  parseWireMessage,
  toInboundMessage,
  toOutboundMessage,
  type WireMessage,
} from './message-codec.js'
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
import { type QueueDetail, QueueDirectory, type QueueSummary } from './queue-directory.js'
import { HttpRemoteVault, isSuccess, remoteFailure, sendSigned } from './remote-vault.js'
import {
  claimedVaultId,
  type RequestSigner,
  type RequestToSign,
  type SignedHeaders,
  signRequest,
  type VerifiedRequest,
  verifySignedRequest,
} from './request-signing.js'
import { SeenRequests } from './seen-requests.js'
import { VaultKeys } from './vault-keys.js'

/** The path of the inbound endpoint under `/api/{version}`. */
export const INBOUND_PATH = '/services/connections/inbound'

/** Send one outbound message to its remote vault. */
const DELIVER_OUTBOUND_TASK = defineJobTask('deliver-outbound', assertMessageIdPayload)
/** Process one inbound message that was stored and acknowledged. */
const PROCESS_INBOUND_TASK = defineJobTask('process-inbound', assertMessageIdPayload)

export interface MessagingOptions {
  readonly storage: Storage
  readonly records: RecordService
  readonly jobs: JobQueue
  readonly clock: Clock
  readonly vaultId: number
  readonly vaultName: string
  readonly environment: RemoteEnvironment
  /** Signed requests further than this from the clock are refused. (Default: 5 minutes) */
  readonly signatureWindowMs?: number
}

type Failure = { readonly code: ErrorCode; readonly message: string }
type Outcome = { readonly kind: 'done' } | ({ readonly kind: 'retry' | 'never' } & Failure)

/**
 * Runs the earlier messages of the same ordering key, then the message itself, in order (per-key
 * order, whichever job runs): one refused outright fails alone; one worth retrying stops the run
 * (the job retries), and on the job's last attempt fails the message, naming the earlier one.
 */
async function inKeyOrder<M extends { readonly id: string }>(
  earlier: readonly M[],
  message: M,
  context: JobContext,
  step: {
    readonly verb: 'delivered' | 'processed'
    readonly run: (next: M) => Promise<Outcome>
    readonly fail: (failed: M, failure: Failure) => Promise<void>
  },
): Promise<void> {
  for (const next of [...earlier, message]) {
    const outcome = await step.run(next)
    if (outcome.kind === 'done') continue
    if (outcome.kind === 'never') {
      await step.fail(next, outcome)
      if (next.id === message.id) return
      continue
    }
    if (context.attempt >= context.maxAttempts) {
      await step.fail(message, {
        code: outcome.code,
        message:
          next.id === message.id
            ? `Not ${step.verb} after ${context.attempt} attempts: ${outcome.message}`
            : `Not ${step.verb} after ${context.attempt} attempts: earlier message ${next.id} of the same record could not be ${step.verb} (${outcome.message}).`,
      })
      return
    }
    throw new LiaisonError(outcome.code, outcome.message)
  }
}

function failureOf(error: unknown): Failure {
  if (isLiaisonError(error)) return { code: error.code, message: error.message }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

function retries(code: ErrorCode): boolean {
  return ERROR_CODES[code].retry === 'backoff'
}

/** graphile-worker refuses queue names longer than 128 characters. */
const QUEUE_NAME_MAX = 120

/** A job queue name per connection and ordering key keeps that key's messages in order. */
function keyQueue(kind: 'deliver' | 'process', connectionId: string, orderingKey: string): string {
  const name = `${kind}:${connectionId}:${orderingKey}`
  return name.length <= QUEUE_NAME_MAX
    ? name
    : `${kind}#${createHash('sha256').update(`${connectionId}:${orderingKey}`).digest('hex')}`
}
function deliveryQueue(connectionId: string, orderingKey: string): string {
  return keyQueue('deliver', connectionId, orderingKey)
}
function processingQueue(connectionId: string, orderingKey: string): string {
  return keyQueue('process', connectionId, orderingKey)
}

/**
 * A vault's messaging: its signing key, outbound and inbound queues, delivery, processing, signed
 * callbacks and User Exception Messages (DESIGN.md "Messaging in detail"; B1–B3, B11, B24).
 */
export class Messaging {
  readonly events = new MessagingEvents()
  readonly vaultId: string
  readonly vaultName: string
  readonly environment: RemoteEnvironment
  readonly signer: RequestSigner
  readonly publicKeyPem: string
  readonly #db: Kysely<VaultDb>
  readonly #records: RecordService
  readonly #jobs: JobQueue
  readonly #clock: Clock
  readonly #seen: SeenRequests
  readonly #windowMs: number
  readonly #queues: QueueDirectory
  readonly #processors = new Map<string, MessageProcessor>()
  readonly #deadHandlers = new Map<string, DeadMessageHandler[]>()
  readonly #establishedHandlers: ConnectionEstablishedHandler[] = []
  /** Aborts remote calls in flight when the vault closes, so closing never waits for a slow remote. */
  readonly #closing = new AbortController()

  private constructor(options: MessagingOptions, keys: VaultKeys) {
    this.#db = options.storage.db
    this.#records = options.records
    this.#jobs = options.jobs
    this.#clock = options.clock
    this.#windowMs = options.signatureWindowMs ?? SIGNATURE_WINDOW_MS
    this.#seen = new SeenRequests({ db: this.#db, clock: this.#clock, windowMs: this.#windowMs })
    this.vaultId = String(options.vaultId)
    this.vaultName = options.vaultName
    this.environment = options.environment
    this.publicKeyPem = keys.publicKeyPem
    this.signer = { vaultId: this.vaultId, sign: (data) => keys.sign(data) }
    this.#queues = new QueueDirectory(this.#db, this.#clock)
    this.#records.addObjectAction('exception_message__sys', this.#reprocessAction())
  }

  /** B11: `reprocess__sys` sends or processes an exception's message again and moves it to reprocessing. */
  #reprocessAction(): ObjectAction {
    return {
      name: 'reprocess__sys',
      label: 'Reprocess',
      availableFor: (row) => row.state__v === 'open__sys',
      run: async (trx, actor, rows) => {
        const results: RecordResult[] = []
        for (const row of rows) {
          const id = String(row.id)
          try {
            if (row.state__v !== 'open__sys')
              throw new LiaisonError(
                'ACTION_NOT_ALLOWED_IN_STATE',
                `User Exception Message ${String(row.name__v)} is ${String(row.state__v)}; only open ones can be reprocessed.`,
              )
            await this.resendDead(trx, id)
            const [moved] = await this.#records.transitionIn(
              trx,
              actor,
              'exception_message__sys',
              [id],
              'reprocess__sys',
            )
            results.push(moved ?? { responseStatus: 'SUCCESS', id })
          } catch (error) {
            if (!(error instanceof LiaisonError)) throw error
            results.push({
              responseStatus: 'FAILURE',
              errors: [{ type: error.vaultType, message: error.message }],
            })
          }
        }
        return results
      },
    }
  }

  /** Loads (on first use creates) the vault's key pair and builds the vault's messaging. */
  static async open(options: MessagingOptions): Promise<Messaging> {
    const keys = await VaultKeys.load(options.storage.db, options.clock)
    return new Messaging(options, keys)
  }

  // ------------------------------------------------------------ registration

  /** The processor of one integration point's inbound messages (one per point; a second replaces it). */
  registerProcessor(integrationPoint: string, processor: MessageProcessor): void {
    this.#processors.set(integrationPoint, processor)
  }

  /** Told, in the transaction that marks it dead, of an outbound message of this point that died (B11). */
  onDeadMessage(integrationPoint: string, handler: DeadMessageHandler): void {
    this.#deadHandlers.set(integrationPoint, [...(this.#deadHandlers.get(integrationPoint) ?? []), handler])
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
    jobs.handle(DELIVER_OUTBOUND_TASK, (payload, context) => this.#deliverJob(payload, context))
    jobs.handle(PROCESS_INBOUND_TASK, (payload, context) => this.#processJob(payload, context))
  }

  /** A job that used up its attempts without its handler concluding (e.g. the process died each time). */
  async handleDeadJob(job: DeadJob): Promise<void> {
    if (job.task !== DELIVER_OUTBOUND_TASK.name && job.task !== PROCESS_INBOUND_TASK.name) return
    const { messageId } = assertMessageIdPayload(job.payload)
    const failure: Failure = { code: 'INTERNAL', message: job.lastError }
    if (job.task === DELIVER_OUTBOUND_TASK.name) {
      const message = await this.outboundMessage(messageId)
      if (message?.state === 'pending') await this.#markDead(message, failure)
    } else {
      const message = await this.inboundMessage(messageId)
      if (message?.state === 'received') await this.#markFailed(message, failure)
    }
  }

  /** Aborts remote calls in flight; the vault calls it before it stops its jobs. */
  close(): void {
    this.#closing.abort(new LiaisonError('INTERNAL', `Vault ${this.vaultName} is closing.`))
  }

  /** Wakes the job runner (after a commit that queued work). */
  nudge(): void {
    this.#jobs.nudge()
  }

  // ------------------------------------------------------------ connections

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
  async verifySigned(request: IncomingSignedRequest, publicKeyPem: string): Promise<VerifiedRequest> {
    const verified = verifySignedRequest(request, publicKeyPem, this.#clock, this.#windowMs)
    await this.#seen.accept(verified)
    return verified
  }

  /**
   * Authenticates a signed callback from a connected vault (B2): the signature with the key of the
   * connection to that vault, the timestamp window, the request id (once only, for anything but a
   * read), an active connection and an active integration user. The request then runs as that user. A sandbox may read a production
   * vault but never write to it (B3).
   */
  async authenticateCallback(request: IncomingSignedRequest): Promise<CallbackIdentity> {
    const vaultId = claimedVaultId(request)
    const connection =
      vaultId === undefined ? undefined : await findConnectionByRemoteVault(this.#db, vaultId)
    if (connection === undefined || connection.remotePublicKey === '')
      throw new LiaisonError(
        'SESSION_INVALID',
        `This vault has no connection with vault ${vaultId ?? '(none named)'}; a signed request is accepted only from a connected vault. Establish the connection first (POST /api/{version}/services/connections).`,
      )
    // A read changes nothing, so a replayed GET inside the signature window gains nothing; not
    // recording GETs spares the durable write (a commit, so an fsync) per file a CRM downloads.
    if (request.method === 'GET' || request.method === 'HEAD')
      verifySignedRequest(request, connection.remotePublicKey, this.#clock, this.#windowMs)
    else await this.verifySigned(request, connection.remotePublicKey)
    if (connection.status !== 'active__v')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${connection.apiName} with vault ${connection.remoteName || vaultId} is ${describeConnectionStatus(connection.status)}; callbacks need an active connection.`,
      )
    if (
      this.environment === 'production' &&
      connection.remoteEnvironment === 'sandbox' &&
      !isReadOnlyCall(request.method, request.path)
    )
      throw sandboxRefusal(connection, `${request.method} ${request.path.split('?')[0]}`)
    const user = await this.#db
      .selectFrom('user__sys')
      .select(['id', 'username__sys', 'security_profile__sys', 'status__v'])
      .where('id', '=', connection.localIntegrationUserId)
      .executeTakeFirst()
    if (user === undefined || user.status__v !== 'active__v')
      throw new LiaisonError(
        'SESSION_INVALID',
        `The integration user of connection ${connection.apiName} (authorized_connection_user__sys) is missing or inactive; an admin must set an active user on the connection.`,
      )
    return {
      connection,
      user: {
        userId: String(user.id),
        username: String(user.username__sys),
        securityProfile: user.security_profile__sys as CallbackIdentity['user']['securityProfile'],
      },
    }
  }

  // ------------------------------------------------------------ outbound

  /**
   * Writes a message to the outbound queue and its delivery job in the caller's transaction
   * (transactional outbox): both exist if and only if the change commits. Answers the message id.
   * The connection must be active (B1: without an active connection nothing flows).
   */
  async enqueueOutbound(trx: Transaction<VaultDb>, draft: OutboundDraft): Promise<string> {
    const d = parseOutboundDraft(draft)
    const connection = await findConnection(trx, d.connectionId)
    if (connection === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `No connection__sys record has id ${d.connectionId}.`)
    if (connection.status !== 'active__v')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${connection.apiName} is ${describeConnectionStatus(connection.status)}; nothing is sent through a connection that is not active.`,
      )
    const id = randomUUID()
    await trx
      .insertInto('outbound_message')
      .values({
        id,
        connection_id: d.connectionId,
        integration_point: d.integrationPoint,
        ordering_key: d.orderingKey,
        items: JSON.stringify(d.items),
        attributes: JSON.stringify(d.attributes),
        state: 'pending',
        attempts: 0,
        created_date: isoTimestamp(this.#clock),
      })
      .execute()
    await this.#enqueueDelivery(trx, id, d.connectionId, d.orderingKey)
    // The runner's claim waits for this transaction on SQLite; PostgreSQL is notified at commit.
    setImmediate(() => this.#jobs.nudge())
    return id
  }

  async outboundMessage(id: string, db: Kysely<VaultDb> = this.#db): Promise<OutboundMessage | undefined> {
    const row = await db.selectFrom('outbound_message').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toOutboundMessage(row)
  }

  async #enqueueDelivery(trx: Transaction<VaultDb>, id: string, connectionId: string, orderingKey: string) {
    await this.#jobs.enqueue(
      trx,
      DELIVER_OUTBOUND_TASK,
      { messageId: id },
      {
        queueName: deliveryQueue(connectionId, orderingKey),
        jobKey: `deliver:${id}`,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
      },
    )
  }

  async #deliverJob({ messageId }: { readonly messageId: string }, context: JobContext): Promise<void> {
    const message = await this.outboundMessage(messageId)
    if (message === undefined || message.state !== 'pending') return
    const connection = await findConnection(this.#db, message.connectionId)
    if (connection === undefined) {
      await this.#markDead(message, {
        code: 'RECORD_NOT_FOUND',
        message: `Connection ${message.connectionId} no longer exists; message ${message.id} cannot be delivered.`,
      })
      return
    }
    if (await this.#queues.isPaused(connection.id)) return // enable_delivery queues it again
    if (connection.status !== 'active__v') {
      await this.#markDead(message, {
        code: 'OPERATION_NOT_ALLOWED',
        message: `Connection ${connection.apiName} is ${describeConnectionStatus(connection.status)}; message ${message.id} was not sent. Reprocess it once the connection is active.`,
      })
      return
    }
    // Per-key order: earlier pending messages of the same key go first, whichever job runs.
    const earlier = await this.#db
      .selectFrom('outbound_message')
      .selectAll()
      .where('connection_id', '=', message.connectionId)
      .where('ordering_key', '=', message.orderingKey)
      .where('state', '=', 'pending')
      .where('seq', '<', await this.#seqOf('outbound_message', 'id', message.id))
      .orderBy('seq')
      .execute()
    await inKeyOrder(earlier.map(toOutboundMessage), message, context, {
      verb: 'delivered',
      run: (next) => this.#post(connection, next),
      fail: (failed, failure) => this.#markDead(failed, failure),
    })
  }

  /** Posts one message; never throws: the outcome says whether to retry. */
  async #post(connection: ConnectionInfo, message: OutboundMessage): Promise<Outcome> {
    const attempt = message.attempts + 1
    const now = isoTimestamp(this.#clock)
    const wire: WireMessage = {
      message_id: message.id,
      vault_id: this.vaultId,
      vault_name: this.vaultName,
      integration_point: message.integrationPoint,
      ordering_key: message.orderingKey,
      enter_queue_timestamp: message.createdDate,
      send_message_timestamp: now,
      send_attempt: attempt,
      message: { items: message.items, attributes: message.attributes },
    }
    let outcome: Outcome
    try {
      const response = await sendSigned(this.signer, this.#clock, {
        baseUrl: connection.remoteUrl,
        method: 'POST',
        path: INBOUND_PATH,
        body: wire,
        remoteName: `Vault ${connection.remoteName || connection.remoteVaultId} (${connection.remoteUrl})`,
        signal: this.#closing.signal,
      })
      if (isSuccess(response.body)) outcome = { kind: 'done' }
      else {
        const error = remoteFailure(`Vault ${connection.remoteName || connection.remoteVaultId}`, response)
        outcome = { kind: retries(error.code) ? 'retry' : 'never', code: error.code, message: error.message }
      }
    } catch (error) {
      const failure = failureOf(error)
      outcome = { kind: retries(failure.code) ? 'retry' : 'never', ...failure }
    }
    const after = isoTimestamp(this.#clock)
    if (outcome.kind === 'done') {
      const result = await this.#db
        .updateTable('outbound_message')
        .set({ state: 'delivered', attempts: attempt, delivered_date: after, last_attempt_date: after })
        .where('id', '=', message.id)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      const delivered = { ...message, state: 'delivered' as const, attempts: attempt, deliveredDate: after }
      this.events.emit('delivery:attempt', { message: delivered, attempt })
      if (Number(result.numUpdatedRows) > 0) {
        this.events.emit('delivery:delivered', { message: delivered })
        await this.#resolveExceptions(message.id)
      }
      return outcome
    }
    await this.#db
      .updateTable('outbound_message')
      .set({
        attempts: attempt,
        last_attempt_date: after,
        last_error: outcome.message,
        last_error_code: outcome.code,
      })
      .where('id', '=', message.id)
      .execute()
    this.events.emit('delivery:attempt', {
      message: { ...message, attempts: attempt, lastError: outcome.message, lastErrorCode: outcome.code },
      attempt,
      error: { code: outcome.code, message: outcome.message, retry: outcome.kind === 'retry' },
    })
    return outcome
  }

  /** Marks a pending message dead and raises its User Exception Message, in one transaction. */
  async #markDead(message: OutboundMessage, failure: Failure): Promise<void> {
    const connection = await findConnection(this.#db, message.connectionId)
    let exceptionId: string | undefined
    const dead: OutboundMessage = {
      ...message,
      state: 'dead',
      lastError: failure.message,
      lastErrorCode: failure.code,
    }
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('outbound_message')
        .set({ state: 'dead', last_error: failure.message, last_error_code: failure.code })
        .where('id', '=', message.id)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return
      exceptionId = await recordException(trx, this.#records, connection?.apiName, {
        body: exceptionBodyOf('outbound', message),
        errorCode: failure.code,
        errorMessage: `Message ${message.id} (${message.integrationPoint}, ${message.items.length} item${message.items.length === 1 ? '' : 's'}) could not be delivered to ${connection?.remoteName || 'the remote vault'}: ${failure.message}`,
      })
      for (const handler of this.#deadHandlers.get(message.integrationPoint) ?? [])
        await handler(trx, dead, failure)
    })
    if (exceptionId !== undefined)
      this.events.emit('delivery:dead', { message: dead, error: failure, exceptionId })
  }

  // ------------------------------------------------------------ inbound

  /**
   * Accepts a signed message posted by a connected vault: verifies it (B2), refuses an unknown or
   * inactive connection and a sandbox sending to production (B3, recorded as an exception), stores
   * it and its processing job in one transaction, and acknowledges. A message id already in the
   * queue is acknowledged and ignored.
   */
  async receiveInbound(request: IncomingSignedRequest): Promise<{ messageId: string; duplicate: boolean }> {
    const vaultId = claimedVaultId(request)
    if (vaultId === undefined)
      throw new LiaisonError(
        'SESSION_INVALID',
        'The message is not signed: X-Liaison-Vault-Id, X-Liaison-Timestamp, X-Liaison-Message-Id and X-Liaison-Signature are all required.',
      )
    const connection = await findConnectionByRemoteVault(this.#db, vaultId)
    if (connection === undefined || connection.remotePublicKey === '')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `This vault (${this.vaultName}) has no connection with vault ${vaultId}; messages are accepted only through an established connection.`,
      )
    // A read changes nothing, so a replayed GET inside the signature window gains nothing; not
    // recording GETs spares the durable write (a commit, so an fsync) per file a CRM downloads.
    if (request.method === 'GET' || request.method === 'HEAD')
      verifySignedRequest(request, connection.remotePublicKey, this.#clock, this.#windowMs)
    else await this.verifySigned(request, connection.remotePublicKey)
    if (connection.status !== 'active__v')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${connection.apiName} in vault ${this.vaultName} is ${describeConnectionStatus(connection.status)}; it accepts no messages.`,
      )
    let parsedBody: unknown
    try {
      parsedBody = JSON.parse(Buffer.from(request.body).toString('utf8'))
    } catch {
      throw new LiaisonError('BODY_MALFORMED', 'The message body is not JSON.')
    }
    const wire = parseWireMessage(parsedBody)
    if (wire.vault_id !== '' && wire.vault_id !== vaultId)
      throw new LiaisonError(
        'BODY_MALFORMED',
        `Message ${wire.message_id} names vault ${wire.vault_id} but is signed by vault ${vaultId}.`,
      )
    if (this.environment === 'production' && connection.remoteEnvironment === 'sandbox') {
      await this.#refuseFromSandbox(connection, wire)
      throw sandboxRefusal(connection, `message ${wire.message_id} (${wire.integration_point})`)
    }
    const now = isoTimestamp(this.#clock)
    const inserted = await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('inbound_message')
        .values({
          message_id: wire.message_id,
          connection_id: connection.id,
          integration_point: wire.integration_point,
          ordering_key: wire.ordering_key,
          items: JSON.stringify(wire.message.items),
          attributes: JSON.stringify(wire.message.attributes),
          state: 'received',
          attempts: 0,
          received_date: now,
          enqueued_date: wire.enter_queue_timestamp === '' ? null : wire.enter_queue_timestamp,
        })
        .onConflict((oc) => oc.column('message_id').doNothing())
        .executeTakeFirst()
      const added = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
      if (added) await this.#enqueueProcessing(trx, wire.message_id, connection.id, wire.ordering_key)
      return added
    })
    if (inserted) this.#jobs.nudge()
    const stored = await this.inboundMessage(wire.message_id)
    if (stored !== undefined) this.events.emit('inbound:received', { message: stored, duplicate: !inserted })
    return { messageId: wire.message_id, duplicate: !inserted }
  }

  async inboundMessage(
    messageId: string,
    db: Kysely<VaultDb> = this.#db,
  ): Promise<InboundMessage | undefined> {
    const row = await db
      .selectFrom('inbound_message')
      .selectAll()
      .where('message_id', '=', messageId)
      .executeTakeFirst()
    return row === undefined ? undefined : toInboundMessage(row)
  }

  async #enqueueProcessing(
    trx: Transaction<VaultDb>,
    messageId: string,
    connectionId: string,
    orderingKey: string,
  ) {
    await this.#jobs.enqueue(
      trx,
      PROCESS_INBOUND_TASK,
      { messageId },
      {
        queueName: processingQueue(connectionId, orderingKey),
        jobKey: `process:${messageId}`,
        maxAttempts: PROCESSING_MAX_ATTEMPTS,
      },
    )
  }

  /** B3: records the refused message on this (production) side, once per message id. */
  async #refuseFromSandbox(connection: ConnectionInfo, wire: WireMessage): Promise<void> {
    const failure: Failure = {
      code: 'OPERATION_NOT_ALLOWED',
      message: `Refused message ${wire.message_id} (${wire.integration_point}) from sandbox vault ${connection.remoteName || connection.remoteVaultId}: a sandbox never populates a production vault (B3).`,
    }
    const exceptionId = await this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('exception_message__sys')
        .select('id')
        .where('message_id__sys', '=', wire.message_id)
        .executeTakeFirst()
      if (existing !== undefined) return undefined
      return recordException(trx, this.#records, connection.apiName, {
        body: {
          kind: 'inbound',
          messageId: wire.message_id,
          connectionId: connection.id,
          integrationPoint: wire.integration_point,
          orderingKey: wire.ordering_key,
          items: wire.message.items,
          attributes: wire.message.attributes,
          refused: true,
        },
        errorCode: failure.code,
        errorMessage: failure.message,
      })
    })
    this.events.emit('inbound:failed', {
      message: undefined,
      messageId: wire.message_id,
      error: failure,
      exceptionId,
    })
  }

  async #processJob({ messageId }: { readonly messageId: string }, context: JobContext): Promise<void> {
    const message = await this.inboundMessage(messageId)
    if (message === undefined || message.state !== 'received') return
    const earlier = await this.#db
      .selectFrom('inbound_message')
      .selectAll()
      .where('connection_id', '=', message.connectionId)
      .where('ordering_key', '=', message.orderingKey)
      .where('state', '=', 'received')
      .where('seq', '<', await this.#seqOf('inbound_message', 'message_id', message.id))
      .orderBy('seq')
      .execute()
    await inKeyOrder(earlier.map(toInboundMessage), message, context, {
      verb: 'processed',
      run: (next) => this.#processOne(next),
      fail: (failed, failure) => this.#markFailed(failed, failure),
    })
  }

  async #processOne(message: InboundMessage): Promise<Outcome> {
    const attempt = message.attempts + 1
    const earlierExceptions = await this.#openExceptions(message.id)
    const connection = await findConnection(this.#db, message.connectionId)
    let outcome: Outcome
    if (connection === undefined || connection.status !== 'active__v')
      outcome = {
        kind: 'never',
        code: 'OPERATION_NOT_ALLOWED',
        message: `Connection ${connection?.apiName ?? message.connectionId} is ${connection === undefined ? 'gone' : describeConnectionStatus(connection.status)}; message ${message.id} was not processed. Reprocess it once the connection is active.`,
      }
    else {
      const processor = this.#processors.get(message.integrationPoint)
      if (processor === undefined)
        outcome = {
          kind: 'retry',
          code: 'INTERNAL',
          message: `No processor is registered for integration point ${message.integrationPoint} in vault ${this.vaultName}.`,
        }
      else
        try {
          await processor(message, {
            connection,
            remote: this.remote(connection),
            actor: this.#integrationActor(connection, message.id),
          })
          outcome = { kind: 'done' }
        } catch (error) {
          const failure = failureOf(error)
          outcome = { kind: retries(failure.code) ? 'retry' : 'never', ...failure }
        }
    }
    const now = isoTimestamp(this.#clock)
    if (outcome.kind === 'done') {
      const result = await this.#db
        .updateTable('inbound_message')
        .set({ state: 'processed', attempts: attempt, processed_date: now, last_attempt_date: now })
        .where('message_id', '=', message.id)
        .where('state', '=', 'received')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) > 0) {
        this.events.emit('inbound:processed', {
          message: { ...message, state: 'processed', attempts: attempt },
        })
        await this.#resolveExceptions(message.id, earlierExceptions)
      }
      return outcome
    }
    await this.#db
      .updateTable('inbound_message')
      .set({
        attempts: attempt,
        last_attempt_date: now,
        last_error: outcome.message,
        last_error_code: outcome.code,
      })
      .where('message_id', '=', message.id)
      .execute()
    return outcome
  }

  async #seqOf(table: 'outbound_message' | 'inbound_message', column: string, id: string): Promise<number> {
    const row = await this.#db.selectFrom(table).select('seq').where(column, '=', id).executeTakeFirst()
    return Number(row?.seq ?? 0)
  }

  #integrationActor(connection: ConnectionInfo, messageId: string): RecordActor {
    return {
      userId: connection.localIntegrationUserId || 'system',
      userName: connection.localIntegrationUserName || `Connection ${connection.apiName}`,
      securityProfile: connection.localIntegrationUserId === '' ? 'system' : 'integration_user__sys',
      connection: connection.apiName,
      messageId,
    }
  }

  async #markFailed(message: InboundMessage, failure: Failure): Promise<void> {
    const connection = await findConnection(this.#db, message.connectionId)
    let exceptionId: string | undefined
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('inbound_message')
        .set({ state: 'failed', last_error: failure.message, last_error_code: failure.code })
        .where('message_id', '=', message.id)
        .where('state', '=', 'received')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return
      exceptionId = await recordException(trx, this.#records, connection?.apiName, {
        body: exceptionBodyOf('inbound', message),
        errorCode: failure.code,
        errorMessage: `Message ${message.id} (${message.integrationPoint}) from ${connection?.remoteName || 'the remote vault'} could not be processed: ${failure.message}`,
      })
    })
    if (exceptionId !== undefined)
      this.events.emit('inbound:failed', {
        message: { ...message, state: 'failed' },
        messageId: message.id,
        error: failure,
        exceptionId,
      })
  }

  // ------------------------------------------------------------ exceptions

  /**
   * Sends a dead outbound message again, or processes a failed inbound one again, from its User
   * Exception Message (`reprocess__sys`), in the caller's transaction. Counts the reprocessing on
   * the exception; the exception is resolved when the message goes through.
   */
  async resendDead(
    trx: Transaction<VaultDb>,
    exceptionId: string,
  ): Promise<{
    readonly kind: 'outbound' | 'inbound'
    readonly messageId: string
    readonly requeued: boolean
  }> {
    const row = await trx
      .selectFrom('exception_message__sys')
      .select(['id', 'message_body_json__sys', 'reprocess_count__sys'])
      .where('id', '=', exceptionId)
      .executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `No exception_message__sys record has id ${exceptionId}.`)
    const body = parseExceptionBody(row.message_body_json__sys, exceptionId)
    let requeued = false
    if (body.kind === 'outbound') requeued = await this.#requeueOutbound(trx, body)
    else {
      if (body.refused === true)
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          `Message ${body.messageId} was refused when it arrived (a sandbox never populates production, B3) and was never stored; it cannot be reprocessed here.`,
        )
      const message = await this.inboundMessage(body.messageId, trx)
      if (message === undefined)
        throw new LiaisonError(
          'RECORD_NOT_FOUND',
          `Message ${body.messageId} is no longer in the inbound queue.`,
        )
      // A processed message may still carry item failures its processor recorded (B11): processors
      // are idempotent, so running it again after the fix is safe.
      if (message.state === 'failed' || message.state === 'processed') {
        await trx
          .updateTable('inbound_message')
          .set({ state: 'received', attempts: 0, last_error: null, last_error_code: null })
          .where('message_id', '=', message.id)
          .execute()
        await this.#enqueueProcessing(trx, message.id, message.connectionId, message.orderingKey)
        requeued = true
      }
    }
    await this.#records.updateIn(trx, messagingActor(undefined, body.messageId), 'exception_message__sys', [
      {
        id: exceptionId,
        values: {
          reprocess_count__sys: Number(row.reprocess_count__sys ?? 0) + 1,
          last_reprocessed_date__sys: isoTimestamp(this.#clock),
        },
      },
    ])
    if (requeued) setImmediate(() => this.#jobs.nudge())
    return { kind: body.kind, messageId: body.messageId, requeued }
  }

  /** resendDead in a transaction of its own. */
  async resendDeadMessage(exceptionId: string): Promise<{
    readonly kind: 'outbound' | 'inbound'
    readonly messageId: string
    readonly requeued: boolean
  }> {
    return this.#db.transaction().execute((trx) => this.resendDead(trx, exceptionId))
  }

  async #requeueOutbound(trx: Transaction<VaultDb>, body: ExceptionMessageBody): Promise<boolean> {
    const message = await this.outboundMessage(body.messageId, trx)
    if (message === undefined) {
      await trx
        .insertInto('outbound_message')
        .values({
          id: body.messageId,
          connection_id: body.connectionId,
          integration_point: body.integrationPoint,
          ordering_key: body.orderingKey,
          items: JSON.stringify(body.items),
          attributes: JSON.stringify(body.attributes),
          state: 'pending',
          attempts: 0,
          created_date: isoTimestamp(this.#clock),
        })
        .execute()
    } else if (message.state === 'dead')
      await trx
        .updateTable('outbound_message')
        .set({ state: 'pending', attempts: 0, last_error: null, last_error_code: null })
        .where('id', '=', message.id)
        .execute()
    else return false
    await this.#enqueueDelivery(trx, body.messageId, body.connectionId, body.orderingKey)
    return true
  }

  /** After a reprocessed message went through: its open exceptions are resolved. */
  /** The message's exceptions still open now. */
  async #openExceptions(messageId: string): Promise<string[]> {
    const open = await this.#db
      .selectFrom('exception_message__sys')
      .select('id')
      .where('message_id__sys', '=', messageId)
      .where('state__v', 'in', ['open__sys', 'reprocessing__sys'])
      .execute()
    return open.map((r) => String(r.id))
  }

  /**
   * Resolves the exceptions a message had before it went through (given, or read now). Exceptions a
   * processor writes while it runs (item failures) are newer and stay open.
   */
  async #resolveExceptions(messageId: string, ids?: readonly string[]): Promise<void> {
    const open = ids ?? (await this.#openExceptions(messageId))
    if (open.length === 0) return
    await this.#records.runAction(
      messagingActor(undefined, messageId),
      'exception_message__sys',
      [...open],
      'resolve__sys',
    )
  }

  // ------------------------------------------------------------ queues (spec/api.md)

  listQueues(): Promise<QueueSummary[]> {
    return this.#queues.list()
  }

  queue(name: string): Promise<QueueDetail> {
    return this.#queues.detail(name)
  }

  /**
   * Stops or restarts delivery on an outbound queue. Messages keep queuing while it is stopped;
   * restarting sends them in order. Inbound processing cannot be stopped (as in Vault).
   */
  async setDelivery(
    name: string,
    enabled: boolean,
    actor: Pick<RecordActor, 'userId'>,
  ): Promise<QueueDetail> {
    const queue = await this.#queues.resolve(name)
    if (queue.type !== 'outbound')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Queue ${name} is an inbound queue; delivery can be switched only on outbound queues, and inbound processing cannot be stopped. Switch the integration off instead.`,
      )
    if (!enabled) {
      await this.#queues.pause(queue.connection.id, actor.userId)
      return this.#queues.detail(name)
    }
    await this.#db.transaction().execute(async (trx) => {
      const wasPaused = await this.#queues.resume(trx, queue.connection.id)
      if (!wasPaused) return
      const pending = await trx
        .selectFrom('outbound_message')
        .select(['id', 'ordering_key'])
        .where('connection_id', '=', queue.connection.id)
        .where('state', '=', 'pending')
        .orderBy('seq')
        .execute()
      for (const m of pending)
        await this.#enqueueDelivery(trx, String(m.id), queue.connection.id, String(m.ordering_key))
    })
    this.#jobs.nudge()
    return this.#queues.detail(name)
  }
}

/** Reads and the VQL query endpoints (POST /query and its pages) are the calls that change nothing. */
function isReadOnlyCall(method: string, path: string): boolean {
  const m = method.toUpperCase()
  if (m === 'GET' || m === 'HEAD') return true
  return m === 'POST' && /^\/api\/[^/]+\/query(\/[^/?]+)?(\?.*)?$/.test(path)
}

function sandboxRefusal(connection: ConnectionInfo, what: string): LiaisonError {
  return new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `Vault ${connection.remoteName || connection.remoteVaultId} is a sandbox and this vault is production: a sandbox never populates a production vault (B3). Refused ${what}. Connect the sandbox to a sandbox vault instead.`,
    { details: { reason: 'SANDBOX_TO_PRODUCTION' } },
  )
}

import type { Kysely, Transaction } from 'kysely'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { defineJobTask, type JobContext } from '../jobs/index.js'
import type { RecordActor } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'
import { type CallbackAuthenticator, sandboxRefusal } from './callback-authenticator.js'
import {
  describeConnectionStatus,
  findConnection,
  findConnectionByRemoteVault,
} from './connection-directory.js'
import { PROCESSING_MAX_ATTEMPTS } from './defaults.js'
import {
  exceptionBodyOf,
  openExceptionIds,
  recordException,
  resolveExceptions,
} from './exception-messages.js'
import {
  earlierOfKey,
  enqueueInKeyOrder,
  type Failure,
  failureOf,
  inKeyOrder,
  type KeyedMessage,
  type Outcome,
  outcomeOf,
} from './key-order.js'
import {
  assertMessageIdPayload,
  parseWireMessage,
  toInboundMessage,
  type WireMessage,
} from './message-codec.js'
import type { MessagingContext } from './messaging-context.js'
import type {
  ConnectionInfo,
  InboundMessage,
  IncomingSignedRequest,
  MessageProcessor,
  RemoteEnvironment,
} from './messaging-types.js'
import { claimedVaultId } from './request-signing.js'

/** Process one inbound message that was stored and acknowledged. */
export const PROCESS_INBOUND_TASK = defineJobTask('process-inbound', assertMessageIdPayload)

const PROCESSING = {
  kind: 'process',
  task: PROCESS_INBOUND_TASK,
  maxAttempts: PROCESSING_MAX_ATTEMPTS,
} as const

/**
 * The inbound queue: signed messages from connected vaults, stored once by message id and
 * acknowledged, then processed in per-key order by the processor of their integration point; a
 * message that fails for good raises its User Exception Message (B11).
 */
export class InboundProcessing {
  readonly #context: MessagingContext
  readonly #authenticator: CallbackAuthenticator
  readonly #environment: RemoteEnvironment
  readonly #processors = new Map<string, MessageProcessor>()

  constructor(
    context: MessagingContext,
    authenticator: CallbackAuthenticator,
    environment: RemoteEnvironment,
  ) {
    this.#context = context
    this.#authenticator = authenticator
    this.#environment = environment
  }

  /** The processor of one integration point's inbound messages (one per point; a second replaces it). */
  registerProcessor(integrationPoint: string, processor: MessageProcessor): void {
    this.#processors.set(integrationPoint, processor)
  }

  /**
   * Accepts a signed message posted by a connected vault: verifies it (B2), refuses an unknown or
   * inactive connection, a sandbox sending to production (B3, recorded as an exception) and a
   * message of an integration point this vault has no processor for (INTEGRATION_POINT_UNKNOWN),
   * stores it and its processing job in one transaction, and acknowledges. A message id already in
   * the queue is acknowledged and ignored.
   */
  async receive(request: IncomingSignedRequest): Promise<{ messageId: string; duplicate: boolean }> {
    const { db, vaultName } = this.#context
    const vaultId = claimedVaultId(request)
    if (vaultId === undefined)
      throw new LiaisonError(
        'SESSION_INVALID',
        'The message is not signed: X-Liaison-Vault-Id, X-Liaison-Timestamp, X-Liaison-Message-Id and X-Liaison-Signature are all required.',
      )
    const connection = await findConnectionByRemoteVault(db, vaultId)
    if (connection === undefined || connection.remotePublicKey === '')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `This vault (${vaultName}) has no connection with vault ${vaultId}; messages are accepted only through an established connection.`,
      )
    await this.#authenticator.verifyFrom(request, connection)
    if (connection.status !== 'active__v')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${connection.apiName} in vault ${vaultName} is ${describeConnectionStatus(connection.status)}; it accepts no messages.`,
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
    if (this.#environment === 'production' && connection.remoteEnvironment === 'sandbox') {
      await this.#refuseFromSandbox(connection, wire)
      throw sandboxRefusal(connection, `message ${wire.message_id} (${wire.integration_point})`)
    }
    // Refused before it is stored: no try here could ever succeed, so the sender learns it at
    // once (a permanent error: its message is dead, with its User Exception Message) instead of
    // this vault retrying it PROCESSING_MAX_ATTEMPTS times.
    if (!this.#processors.has(wire.integration_point))
      throw new LiaisonError(
        'INTEGRATION_POINT_UNKNOWN',
        `Vault ${vaultName} has no inbound integration point ${wire.integration_point} on connection ${connection.apiName}; message ${wire.message_id} was refused. It processes ${[...this.#processors.keys()].sort().join(', ') || 'no messages'}. Check that both vaults run the same Liaison release.`,
      )
    const now = isoTimestamp(this.#context.clock)
    const inserted = await db.transaction().execute(async (trx) => {
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
      if (added)
        await this.#enqueueProcessing(trx, {
          id: wire.message_id,
          connectionId: connection.id,
          orderingKey: wire.ordering_key,
        })
      return added
    })
    if (inserted) this.#context.jobs.nudge()
    const stored = await this.message(wire.message_id)
    if (stored !== undefined)
      this.#context.events.emit('inbound:received', { message: stored, duplicate: !inserted })
    return { messageId: wire.message_id, duplicate: !inserted }
  }

  async message(
    messageId: string,
    db: Kysely<VaultDb> = this.#context.db,
  ): Promise<InboundMessage | undefined> {
    const row = await db
      .selectFrom('inbound_message')
      .selectAll()
      .where('message_id', '=', messageId)
      .executeTakeFirst()
    return row === undefined ? undefined : toInboundMessage(row)
  }

  /**
   * Queues a failed (or processed) message for processing again, in the caller's transaction.
   * False when it is still waiting for its first run (nothing to do).
   */
  async requeue(trx: Transaction<VaultDb>, messageId: string): Promise<boolean> {
    const message = await this.message(messageId, trx)
    if (message === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `Message ${messageId} is no longer in the inbound queue.`)
    // A processed message may still carry item failures its processor recorded (B11): processors
    // are idempotent, so running it again after the fix is safe.
    if (message.state !== 'failed' && message.state !== 'processed') return false
    await trx
      .updateTable('inbound_message')
      .set({ state: 'received', attempts: 0, last_error: null, last_error_code: null })
      .where('message_id', '=', message.id)
      .execute()
    await this.#enqueueProcessing(trx, message)
    return true
  }

  /** The `process-inbound` job: processes the message, after the earlier waiting ones of its key. */
  async process(payload: { readonly messageId: string }, context: JobContext): Promise<void> {
    const { db } = this.#context
    const message = await this.message(payload.messageId)
    if (message === undefined || message.state !== 'received') return
    const earlier = await earlierOfKey(db, 'inbound_message', message)
    await inKeyOrder(earlier.map(toInboundMessage), message, context, {
      verb: 'processed',
      run: (next) => this.#processOne(next),
      fail: (failed, failure) => this.#markFailed(failed, failure),
    })
  }

  /** A processing job that used up its attempts without concluding (e.g. the process died each time). */
  async deadJob(messageId: string, failure: Failure): Promise<void> {
    const message = await this.message(messageId)
    if (message?.state === 'received') await this.#markFailed(message, failure)
  }

  #enqueueProcessing(trx: Transaction<VaultDb>, message: KeyedMessage): Promise<void> {
    return enqueueInKeyOrder(this.#context.jobs, trx, PROCESSING, message)
  }

  /** B3: records the refused message on this (production) side, once per message id. */
  async #refuseFromSandbox(connection: ConnectionInfo, wire: WireMessage): Promise<void> {
    const failure: Failure = {
      code: 'OPERATION_NOT_ALLOWED',
      message: `Refused message ${wire.message_id} (${wire.integration_point}) from sandbox vault ${connection.remoteName || connection.remoteVaultId}: a sandbox never populates a production vault (B3).`,
    }
    const exceptionId = await this.#context.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('exception_message__sys')
        .select('id')
        .where('message_id__sys', '=', wire.message_id)
        .executeTakeFirst()
      if (existing !== undefined) return undefined
      return recordException(trx, this.#context.records, connection.apiName, {
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
    this.#context.events.emit('inbound:failed', {
      message: undefined,
      messageId: wire.message_id,
      error: failure,
      exceptionId,
    })
  }

  async #processOne(message: InboundMessage): Promise<Outcome> {
    const { db, records } = this.#context
    const attempt = message.attempts + 1
    const earlierExceptions = await openExceptionIds(db, message.id)
    const connection = await findConnection(db, message.connectionId)
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
          message: `No processor is registered for integration point ${message.integrationPoint} in vault ${this.#context.vaultName}.`,
        }
      else
        try {
          await processor(message, {
            connection,
            remote: this.#context.remote(connection),
            actor: integrationActor(connection, message.id),
          })
          outcome = { kind: 'done' }
        } catch (error) {
          outcome = outcomeOf(failureOf(error))
        }
    }
    const now = isoTimestamp(this.#context.clock)
    if (outcome.kind === 'done') {
      const result = await db
        .updateTable('inbound_message')
        .set({ state: 'processed', attempts: attempt, processed_date: now, last_attempt_date: now })
        .where('message_id', '=', message.id)
        .where('state', '=', 'received')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) > 0) {
        this.#context.events.emit('inbound:processed', {
          message: { ...message, state: 'processed', attempts: attempt },
        })
        await resolveExceptions(db, records, message.id, earlierExceptions)
      }
      return outcome
    }
    await db
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

  async #markFailed(message: InboundMessage, failure: Failure): Promise<void> {
    const { db, records } = this.#context
    const connection = await findConnection(db, message.connectionId)
    let exceptionId: string | undefined
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('inbound_message')
        .set({ state: 'failed', last_error: failure.message, last_error_code: failure.code })
        .where('message_id', '=', message.id)
        .where('state', '=', 'received')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return
      exceptionId = await recordException(trx, records, connection?.apiName, {
        body: exceptionBodyOf('inbound', message),
        errorCode: failure.code,
        errorMessage: `Message ${message.id} (${message.integrationPoint}) from ${connection?.remoteName || 'the remote vault'} could not be processed: ${failure.message}`,
      })
    })
    if (exceptionId !== undefined)
      this.#context.events.emit('inbound:failed', {
        message: { ...message, state: 'failed' },
        messageId: message.id,
        error: failure,
        exceptionId,
      })
  }
}

/** The local integration user a message is processed as, naming the connection and message (B22). */
function integrationActor(connection: ConnectionInfo, messageId: string): RecordActor {
  return {
    userId: connection.localIntegrationUserId || 'system',
    userName: connection.localIntegrationUserName || `Connection ${connection.apiName}`,
    securityProfile: connection.localIntegrationUserId === '' ? 'system' : 'integration_user__sys',
    connection: connection.apiName,
    connectionId: connection.id,
    messageId,
  }
}

import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { defineJobTask, type JobContext } from '../jobs/index.js'
import type { RecordActor } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'
import { describeConnectionStatus, findConnection } from './connection-directory.js'
import { DELIVERY_MAX_ATTEMPTS } from './defaults.js'
import {
  type ExceptionMessageBody,
  exceptionBodyOf,
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
  parseOutboundDraft,
  toOutboundMessage,
  type WireMessage,
} from './message-codec.js'
import type { MessagingContext } from './messaging-context.js'
import type { ConnectionInfo, DeadMessageHandler, OutboundDraft, OutboundMessage } from './messaging-types.js'
import type { QueueDetail, QueueDirectory } from './queue-directory.js'
import { isSuccess, remoteFailure, sendSigned } from './remote-vault.js'

/** The path of the inbound endpoint under `/api/{version}`. */
export const INBOUND_PATH = '/services/connections/inbound'

/** Send one outbound message to its remote vault. */
export const DELIVER_OUTBOUND_TASK = defineJobTask('deliver-outbound', assertMessageIdPayload)

const DELIVERY = { kind: 'deliver', task: DELIVER_OUTBOUND_TASK, maxAttempts: DELIVERY_MAX_ATTEMPTS } as const

/**
 * The outbound queue: messages written in the transaction of the change (transactional outbox),
 * delivered signed to the remote inbound endpoint in per-key order, with retries; a message that
 * fails for good is dead and raises its User Exception Message (B11).
 */
export class OutboundDelivery {
  readonly #context: MessagingContext
  readonly #queues: QueueDirectory
  readonly #deadHandlers = new Map<string, DeadMessageHandler[]>()

  constructor(context: MessagingContext, queues: QueueDirectory) {
    this.#context = context
    this.#queues = queues
  }

  /** Told, in the transaction that marks it dead, of an outbound message of this point that died (B11). */
  onDeadMessage(integrationPoint: string, handler: DeadMessageHandler): void {
    this.#deadHandlers.set(integrationPoint, [...(this.#deadHandlers.get(integrationPoint) ?? []), handler])
  }

  /**
   * Writes a message to the outbound queue and its delivery job in the caller's transaction
   * (transactional outbox): both exist if and only if the change commits. Answers the message id.
   * The connection must be active (B1: without an active connection nothing flows).
   */
  async enqueue(trx: Transaction<VaultDb>, draft: OutboundDraft): Promise<string> {
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
        created_date: isoTimestamp(this.#context.clock),
      })
      .execute()
    await this.#enqueueDelivery(trx, { id, connectionId: d.connectionId, orderingKey: d.orderingKey })
    // The runner's claim waits for this transaction on SQLite; PostgreSQL is notified at commit.
    setImmediate(() => this.#context.jobs.nudge())
    return id
  }

  async message(id: string, db: Kysely<VaultDb> = this.#context.db): Promise<OutboundMessage | undefined> {
    const row = await db.selectFrom('outbound_message').selectAll().where('id', '=', id).executeTakeFirst()
    return row === undefined ? undefined : toOutboundMessage(row)
  }

  /**
   * Queues a dead message (or one no longer in the queue) for delivery again, in the caller's
   * transaction, from its exception's body. False when the message is not dead (nothing to do).
   */
  async requeue(trx: Transaction<VaultDb>, body: ExceptionMessageBody): Promise<boolean> {
    const message = await this.message(body.messageId, trx)
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
          created_date: isoTimestamp(this.#context.clock),
        })
        .execute()
    } else if (message.state === 'dead')
      await trx
        .updateTable('outbound_message')
        .set({ state: 'pending', attempts: 0, last_error: null, last_error_code: null })
        .where('id', '=', message.id)
        .execute()
    else return false
    await this.#enqueueDelivery(trx, { ...body, id: body.messageId })
    return true
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
    await this.#context.db.transaction().execute(async (trx) => {
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
        await this.#enqueueDelivery(trx, {
          id: String(m.id),
          connectionId: queue.connection.id,
          orderingKey: String(m.ordering_key),
        })
    })
    this.#context.jobs.nudge()
    return this.#queues.detail(name)
  }

  /** The `deliver-outbound` job: posts the message, after the earlier pending ones of its key. */
  async deliver(payload: { readonly messageId: string }, context: JobContext): Promise<void> {
    const message = await this.message(payload.messageId)
    if (message === undefined || message.state !== 'pending') return
    const { db } = this.#context
    const connection = await findConnection(db, message.connectionId)
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
    const earlier = await earlierOfKey(db, 'outbound_message', message)
    await inKeyOrder(earlier.map(toOutboundMessage), message, context, {
      verb: 'delivered',
      run: (next) => this.#post(connection, next),
      fail: (failed, failure) => this.#markDead(failed, failure),
    })
  }

  /** A delivery job that used up its attempts without concluding (e.g. the process died each time). */
  async deadJob(messageId: string, failure: Failure): Promise<void> {
    const message = await this.message(messageId)
    if (message?.state === 'pending') await this.#markDead(message, failure)
  }

  #enqueueDelivery(trx: Transaction<VaultDb>, message: KeyedMessage): Promise<void> {
    return enqueueInKeyOrder(this.#context.jobs, trx, DELIVERY, message)
  }

  /** Posts one message; never throws: the outcome says whether to retry. */
  async #post(connection: ConnectionInfo, message: OutboundMessage): Promise<Outcome> {
    const { clock, db, events, signer } = this.#context
    const attempt = message.attempts + 1
    const now = isoTimestamp(clock)
    const wire: WireMessage = {
      message_id: message.id,
      vault_id: this.#context.vaultId,
      vault_name: this.#context.vaultName,
      integration_point: message.integrationPoint,
      ordering_key: message.orderingKey,
      enter_queue_timestamp: message.createdDate,
      send_message_timestamp: now,
      send_attempt: attempt,
      message: { items: message.items, attributes: message.attributes },
    }
    let outcome: Outcome
    try {
      const response = await sendSigned(signer, clock, {
        baseUrl: connection.remoteUrl,
        recipientVaultId: connection.remoteVaultId,
        method: 'POST',
        path: INBOUND_PATH,
        body: wire,
        remoteName: `Vault ${connection.remoteName || connection.remoteVaultId} (${connection.remoteUrl})`,
        signal: this.#context.closing,
      })
      outcome = isSuccess(response.body)
        ? { kind: 'done' }
        : outcomeOf(
            failureOf(remoteFailure(`Vault ${connection.remoteName || connection.remoteVaultId}`, response)),
          )
    } catch (error) {
      outcome = outcomeOf(failureOf(error))
    }
    const after = isoTimestamp(clock)
    if (outcome.kind === 'done') {
      const result = await db
        .updateTable('outbound_message')
        .set({ state: 'delivered', attempts: attempt, delivered_date: after, last_attempt_date: after })
        .where('id', '=', message.id)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      const delivered = { ...message, state: 'delivered' as const, attempts: attempt, deliveredDate: after }
      events.emit('delivery:attempt', { message: delivered, attempt })
      if (Number(result.numUpdatedRows) > 0) {
        events.emit('delivery:delivered', { message: delivered })
        await resolveExceptions(db, this.#context.records, message.id)
      }
      return outcome
    }
    await db
      .updateTable('outbound_message')
      .set({
        attempts: attempt,
        last_attempt_date: after,
        last_error: outcome.message,
        last_error_code: outcome.code,
      })
      .where('id', '=', message.id)
      .execute()
    events.emit('delivery:attempt', {
      message: { ...message, attempts: attempt, lastError: outcome.message, lastErrorCode: outcome.code },
      attempt,
      error: { code: outcome.code, message: outcome.message, retry: outcome.kind === 'retry' },
    })
    return outcome
  }

  /** Marks a pending message dead and raises its User Exception Message, in one transaction. */
  async #markDead(message: OutboundMessage, failure: Failure): Promise<void> {
    const { db, records } = this.#context
    const connection = await findConnection(db, message.connectionId)
    let exceptionId: string | undefined
    const dead: OutboundMessage = {
      ...message,
      state: 'dead',
      lastError: failure.message,
      lastErrorCode: failure.code,
    }
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('outbound_message')
        .set({ state: 'dead', last_error: failure.message, last_error_code: failure.code })
        .where('id', '=', message.id)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return
      exceptionId = await recordException(trx, records, connection?.apiName, {
        body: exceptionBodyOf('outbound', message),
        errorCode: failure.code,
        errorMessage: `Message ${message.id} (${message.integrationPoint}, ${message.items.length} item${message.items.length === 1 ? '' : 's'}) could not be delivered to ${connection?.remoteName || 'the remote vault'}: ${failure.message}`,
      })
      for (const handler of this.#deadHandlers.get(message.integrationPoint) ?? [])
        await handler(trx, dead, failure)
    })
    if (exceptionId !== undefined)
      this.#context.events.emit('delivery:dead', { message: dead, error: failure, exceptionId })
  }
}

import type { Transaction } from 'kysely'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { ObjectAction, RecordResult } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'
import { messagingActor, parseExceptionBody } from './exception-messages.js'
import type { InboundProcessing } from './inbound-processing.js'
import type { MessagingContext } from './messaging-context.js'
import type { OutboundDelivery } from './outbound-delivery.js'

/** What reprocessing an exception did: which queue its message is in, and whether it was queued again. */
export interface ReprocessResult {
  readonly kind: 'outbound' | 'inbound'
  readonly messageId: string
  readonly requeued: boolean
}

/**
 * B11: an admin reprocesses a User Exception Message after fixing the data or the configuration:
 * its dead outbound message is sent again, or its failed inbound message processed again.
 */
export class Reprocessing {
  readonly #context: MessagingContext
  readonly #outbound: OutboundDelivery
  readonly #inbound: InboundProcessing

  constructor(context: MessagingContext, outbound: OutboundDelivery, inbound: InboundProcessing) {
    this.#context = context
    this.#outbound = outbound
    this.#inbound = inbound
  }

  /**
   * Sends a dead outbound message again, or processes a failed inbound one again, from its User
   * Exception Message, in the caller's transaction. Counts the reprocessing on the exception; the
   * exception is resolved when the message goes through.
   */
  async reprocessIn(trx: Transaction<VaultDb>, exceptionId: string): Promise<ReprocessResult> {
    const row = await trx
      .selectFrom('exception_message__sys')
      .select(['id', 'message_body_json__sys', 'reprocess_count__sys'])
      .where('id', '=', exceptionId)
      .executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError('RECORD_NOT_FOUND', `No exception_message__sys record has id ${exceptionId}.`)
    const body = parseExceptionBody(row.message_body_json__sys, exceptionId)
    let requeued: boolean
    if (body.kind === 'outbound') requeued = await this.#outbound.requeue(trx, body)
    else {
      if (body.refused === true)
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          `Message ${body.messageId} was refused when it arrived (a sandbox never populates production, B3) and was never stored; it cannot be reprocessed here.`,
        )
      requeued = await this.#inbound.requeue(trx, body.messageId)
    }
    await this.#context.records.updateIn(
      trx,
      messagingActor(undefined, body.messageId),
      'exception_message__sys',
      [
        {
          id: exceptionId,
          values: {
            reprocess_count__sys: Number(row.reprocess_count__sys ?? 0) + 1,
            last_reprocessed_date__sys: isoTimestamp(this.#context.clock),
          },
        },
      ],
    )
    if (requeued) setImmediate(() => this.#context.jobs.nudge())
    return { kind: body.kind, messageId: body.messageId, requeued }
  }

  /** B11: `reprocess__sys` reprocesses an open exception's message and moves it to reprocessing. */
  action(): ObjectAction {
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
            await this.reprocessIn(trx, id)
            const [moved] = await this.#context.records.transitionIn(
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
}

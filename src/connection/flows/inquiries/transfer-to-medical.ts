import type { Transaction } from 'kysely'
import type { DeadMessageHandler } from '../../../platform/messaging/index.js'
import type { ObjectAction, RecordActor, RecordResult, StoredRow } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'
import { transferProblems } from './inquiry-validation.js'

function picklist(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  return String(value).split(',')[0] ?? null
}

function failure(
  message: string,
  type: 'OPERATION_NOT_ALLOWED' | 'INVALID_DATA' = 'OPERATION_NOT_ALLOWED',
): RecordResult {
  return { responseStatus: 'FAILURE', errors: [{ type, message }] }
}

/**
 * B5: `transfer_to_medical__v` on `medical_inquiry__v`, single or bulk. Validates each inquiry, sets
 * `transfer_status__v = pending__v` and writes one message with the ids to the outbound queue, all
 * in the action's transaction. Pending or transferred inquiries are refused.
 */
export function transferToMedicalAction(vault: FlowVault): ObjectAction {
  return {
    name: 'transfer_to_medical__v',
    label: 'Transfer to Medical',
    availableFor: (row) => {
      const status = picklist(row.transfer_status__v)
      return status !== 'pending__v' && status !== 'success__v'
    },
    async run(
      trx: Transaction<VaultDb>,
      actor: RecordActor,
      inquiries: readonly StoredRow[],
    ): Promise<RecordResult[]> {
      // Read inside the action's transaction: the connection cannot change while the inquiries are queued.
      const active = await trx
        .selectFrom('connection__sys')
        .select('id')
        .where('status__v', '=', 'active__v')
        .orderBy('created_date__v')
        .executeTakeFirst()
      const connection =
        active === undefined ? undefined : await vault.messaging.connection(String(active.id), trx)
      if (connection === undefined)
        return inquiries.map(() =>
          failure(
            'This CRM has no active connection to a Medical Vault; ask an admin to connect one, then transfer again.',
          ),
        )
      const results: RecordResult[] = []
      const ready: string[] = []
      for (const inquiry of inquiries) {
        const id = String(inquiry.id)
        const status = picklist(inquiry.transfer_status__v)
        if (status === 'pending__v' || status === 'success__v') {
          results.push(
            failure(
              `Inquiry ${String(inquiry.name__v)} is ${status === 'pending__v' ? 'already being transferred' : 'already transferred'}; it cannot be transferred again.`,
            ),
          )
          continue
        }
        const problems = transferProblems({
          ...inquiry,
          delivery_method__v: picklist(inquiry.delivery_method__v),
        })
        if (problems.length > 0) {
          results.push(
            failure(
              `Inquiry ${String(inquiry.name__v)} cannot be transferred yet. ${problems.join(' ')}`,
              'INVALID_DATA',
            ),
          )
          continue
        }
        ready.push(id)
        results.push({ responseStatus: 'SUCCESS', id })
      }
      if (ready.length === 0) return results
      // B3, B11: a sandbox never populates production; say so at once instead of queueing.
      const sandboxIntoProduction =
        vault.environment === 'sandbox' && connection.remoteEnvironment === 'production'
      const values = sandboxIntoProduction
        ? {
            transfer_status__v: 'failure__v',
            transfer_error__v: `This sandbox CRM cannot send inquiries to the production Medical Vault ${connection.remoteName}; transfer from the production CRM instead.`,
          }
        : { transfer_status__v: 'pending__v', transfer_error__v: null }
      // The transfer status is the connection's field: the rep asks, the connection writes it in the rep's name.
      const written = await vault.records.updateIn(
        trx,
        { ...actor, connection: connection.apiName },
        'medical_inquiry__v',
        ready.map((id) => ({ id, values })),
      )
      const failedWrite = written.find((w) => w.responseStatus === 'FAILURE')
      if (failedWrite !== undefined) throw new Error(failedWrite.errors?.map((e) => e.message).join(' '))
      if (sandboxIntoProduction) {
        const message = values.transfer_error__v!
        return results.map((r) => (r.responseStatus === 'SUCCESS' ? failure(message) : r))
      }
      await vault.messaging.enqueueOutbound(trx, {
        connectionId: connection.id,
        integrationPoint: INTEGRATION_POINTS.inquiryOutbound,
        items: ready,
        orderingKey: `inquiry-transfer:${ready[0]}`,
      })
      return results
    },
  }
}

/** B10: a transferred inquiry can no longer be updated or deleted, except by the connection's status updates. */
export function transferredInquiryGuard(
  row: StoredRow,
  _change: unknown,
  actor: RecordActor,
): string | undefined {
  if (picklist(row.transfer_status__v) !== 'success__v' || actor.connection !== undefined) return undefined
  return `Inquiry ${String(row.name__v)} was transferred to Medical (case ${String(row.case_number__v ?? '')}) and can no longer be changed; the Medical Vault keeps it up to date.`
}

/**
 * B3, B11: when a Transfer to Medical message dies (the Medical Vault refused it, or it could not
 * be delivered after every retry), its pending inquiries become `failure__v` with the reason.
 */
export function failTransfersOfDeadMessage(vault: FlowVault): DeadMessageHandler {
  return async (trx, message, failure) => {
    const pending = await trx
      .selectFrom('medical_inquiry__v')
      .select('id')
      .where('id', 'in', [...message.items])
      .where('transfer_status__v', '=', 'pending__v')
      .execute()
    if (pending.length === 0) return
    const connection = await vault.messaging.connection(message.connectionId, trx)
    const actor = connection === undefined ? SYSTEM_TRANSFER_ACTOR : connectionActor(connection, message.id)
    await vault.records.updateIn(
      trx,
      actor,
      'medical_inquiry__v',
      pending.map((row) => ({
        id: String(row.id),
        values: {
          transfer_status__v: 'failure__v',
          transfer_error__v: `The Medical Vault did not take this inquiry: ${failure.message} Fix the cause, then transfer again.`,
        },
      })),
    )
  }
}

const SYSTEM_TRANSFER_ACTOR: RecordActor = {
  userId: 'system',
  userName: 'System',
  securityProfile: 'system',
  connection: 'medical_crm__v',
}

import { isoTimestamp } from '../../../platform/clock/index.js'
import type { MessageProcessor } from '../../../platform/messaging/index.js'
import { vqlString, vqlStringList } from '../../../platform/vql/index.js'
import { type FlowVault, parseRecordIds } from '../flow-ports.js'

/**
 * The CRM's processor for transfer results: asks the Medical Vault which inquiries now have a
 * Case Request (B10: success, case number, transferred date, locked) and why the others failed
 * (B11: `failure__v` and a `transfer_error__v` a rep understands). Only pending inquiries, and
 * failed ones that now have a case, change, so a repeated or late result never undoes a newer state.
 */
export function applyTransferResults(vault: FlowVault): MessageProcessor {
  return async (message, { remote, actor }) => {
    const { ids } = parseRecordIds(message.items)
    if (ids.length === 0) return
    const org = String(vault.vaultId)
    const created = await remote.query(
      `SELECT crm_id__v, case__vr.name__v FROM case_request__v WHERE crm_org__v = ${vqlString(org)} AND crm_id__v CONTAINS ${vqlStringList(ids)}`,
    )
    const caseNumbers = new Map(
      created.data.map((r) => [String(r.crm_id__v), String(r['case__vr.name__v'] ?? '')]),
    )
    const missing = ids.filter((id) => !caseNumbers.has(id))
    const reasons = new Map<string, string>()
    if (missing.length > 0) {
      const failed = await remote.query(
        `SELECT item_key__sys, error_message__sys, created_date__v FROM exception_item__sys WHERE item_key__sys CONTAINS ${vqlStringList(missing)} ORDER BY created_date__v DESC`,
      )
      for (const row of failed.data) {
        const key = String(row.item_key__sys)
        if (!reasons.has(key)) reasons.set(key, String(row.error_message__sys ?? ''))
      }
    }
    const now = isoTimestamp(vault.clock)
    await vault.storage.db.transaction().execute(async (trx) => {
      const pending = await trx
        .selectFrom('medical_inquiry__v')
        .select(['id', 'medical_inquiry_case_status__v', 'transfer_status__v'])
        .where('id', 'in', ids)
        .where('transfer_status__v', 'in', ['pending__v', 'failure__v'])
        .execute()
      const updates = pending.flatMap((row) => {
        const id = String(row.id)
        const caseNumber = caseNumbers.get(id)
        // A failed transfer an admin reprocessed in Medical (B11) succeeds now; a failure never undoes a success.
        if (caseNumber === undefined && row.transfer_status__v !== 'pending__v') return []
        if (caseNumber !== undefined)
          return {
            id,
            values: {
              transfer_status__v: 'success__v',
              transfer_error__v: null,
              case_number__v: caseNumber,
              transferred_date__v: now,
              ...(row.medical_inquiry_case_status__v === null
                ? { medical_inquiry_case_status__v: 'new__v' }
                : {}),
            },
          }
        return {
          id,
          values: {
            transfer_status__v: 'failure__v',
            transfer_error__v:
              reasons.get(id) ??
              'The Medical Vault could not create a case for this inquiry; an admin can see why in its User Exception Messages.',
          },
        }
      })
      if (updates.length > 0) await vault.records.updateIn(trx, actor, 'medical_inquiry__v', updates)
    })
  }
}

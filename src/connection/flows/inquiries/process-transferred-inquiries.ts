import { isoTimestamp } from '../../../platform/clock/index.js'
import {
  type InboundMessage,
  type MessageProcessor,
  recordException,
} from '../../../platform/messaging/index.js'
import { INTEGRATION_POINTS, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { assertRecordIds, type FlowVault, holdRecord, vqlIdList, yieldToEventLoop } from '../flow-ports.js'
import { medicalLookupResolvers } from './medical-lookups.js'
import { INQUIRY_BASE_FIELDS, receiveInquiry } from './receive-inquiry.js'

/**
 * The Medical Vault's processor for Transfer to Medical messages: one VQL callback for all items,
 * then each inquiry in its own transaction (one bad record never fails the others), failures as a
 * User Exception Message, and a reply so the CRM sets success or failure (B8–B11).
 */
export function processTransferredInquiries(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    const db = vault.storage.db
    const ids = assertRecordIds(message.items)
    const failures: { key: string; errorType: string; message: string }[] = message.items
      .filter((id) => !ids.includes(id))
      .map((id) => ({ key: id, errorType: 'INVALID_DATA', message: `"${id}" is not a record id.` }))
    const refused =
      vault.environment === 'production' && connection.remoteEnvironment === 'sandbox'
        ? `The sandbox CRM ${connection.remoteName} cannot populate this production Medical Vault (B3); transfer from a production CRM.`
        : undefined
    if (refused !== undefined)
      for (const id of ids) failures.push({ key: id, errorType: 'OPERATION_NOT_ALLOWED', message: refused })
    else if (ids.length > 0) {
      const rules = await loadRuleSet(db, connection.id)
      const ruleFields = [...rules.rules.values()]
        .filter((r) => r.active && r.primaryQueryObject === 'medical_inquiry__v')
        .flatMap((r) => queryFieldsFor(r.fieldRules, 'medical_inquiry__v'))
      // B6: under the inquiry-only agreement no Account field is even read.
      const inquiryOnly = rules.rules.get('do_not_pull_from_accounts_integration_rule__v')?.active === true
      const fields = [...new Set([...INQUIRY_BASE_FIELDS, ...ruleFields])].filter(
        (f) => !inquiryOnly || !f.startsWith('account__vr.'),
      )
      const { data } = await remote.query(
        `SELECT ${fields.join(', ')} FROM medical_inquiry__v WHERE id CONTAINS ${vqlIdList(ids)}`,
      )
      const byId = new Map(data.map((row) => [String(row.id), row]))
      for (const id of ids) {
        await yieldToEventLoop()
        const inquiry = byId.get(id)
        if (inquiry === undefined) {
          failures.push({
            key: id,
            errorType: 'INVALID_DATA',
            message: `Inquiry ${id} is not readable in ${connection.remoteName}.`,
          })
          continue
        }
        try {
          const outcome = await db.transaction().execute(async (trx) => {
            // B8: the same inquiry may arrive in two messages processed side by side (a redelivery,
            // a reprocess); items of one connection take turns, so the second finds the first's case.
            await holdRecord(trx, 'connection__sys', connection.id)
            return receiveInquiry(
              trx,
              vault.records,
              actor,
              { connectionId: connection.id, crmOrg: connection.remoteVaultId },
              rules,
              inquiry,
              // Lookups read inside the item's transaction, so they see what it wrote so far.
              medicalLookupResolvers(trx),
              isoTimestamp(vault.clock),
            )
          })
          if (outcome.kind === 'failed')
            failures.push({ key: id, errorType: outcome.code, message: outcome.reason })
          else if (outcome.kind === 'created' && outcome.conflict !== undefined)
            failures.push({ key: id, errorType: 'CONTACT_MATCH_CONFLICT', message: outcome.conflict })
        } catch (error) {
          failures.push({
            key: id,
            errorType: 'INVALID_DATA',
            message: error instanceof Error ? error.message : String(error),
          })
        }
      }
    }
    await db.transaction().execute(async (trx) => {
      const failed = failures.filter((f) => f.errorType !== 'CONTACT_MATCH_CONFLICT')
      if (failures.length > 0)
        await recordException(trx, vault.records, connection.apiName, {
          body: {
            kind: 'inbound',
            messageId: message.id,
            connectionId: connection.id,
            integrationPoint: message.integrationPoint,
            orderingKey: message.orderingKey,
            items: message.items,
            attributes: message.attributes,
          },
          errorCode: failed[0]?.errorType ?? 'CONTACT_MATCH_CONFLICT',
          errorMessage: `${failures.length} of ${message.items.length} transferred inquiries from ${connection.remoteName} need attention: ${failures[0]!.message}`,
          failedItems: failures.map((f) => ({ key: f.key, errorCode: f.errorType, message: f.message })),
        })
      await vault.messaging.enqueueOutbound(trx, {
        connectionId: connection.id,
        integrationPoint: INTEGRATION_POINTS.inquiryResultOutbound,
        items: message.items,
        orderingKey: message.orderingKey,
      })
    })
  }
}

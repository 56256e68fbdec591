import { sql } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import {
  exceptionBodyOf,
  type InboundMessage,
  type MessageProcessor,
  recordException,
} from '../../../platform/messaging/index.js'
import { holdRecord } from '../../../platform/storage/index.js'
import { vqlStringList } from '../../../platform/vql/index.js'
import { INTEGRATION_POINTS, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { type FlowVault, parseRecordIds, yieldToEventLoop } from '../flow-ports.js'
import { medicalLookupResolvers } from '../shared/medical-lookups.js'
import { INQUIRY_BASE_FIELDS, type ReceiveOutcome, receiveInquiries } from './receive-inquiry.js'

/** Inquiries written per transaction while processing one message. */
export const ITEMS_PER_TRANSACTION = 100

/**
 * The Medical Vault's processor for Transfer to Medical messages: one VQL callback for all items,
 * then the inquiries in groups, each group written object by object behind a savepoint (one bad
 * record never fails the others: a refused group is received again item by item), failures as a
 * User Exception Message, and a reply so the CRM sets success or failure (B8–B11).
 */
export function processTransferredInquiries(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    const db = vault.storage.db
    const { ids, invalid } = parseRecordIds(message.items)
    const failures: { key: string; errorType: string; message: string }[] = invalid.map((id) => ({
      key: id,
      errorType: 'INVALID_DATA',
      message: `"${id}" is not a record id.`,
    }))
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
        `SELECT ${fields.join(', ')} FROM medical_inquiry__v WHERE id CONTAINS ${vqlStringList(ids)}`,
      )
      const byId = new Map(data.map((row) => [String(row.id), row]))
      const missing = ids.filter((id) => !byId.has(id))
      for (const id of missing)
        failures.push({
          key: id,
          errorType: 'INVALID_DATA',
          message: `Inquiry ${id} is not readable in ${connection.remoteName}.`,
        })
      const readable = [...new Set(ids)].filter((id) => byId.has(id))
      // One look-up per country code per message, not per inquiry.
      const countries = new Map<string, string | undefined>()
      // One commit per group of items rather than per item: each commit is a disk sync. Yielding
      // between groups keeps the vault answering while a 500-item message is processed.
      for (let start = 0; start < readable.length; start += ITEMS_PER_TRANSACTION) {
        await yieldToEventLoop()
        const group = readable.slice(start, start + ITEMS_PER_TRANSACTION)
        await db.transaction().execute(async (trx) => {
          // B8: the same inquiry may arrive in two messages processed side by side (a redelivery,
          // a reprocess); groups of one connection take turns, so the second finds the first's case.
          await holdRecord(trx, 'connection__sys', connection.id)
          const resolvers = medicalLookupResolvers(trx, countries)
          const receive = (rows: readonly Readonly<Record<string, unknown>>[]) =>
            receiveInquiries(
              trx,
              vault.records,
              actor,
              { connectionId: connection.id, crmOrg: connection.remoteVaultId },
              rules,
              rows,
              resolvers,
              isoTimestamp(vault.clock),
            )
          const note = (id: string, outcome: ReceiveOutcome | undefined) => {
            if (outcome?.kind === 'failed')
              failures.push({ key: id, errorType: outcome.code, message: outcome.reason })
            else if (outcome?.kind === 'created' && outcome.conflict !== undefined)
              failures.push({ key: id, errorType: 'CONTACT_MATCH_CONFLICT', message: outcome.conflict })
          }
          // The whole group first, written object by object; if the records module refuses one
          // write, the group is undone and its inquiries received one by one, so that only the one
          // at fault fails (B11).
          await sql`savepoint inquiry_group`.execute(trx)
          try {
            const outcomes = await receive(group.map((id) => byId.get(id)!))
            await sql`release savepoint inquiry_group`.execute(trx)
            for (const id of group) note(id, outcomes.get(id))
            return
          } catch {
            await sql`rollback to savepoint inquiry_group`.execute(trx)
            await sql`release savepoint inquiry_group`.execute(trx)
          }
          for (const id of group) {
            await sql`savepoint inquiry_item`.execute(trx)
            try {
              const outcomes = await receive([byId.get(id)!])
              await sql`release savepoint inquiry_item`.execute(trx)
              note(id, outcomes.get(id))
            } catch (error) {
              await sql`rollback to savepoint inquiry_item`.execute(trx)
              await sql`release savepoint inquiry_item`.execute(trx)
              failures.push({
                key: id,
                errorType: 'INVALID_DATA',
                message: error instanceof Error ? error.message : String(error),
              })
            }
          }
        })
      }
    }
    await db.transaction().execute(async (trx) => {
      const failed = failures.filter((f) => f.errorType !== 'CONTACT_MATCH_CONFLICT')
      if (failures.length > 0)
        await recordException(trx, vault.records, connection.apiName, {
          body: exceptionBodyOf('inbound', message),
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

// B8, B13, B24: messages delivered twice and out of order between two vaults served over HTTP.
// Every message is sent again under its own id (acknowledged as a duplicate), copied under a new
// id so its processor runs again beside or before the original, and replayed late in reverse
// order; a held callback answer makes an older Case Request state arrive after a newer one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS, PULL_WATERMARK_TASK } from '../../src/connection/index.js'
import {
  type ConnectionInfo,
  INBOUND_PATH,
  type OutboundMessage,
  queueName,
  sendSigned,
  type WireMessage,
} from '../../src/platform/messaging/index.js'
import type { Vault } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import { type HoldingProxy, startHoldingProxy } from '../support/holding-proxy.js'
import {
  connectVaults,
  createInquiries,
  inquiriesById,
  type Json,
  pick,
  type ServedVault,
  startServedVault,
  transferInquiries,
} from '../support/served-vaults.js'

let medical: ServedVault
let crm: ServedVault
let proxy: HoldingProxy
let onMedical: ConnectionInfo
let onCrm: ConnectionInfo

/** Pulls here run on nudges and on request only: a scheduled one would be a third, unplanned pull. */
function withoutScheduledPulls(vault: Vault): void {
  vault.handleJobs(PULL_WATERMARK_TASK, async () => {})
}

/** Messages each side sent (originals only), in the order they were delivered. */
const delivered: {
  from: ServedVault
  to: ServedVault
  connection: () => ConnectionInfo
  message: OutboundMessage
}[] = []
/** Work the duplicator started and has not finished. */
const inFlight = new Set<Promise<void>>()
const duplicateAnswers: boolean[] = []

function wireOf(from: ServedVault, message: OutboundMessage): WireMessage {
  const now = new Date().toISOString()
  return {
    message_id: message.id,
    vault_id: String(from.vault.id),
    vault_name: from.name,
    integration_point: message.integrationPoint,
    ordering_key: message.orderingKey,
    enter_queue_timestamp: message.createdDate,
    send_message_timestamp: now,
    send_attempt: message.attempts + 1,
    message: { items: [...message.items], attributes: { ...message.attributes } },
  }
}

/** The message again, as a new message with the same items under its own ordering key. */
async function copyOf(from: ServedVault, message: OutboundMessage, orderingKey: string): Promise<string> {
  return from.vault.storage.db.transaction().execute((trx) =>
    from.vault.messaging.enqueueOutbound(trx, {
      connectionId: message.connectionId,
      integrationPoint: message.integrationPoint,
      items: [...message.items],
      attributes: { copy_of: message.id },
      orderingKey,
    }),
  )
}

/**
 * Delivers every message `from` sends twice more: the same message id again, signed anew (a sender
 * that lost the acknowledgement), and a copy under a new id and ordering key, so that the
 * receiver's processor runs again beside or before the original's run.
 */
function duplicateEveryDelivery(from: ServedVault, to: ServedVault, connection: () => ConnectionInfo): void {
  from.vault.messaging.events.on('delivery:delivered', ({ message }) => {
    if (message.attributes.copy_of !== undefined) return
    delivered.push({ from, to, connection, message })
    const work = (async () => {
      const answer = await sendSigned(from.vault.messaging.signer, from.vault.clock, {
        baseUrl: connection().remoteUrl,
        recipientVaultId: connection().remoteVaultId,
        method: 'POST',
        path: INBOUND_PATH,
        body: wireOf(from, message),
      })
      duplicateAnswers.push((answer.body.data as { duplicate?: boolean } | undefined)?.duplicate === true)
      await copyOf(from, message, `copy:${message.id}`)
    })()
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  })
}

async function queueCounts(node: ServedVault, connection: ConnectionInfo): Promise<number[]> {
  const counts: number[] = []
  for (const type of ['outbound', 'inbound'] as const) {
    const body = await node.call('GET', `/services/queues/${queueName(connection, type)}`)
    const data = body.data as { messages_in_queue: number; messages_failed: number }
    counts.push(data.messages_in_queue, data.messages_failed)
  }
  return counts
}

/** Nothing left to deliver or process on either side, nothing failed, and the duplicator is done. */
async function expectQuiet(): Promise<void> {
  await expectEventually(
    async () => {
      expect(inFlight.size).toBe(0)
      expect([...(await queueCounts(medical, onMedical)), ...(await queueCounts(crm, onCrm))]).toEqual([
        0, 0, 0, 0, 0, 0, 0, 0,
      ])
      expect(inFlight.size).toBe(0)
    },
    { timeoutMs: 60_000 },
  )
}

async function caseRequestsOf(ids: readonly string[]): Promise<Json[]> {
  const rows = await medical.query(
    `SELECT id, crm_id__v, case__v, modified_date__v, state__v FROM case_request__v WHERE crm_org__v = '${crm.vault.id}' PAGESIZE 1000`,
  )
  return rows.filter((r) => ids.includes(String(r.crm_id__v)))
}

async function runAction(node: ServedVault, object: string, ids: readonly string[], action: string) {
  const body = await node.call(
    'POST',
    `/vobjects/${object}/actions/${action}`,
    new URLSearchParams({ ids: ids.join(',') }),
  )
  expect(body.responseStatus, JSON.stringify(body).slice(0, 400)).toBe('SUCCESS')
  for (const r of body.data as { responseStatus: string }[]) expect(r.responseStatus).toBe('SUCCESS')
}

/** The values a field took over time, oldest first, from the record's audit trail. */
async function history(node: ServedVault, object: string, id: string, field: string): Promise<string[]> {
  const body = await node.call('GET', `/vobjects/${object}/${id}/audittrail?limit=1000`)
  expect(body.responseStatus, JSON.stringify(body).slice(0, 400)).toBe('SUCCESS')
  return (
    body.data as { field_name: string | null; new_value: string | null; timestamp: string; id: string }[]
  )
    .filter((e) => e.field_name === field)
    .sort((a, b) =>
      a.timestamp === b.timestamp ? Number(a.id) - Number(b.id) : a.timestamp < b.timestamp ? -1 : 1,
    )
    .map((e) => String(e.new_value))
}

/** True when `values` only moves forward along `order` (repeats allowed, no step back). */
function forwardOnly(values: readonly string[], order: readonly string[]): boolean {
  const ranks = values.map((v) => order.findIndex((o) => v.includes(o)))
  return ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]!))
}

beforeAll(async () => {
  const options = { setup: [withoutScheduledPulls] }
  medical = await startServedVault('medical', medicalProfile, options)
  crm = await startServedVault('crm-na', crmProfile, options)
  proxy = await startHoldingProxy(medical.url)
  // The CRM reaches Medical (callbacks and messages) through the proxy.
  ;({ onMedical, onCrm } = await connectVaults(medical, crm, { medicalUrl: proxy.url }))
  expect(onCrm.remoteUrl).toBe(proxy.url)
}, 120_000)

afterAll(async () => {
  await proxy?.close()
  await crm?.destroy()
  await medical?.destroy()
})

describe('messages delivered twice and out of order (B8, B13, B24)', () => {
  it('B8, B13, B24: every message delivered twice and again late in reverse order: one case per inquiry, no status moving backwards', async () => {
    duplicateEveryDelivery(crm, medical, () => onCrm)
    duplicateEveryDelivery(medical, crm, () => onMedical)
    const ids = await createInquiries(crm, 20, 'D')
    // Four messages of five inquiries each.
    for (let i = 0; i < ids.length; i += 5) await transferInquiries(crm, ids.slice(i, i + 5))
    await expectEventually(
      async () => {
        const rows = await inquiriesById(crm, ids)
        expect(ids.map((id) => pick(rows.get(id)?.transfer_status__v))).toEqual(ids.map(() => 'success__v'))
        expect(ids.map((id) => pick(rows.get(id)?.medical_inquiry_case_status__v))).toEqual(
          ids.map(() => 'new__v'),
        )
      },
      { timeoutMs: 60_000 },
    )
    await expectQuiet()

    const requests = await caseRequestsOf(ids)
    const requestOf = new Map(requests.map((r) => [String(r.crm_id__v), String(r.id)]))
    await runAction(medical, 'case_request__v', [...requestOf.values()], 'start__v')
    const closing = ids.slice(0, 10)
    await medical.call(
      'PUT',
      '/vobjects/case_request__v',
      closing.map((id) => ({ id: requestOf.get(id), response_notes__v: `Answered ${id}` })),
    )
    await runAction(
      medical,
      'case_request__v',
      closing.map((id) => requestOf.get(id)!),
      'close__v',
    )
    const expectStatuses = async () => {
      const rows = await inquiriesById(crm, ids)
      expect(ids.map((id) => pick(rows.get(id)?.medical_inquiry_case_status__v))).toEqual(
        ids.map((id) => (closing.includes(id) ? 'closed__v' : 'in_progress__v')),
      )
      expect(ids.map((id) => pick(rows.get(id)?.transfer_status__v))).toEqual(ids.map(() => 'success__v'))
      for (const id of closing) expect(rows.get(id)?.response_notes__v).toBe(`Answered ${id}`)
    }
    await expectEventually(expectStatuses, { timeoutMs: 60_000 })
    await expectQuiet()

    // Every message once more, late and newest first: transfers after their results, nudges of
    // In Progress after those of Closed.
    const originals = [...delivered]
    expect(originals.length).toBeGreaterThanOrEqual(4 + 4 + 2)
    for (const { from, message } of originals.reverse()) await copyOf(from, message, 'late-replay')
    await expectQuiet()
    await expectStatuses()

    // Each original was acknowledged as a duplicate when sent again under its id.
    expect(duplicateAnswers.length).toBe(delivered.length)
    expect(duplicateAnswers.every((d) => d)).toBe(true)
    // One Case and one Case Request per inquiry, however often it arrived.
    const after = await caseRequestsOf(ids)
    expect(after.map((r) => String(r.crm_id__v)).sort()).toEqual([...ids].sort())
    const cases = await medical.query(
      `SELECT id, crm_id__v FROM case__v WHERE crm_org__v = '${crm.vault.id}' PAGESIZE 1000`,
    )
    expect(cases.map((c) => String(c.crm_id__v)).sort()).toEqual([...ids].sort())
    // Nothing failed anywhere.
    for (const node of [medical, crm])
      expect(await node.query('SELECT id, error_message__sys FROM exception_message__sys')).toEqual([])
    // No inquiry's status ever stepped back, not even for a moment.
    for (const id of ids) {
      const transfer = await history(crm, 'medical_inquiry__v', id, 'transfer_status__v')
      expect(transfer.at(-1)).toContain('success__v')
      expect(forwardOnly(transfer, ['pending__v', 'success__v']), `${id}: ${transfer.join(' → ')}`).toBe(true)
      const status = await history(crm, 'medical_inquiry__v', id, 'medical_inquiry_case_status__v')
      expect(status.at(-1)).toContain(closing.includes(id) ? 'closed__v' : 'in_progress__v')
      expect(
        forwardOnly(status, ['new__v', 'in_progress__v', 'closed__v']),
        `${id}: ${status.join(' → ')}`,
      ).toBe(true)
    }
  })

  it('B13: an older Case Request state that arrives after a newer one is ignored (two pulls answered out of order)', async () => {
    const [id] = await createInquiries(crm, 1, 'O')
    await transferInquiries(crm, [id!])
    await expectEventually(
      async () =>
        expect(pick((await inquiriesById(crm, [id!])).get(id!)?.transfer_status__v)).toBe('success__v'),
      { timeoutMs: 30_000 },
    )
    await expectQuiet()
    const [request] = await caseRequestsOf([id!])
    const requestId = String(request!.id)

    // The pull that the In Progress nudge starts gets its answer only after everything below.
    const held = proxy.hold(
      (r) =>
        r.path.endsWith('/query') &&
        new URLSearchParams(r.body).get('q')?.includes('ORDER BY modified_date__v') === true,
    )
    await runAction(medical, 'case_request__v', [requestId], 'start__v')
    await held.arrived
    await medical.call('PUT', '/vobjects/case_request__v', [
      { id: requestId, response_notes__v: 'Closed by phone.' },
    ])
    await runAction(medical, 'case_request__v', [requestId], 'close__v')
    // A second pull, run by an admin, sees Closed and applies it first.
    const run = await crm.call(
      'POST',
      `/services/connections/${onCrm.apiName}/actions/run/${INTEGRATION_POINTS.caseRequestInbound}`,
    )
    expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
    const closed = (await inquiriesById(crm, [id!])).get(id!)!
    expect(pick(closed.medical_inquiry_case_status__v)).toBe('closed__v')
    const [closedRequest] = await caseRequestsOf([id!])
    const closedAt = String(closedRequest!.modified_date__v)
    const [point] = await crm.query(
      `SELECT id, last_successful_run_time__sys FROM integration_point__sys WHERE connection__sys = '${onCrm.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.caseRequestInbound}'`,
    )
    expect(point!.last_successful_run_time__sys).toBe(closedAt)

    // Now the In Progress answer arrives: acknowledged, and ignored.
    held.release()
    await expectQuiet()
    const after = (await inquiriesById(crm, [id!])).get(id!)!
    expect(pick(after.medical_inquiry_case_status__v)).toBe('closed__v')
    expect(after.response_notes__v).toBe('Closed by phone.')
    expect(after.case_request_modified_date__v).toBe(closedAt)
    // Neither the inquiry nor the watermark moved back.
    const status = await history(crm, 'medical_inquiry__v', id!, 'medical_inquiry_case_status__v')
    expect(status.at(-1)).toContain('closed__v')
    expect(forwardOnly(status, ['new__v', 'in_progress__v', 'closed__v']), status.join(' → ')).toBe(true)
    const watermarks = await history(
      crm,
      'integration_point__sys',
      String(point!.id),
      'last_successful_run_time__sys',
    )
    expect(watermarks.at(-1)).toBe(closedAt)
    expect(watermarks, watermarks.join(' → ')).toEqual([...watermarks].sort())
  })
})

// B24: the Medical Vault is unreachable (its server stopped) while reps transfer inquiries. The
// CRM keeps them pending and retries delivery with back-off; when Medical is served again on the
// same port and database, every transfer completes without anyone doing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { type ConnectionInfo, DELIVERY_MAX_ATTEMPTS, queueName } from '../../src/platform/messaging/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import {
  connectVaults,
  createInquiries,
  inquiriesById,
  pick,
  type ServedVault,
  startServedVault,
  transferInquiries,
} from '../support/served-vaults.js'

/**
 * Failed delivery attempts of each message while Medical is down: as many as a one-minute outage
 * costs with the production back-off (attempts at 0, 1, 3, 7, 15, 31 s; the next at 63 s).
 */
const FAILED_ATTEMPTS = 6

let medical: ServedVault
let crm: ServedVault
let onCrm: ConnectionInfo

beforeAll(async () => {
  medical = await startServedVault('medical', medicalProfile)
  // The CRM's retries, shortened: 0.2 s, 0.4 s, 0.8 s, 1.6 s, then every 2 s (±20 %), so its 12
  // attempts span about 17 s instead of about 18 minutes. The embedded job runner takes a
  // back-off on either database (graphile-worker's own, e^attempt seconds, cannot be shortened).
  crm = await startServedVault('crm-na', crmProfile, {
    jobs: { engine: 'table', table: { pollIntervalMs: 20, retry: { baseMs: 200, capMs: 2_000 } } },
  })
  ;({ onCrm } = await connectVaults(medical, crm))
}, 120_000)

afterAll(async () => {
  await crm?.destroy()
  await medical?.destroy()
})

describe('an unreachable Medical Vault (B24)', () => {
  it(`B24: Medical unreachable for ${FAILED_ATTEMPTS} failed delivery attempts of every message (what a minute-long outage costs with production back-off; about 6 s with the test's): transfers stay pending, then complete by themselves when it is back`, async () => {
    const failed = new Map<string, number>()
    crm.vault.messaging.events.on('delivery:attempt', ({ message, error }) => {
      if (error?.retry === true) failed.set(message.id, (failed.get(message.id) ?? 0) + 1)
    })
    const dead: string[] = []
    crm.vault.messaging.events.on('delivery:dead', ({ message }) => dead.push(message.id))

    await medical.stop()
    const down = Date.now()
    const ids = await createInquiries(crm, 30, 'U')
    // Three Transfer to Medical messages of ten inquiries each.
    for (let i = 0; i < ids.length; i += 10) await transferInquiries(crm, ids.slice(i, i + 10))
    const queue = `/services/queues/${queueName(onCrm, 'outbound')}`
    await expectEventually(
      () => {
        expect(failed.size).toBe(3)
        for (const attempts of failed.values()) expect(attempts).toBeGreaterThanOrEqual(FAILED_ATTEMPTS)
      },
      { timeoutMs: 30_000 },
    )
    // While Medical is away the inquiries wait, pending, and the queue says why.
    const waiting = await inquiriesById(crm, ids)
    expect(ids.map((id) => pick(waiting.get(id)?.transfer_status__v))).toEqual(ids.map(() => 'pending__v'))
    const detail = (await crm.call('GET', queue)).data as Record<string, unknown>
    expect(detail).toMatchObject({
      messages_in_queue: 3,
      messages_failed: 0,
      connections: [{ last_message_delivered: 'error' }],
    })
    expect(
      ((detail.connections as { error: { message: string } }[])[0]!.error.message ?? '').length,
    ).toBeGreaterThan(0)

    await medical.restart()
    const outageMs = Date.now() - down
    await expectEventually(
      async () => {
        const rows = await inquiriesById(crm, ids)
        expect(ids.map((id) => pick(rows.get(id)?.transfer_status__v))).toEqual(ids.map(() => 'success__v'))
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    )
    console.info(
      `B24 outage: Medical down ${outageMs} ms, ${[...failed.values()].join('/')} failed attempts per message (of ${DELIVERY_MAX_ATTEMPTS}); all transferred ${Date.now() - down} ms after it went down`,
    )
    expect(dead).toEqual([])
    const requests = await medical.query(
      `SELECT crm_id__v FROM case_request__v WHERE crm_org__v = '${crm.vault.id}' PAGESIZE 1000`,
    )
    expect(requests.map((r) => String(r.crm_id__v)).sort()).toEqual([...ids].sort())
    await expectEventually(async () =>
      expect((await crm.call('GET', queue)).data).toMatchObject({
        messages_in_queue: 0,
        messages_failed: 0,
        connections: [{ last_message_delivered: 'ok' }],
      }),
    )
    for (const node of [crm, medical])
      expect(await node.query('SELECT id, error_message__sys FROM exception_message__sys')).toEqual([])
  }, 120_000)
})

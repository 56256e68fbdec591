import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConnectedVaults, startConnectedVaults } from '../../test/support/connected-vaults.js'
import { expectEventually } from '../../test/support/expect-eventually.js'
import { queueName } from '../platform/messaging/index.js'
import { SYSTEM_ACTOR } from '../platform/vault/index.js'
import { INTEGRATION_POINTS } from './rules/index.js'
import type { PullFailure } from './scheduled-pulls.js'

/** Short enough for a test, long enough that a pull is clearly the schedule's and not a nudge's. */
const PULL_INTERVAL_MS = 400

let v: ConnectedVaults
const failures: PullFailure[] = []

/** Creates and transfers an inquiry in the CRM; answers its id once it is a success. */
async function transferredInquiry(): Promise<string> {
  const [account] = await v.crm.vault.records.create(SYSTEM_ACTOR, 'account__v', [
    {
      name__v: 'Dr. Ada Lovelace',
      first_name__v: 'Ada',
      last_name__v: 'Lovelace',
      veeva_id__v: `V-${Date.now()}`,
    },
  ])
  const created = await v.crm.call('rep__v', 'POST', '/vobjects/medical_inquiry__v', [
    {
      account__v: account!.id,
      inquiry_text__v: 'Is it safe with grapefruit juice?',
      delivery_method__v: 'email__v',
      email__v: 'ada@example.org',
    },
  ])
  const id = (created.data as { data: { id: string } }[])[0]!.data.id
  const action = await v.crm.call(
    'rep__v',
    'POST',
    `/vobjects/medical_inquiry__v/${id}/actions/transfer_to_medical__v`,
  )
  expect(action.responseStatus, JSON.stringify(action)).toBe('SUCCESS')
  await expectEventually(async () => expect((await inquiry(id)).transfer_status__v).toEqual(['success__v']), {
    timeoutMs: 15_000,
  })
  return id
}

async function inquiry(id: string): Promise<Record<string, unknown>> {
  const [row] = await v.crm.query(
    'admin__sys',
    `SELECT id, transfer_status__v, medical_inquiry_case_status__v FROM medical_inquiry__v WHERE id = '${id}'`,
  )
  return row!
}

async function caseRequestOf(inquiryId: string): Promise<string> {
  const row = await v.medical.vault.storage.db
    .selectFrom('case_request__v')
    .select('id')
    .where('crm_id__v', '=', inquiryId)
    .executeTakeFirstOrThrow()
  return String(row.id)
}

/** The nudges Medical holds for the CRM (its outbound queue is switched off in these tests). */
async function heldNudges(): Promise<number> {
  const rows = await v.medical.vault.storage.db
    .selectFrom('outbound_message')
    .select('id')
    .where('integration_point', '=', INTEGRATION_POINTS.caseRequestOutbound)
    .where('state', '=', 'pending')
    .execute()
  return rows.length
}

beforeAll(async () => {
  v = await startConnectedVaults({ pullIntervalMs: PULL_INTERVAL_MS, onPullError: (f) => failures.push(f) })
  // Medical is active a moment before the CRM finishes the handshake; a pull in that window is
  // refused ("pending") and retried at the next interval. What is tested starts once both are active.
  failures.length = 0
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('scheduled pulls', () => {
  it('B12: a Case Request change in Medical reaches the CRM through the scheduled pull alone, with no nudge delivered', async () => {
    const id = await transferredInquiry()
    expect((await inquiry(id)).medical_inquiry_case_status__v).toEqual(['new__v'])
    // Hold every nudge: Medical's outbound queue to this CRM stops delivering.
    const queue = queueName(v.onMedical, 'outbound')
    const off = await v.medical.call(
      'admin__sys',
      'PUT',
      `/services/queues/${queue}/actions/disable_delivery`,
    )
    expect(off.responseStatus, JSON.stringify(off)).toBe('SUCCESS')
    const before = await heldNudges()
    const started = await v.medical.call(
      'medical_information_agent__v',
      'POST',
      `/vobjects/case_request__v/${await caseRequestOf(id)}/actions/start__v`,
    )
    expect(started.responseStatus, JSON.stringify(started)).toBe('SUCCESS')
    expect(await heldNudges()).toBe(before + 1)
    await expectEventually(
      async () => expect((await inquiry(id)).medical_inquiry_case_status__v).toEqual(['in_progress__v']),
      { timeoutMs: 10_000 },
    )
    // The nudge never went out: the schedule did it.
    expect(await heldNudges()).toBe(before + 1)
    expect(failures).toEqual([])
  }, 40_000)

  it('B12, B24: a scheduled pull that fails (Medical unreachable) is reported and runs again; the change arrives once Medical is back', async () => {
    const id = await transferredInquiry()
    const request = await caseRequestOf(id)
    failures.length = 0
    await v.medical.stopServing()
    try {
      await v.medical.vault.records.runAction(SYSTEM_ACTOR, 'case_request__v', [request], 'start__v')
      // Two failures in a row: the failed run scheduled the next one itself. (The CRM's other
      // scheduled pull, Approved Email's, fails too while Medical is away.)
      const ofCaseRequests = () =>
        failures.filter((f) => f.integrationPoint === INTEGRATION_POINTS.caseRequestInbound)
      await expectEventually(() => expect(ofCaseRequests().length).toBeGreaterThanOrEqual(2), {
        timeoutMs: 10_000,
      })
      expect(ofCaseRequests()[0]).toMatchObject({
        connection: v.onCrm.apiName,
        integrationPoint: INTEGRATION_POINTS.caseRequestInbound,
      })
      expect((await inquiry(id)).medical_inquiry_case_status__v).toEqual(['new__v'])
    } finally {
      await v.medical.serveAgain()
    }
    await expectEventually(
      async () => expect((await inquiry(id)).medical_inquiry_case_status__v).toEqual(['in_progress__v']),
      { timeoutMs: 10_000 },
    )
  }, 40_000)

  it('B12: the pull also runs on demand through POST …/actions/run/case_request_inbound__v (admin)', async () => {
    const ran = await v.crm.call(
      'admin__sys',
      'POST',
      `/services/connections/${v.onCrm.apiName}/actions/run/${INTEGRATION_POINTS.caseRequestInbound}`,
    )
    expect(ran.responseStatus, JSON.stringify(ran)).toBe('SUCCESS')
    expect(ran.data).toMatchObject({ read: expect.any(Number), applied: 0 })
  })
})

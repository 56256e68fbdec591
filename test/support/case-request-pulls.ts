// Two vaults for watermark-pull tests, in the style of Airbyte's incremental acceptance tests
// (TestTwoSequentialReads, TestReadSequentialSlices, future_state; reference/engineering-anchors.md
// §2): served over HTTP on databases of their own, a manual clock shared by both setting every
// modified_date__v, so cursors and the overlap window are exact.
import { expect } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/index.js'
import { PULL_WATERMARK_TASK } from '../../src/connection/job-tasks/index.js'
import type { ManualClock } from '../../src/platform/clock/index.js'
import { type ConnectionInfo, queueName } from '../../src/platform/messaging/index.js'
import type { Vault } from '../../src/platform/vault/index.js'
import { expectEventually } from './expect-eventually.js'
import {
  connectVaults,
  createInquiries,
  inquiriesById,
  type ServedVault,
  startServedVault,
  transferInquiries,
} from './served-vaults.js'

/** Cursors two minutes apart: the 60-second overlap reaches back over one row only. */
export const STEP_MS = 2 * 60_000

/**
 * A Medical Vault and a CRM with transferred inquiries, each with its Case Request. The CRM learns
 * of Case Request changes only through the pulls a test runs: Medical's nudges wait in its
 * stopped outbound queue, and the scheduled pulls are off.
 */
export interface CaseRequestPullVaults {
  readonly clock: ManualClock
  readonly medical: ServedVault
  readonly crm: ServedVault
  readonly onCrm: ConnectionInfo
  readonly inquiryIds: readonly string[]
  /** Case Request ids in the order of inquiryIds. */
  readonly requestIds: readonly string[]
  destroy(): Promise<void>
}

/**
 * Every pull is explicit: the scheduled safety-net pull (a `pull-watermark` job) would otherwise
 * run between a "crash" and its resume when the manual clock passes its time.
 */
function withoutScheduledPulls(vault: Vault): void {
  vault.handleJobs(PULL_WATERMARK_TASK, async () => {})
}

export async function startCaseRequestPullVaults(
  clock: ManualClock,
  rows: number,
  label: string,
): Promise<CaseRequestPullVaults> {
  const options = { clock, setup: [withoutScheduledPulls] }
  const medical = await startServedVault('medical', medicalProfile, options)
  const crm = await startServedVault('crm-na', crmProfile, options)
  const { onCrm } = await connectVaults(medical, crm)
  const inquiryIds = await createInquiries(crm, rows, label)
  await transferInquiries(crm, inquiryIds)
  await expectEventually(
    async () => {
      const found = await inquiriesById(crm, inquiryIds)
      expect([...found.values()].map((r) => r.transfer_status__v)).toEqual(
        inquiryIds.map(() => ['success__v']),
      )
    },
    { timeoutMs: 30_000 },
  )
  const onMedical = (await medical.vault.messaging.connectionByRemoteVault(String(crm.vault.id)))!
  const off = await medical.call(
    'PUT',
    `/services/queues/${queueName(onMedical, 'outbound')}/actions/disable_delivery`,
  )
  expect(off.responseStatus, JSON.stringify(off)).toBe('SUCCESS')
  const requests = await medical.query(
    `SELECT id, crm_id__v FROM case_request__v WHERE crm_org__v = '${crm.vault.id}'`,
  )
  const byInquiry = new Map(requests.map((r) => [String(r.crm_id__v), String(r.id)]))
  const requestIds = inquiryIds.map((id) => byInquiry.get(id)!)
  expect(requestIds.every((id) => id !== undefined)).toBe(true)
  return {
    clock,
    medical,
    crm,
    onCrm,
    inquiryIds,
    requestIds,
    async destroy() {
      await crm.destroy()
      await medical.destroy()
    },
  }
}

/**
 * An agent changes the Case Requests once each, `stepMs` apart (0: all at one instant), in order,
 * to `notes(i)`; answers their new modified_date__v (the cursor) in that order.
 */
export async function touchCaseRequests(
  v: CaseRequestPullVaults,
  notes: (i: number) => string,
  options: { readonly ids?: readonly string[]; readonly stepMs?: number } = {},
): Promise<string[]> {
  const ids = options.ids ?? v.requestIds
  const stepMs = options.stepMs ?? STEP_MS
  if (stepMs === 0) v.clock.advance(STEP_MS)
  for (const [i, id] of ids.entries()) {
    if (stepMs > 0) v.clock.advance(stepMs)
    const body = await v.medical.call('PUT', '/vobjects/case_request__v', [
      { id, response_notes__v: notes(i) },
    ])
    expect((body.data as { responseStatus: string }[])[0]!.responseStatus, JSON.stringify(body)).toBe(
      'SUCCESS',
    )
  }
  const rows = await v.medical.query(
    `SELECT id, modified_date__v FROM case_request__v WHERE id CONTAINS (${ids.map((id) => `'${id}'`).join(', ')})`,
  )
  const byId = new Map(rows.map((r) => [String(r.id), String(r.modified_date__v)]))
  const cursors = ids.map((id) => byId.get(id)!)
  expect([...cursors].sort()).toEqual(cursors)
  return cursors
}

/** The response notes each inquiry shows in the CRM, in the order of inquiryIds. */
export async function notesInCrm(v: CaseRequestPullVaults): Promise<(string | null)[]> {
  const rows = await inquiriesById(v.crm, v.inquiryIds)
  return v.inquiryIds.map((id) => (rows.get(id)?.response_notes__v as string | null) ?? null)
}

/** The CRM's Case Request inbound integration point, as its admin reads it. */
export async function caseRequestPoint(
  v: CaseRequestPullVaults,
): Promise<{ readonly id: string; readonly watermark: string | null }> {
  const [point] = await v.crm.query(
    `SELECT id, last_successful_run_time__sys FROM integration_point__sys WHERE connection__sys = '${v.onCrm.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.caseRequestInbound}'`,
  )
  return {
    id: String(point!.id),
    watermark: (point?.last_successful_run_time__sys as string | null | undefined) ?? null,
  }
}

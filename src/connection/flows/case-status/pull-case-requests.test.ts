// Watermark pulls in the style of Airbyte's incremental acceptance tests (TestTwoSequentialReads,
// TestReadSequentialSlices, future_state; reference/engineering-anchors.md §2), between two vaults
// served over HTTP on databases of their own. A manual clock shared by both vaults sets every
// modified_date__v, so cursors and the overlap window are exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectEventually } from '../../../../test/support/expect-eventually.js'
import {
  connectVaults,
  createInquiries,
  inquiriesById,
  type ServedVault,
  startServedVault,
  transferInquiries,
} from '../../../../test/support/served-vaults.js'
import { crmProfile } from '../../../apps/crm/index.js'
import { medicalProfile } from '../../../apps/medical/index.js'
import { ManualClock } from '../../../platform/clock/index.js'
import { type ConnectionInfo, queueName } from '../../../platform/messaging/index.js'
import type { Vault } from '../../../platform/vault/index.js'
import { PULL_WATERMARK_TASK } from '../../job-tasks/index.js'
import { connectionVaultOf } from '../../medical-crm-connection.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import {
  type PullCheckpoint,
  type PullOptions,
  pullCaseRequests,
  WATERMARK_OVERLAP_MS,
} from './pull-case-requests.js'

const ROWS = 7
const BATCH = 2
/** Cursors two minutes apart: the 60-second overlap reaches back over one row only. */
const STEP_MS = 2 * 60_000

const clock = new ManualClock(Date.now())
let medical: ServedVault
let crm: ServedVault
let onCrm: ConnectionInfo
let inquiryIds: string[]
/** Case Request ids in the order of inquiryIds. */
let requestIds: string[]
let round = 0

/**
 * Every pull in this file is explicit: the scheduled safety-net pull (a `pull-watermark` job)
 * would otherwise run between a "crash" and its resume when the manual clock passes its time.
 */
function withoutScheduledPulls(vault: Vault): void {
  vault.handleJobs(PULL_WATERMARK_TASK, async () => {})
}

function pull(options: PullOptions = {}) {
  return pullCaseRequests(connectionVaultOf(crm.vault), onCrm, { batchSize: BATCH, ...options })
}

/** The CRM's Last Successful Run Time of the Case Request pull, as its admin reads it. */
async function storedWatermark(): Promise<string | null> {
  const [point] = await crm.query(
    `SELECT id, last_successful_run_time__sys FROM integration_point__sys WHERE connection__sys = '${onCrm.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.caseRequestInbound}'`,
  )
  return (point?.last_successful_run_time__sys as string | null | undefined) ?? null
}

async function integrationPointId(): Promise<string> {
  const [point] = await crm.query(
    `SELECT id FROM integration_point__sys WHERE connection__sys = '${onCrm.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.caseRequestInbound}'`,
  )
  return String(point!.id)
}

/**
 * An agent changes every Case Request once, two minutes apart, in order; answers their new
 * modified_date__v (the cursor) in that order.
 */
async function touchAll(): Promise<string[]> {
  round++
  for (const [i, id] of requestIds.entries()) {
    clock.advance(STEP_MS)
    const body = await medical.call('PUT', '/vobjects/case_request__v', [
      { id, response_notes__v: `round ${round} #${i}` },
    ])
    expect((body.data as { responseStatus: string }[])[0]!.responseStatus, JSON.stringify(body)).toBe(
      'SUCCESS',
    )
  }
  const rows = await medical.query(
    `SELECT id, modified_date__v FROM case_request__v WHERE id CONTAINS (${requestIds.map((id) => `'${id}'`).join(', ')})`,
  )
  const byId = new Map(rows.map((r) => [String(r.id), String(r.modified_date__v)]))
  const cursors = requestIds.map((id) => byId.get(id)!)
  expect([...cursors].sort()).toEqual(cursors)
  return cursors
}

/** The response notes each inquiry shows in the CRM, in order. */
async function notesInCrm(): Promise<(string | null)[]> {
  const rows = await inquiriesById(crm, inquiryIds)
  return inquiryIds.map((id) => (rows.get(id)?.response_notes__v as string | null) ?? null)
}

function expected(upTo: number, now: number, before: number | null): (string | null)[] {
  return inquiryIds.map((_, i) =>
    i < upTo ? `round ${now} #${i}` : before === null ? null : `round ${before} #${i}`,
  )
}

/** Rows a pull from `watermark` reads: those modified since the watermark minus the overlap. */
function readFrom(cursors: readonly string[], watermark: string): number {
  const since = new Date(Date.parse(watermark) - WATERMARK_OVERLAP_MS).toISOString()
  return cursors.filter((c) => c >= since).length
}

beforeAll(async () => {
  const options = { clock, setup: [withoutScheduledPulls] }
  medical = await startServedVault('medical', medicalProfile, options)
  crm = await startServedVault('crm-na', crmProfile, options)
  ;({ onCrm } = await connectVaults(medical, crm))
  inquiryIds = await createInquiries(crm, ROWS, 'W')
  await transferInquiries(crm, inquiryIds)
  await expectEventually(
    async () => {
      const rows = await inquiriesById(crm, inquiryIds)
      expect([...rows.values()].map((r) => r.transfer_status__v)).toEqual(
        inquiryIds.map(() => ['success__v']),
      )
    },
    { timeoutMs: 30_000 },
  )
  // From here on the CRM learns of Case Request changes only through the pulls this file runs:
  // Medical's nudges wait in its stopped outbound queue.
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
  requestIds = inquiryIds.map((id) => byInquiry.get(id)!)
  expect(requestIds.every((id) => id !== undefined)).toBe(true)
}, 120_000)

afterAll(async () => {
  await crm?.destroy()
  await medical?.destroy()
})

describe('pullCaseRequests: the watermark pull of Case Request changes (B12)', () => {
  it('B12: two sequential pulls: the first applies every change, the second (from its watermark) applies nothing new', async () => {
    const cursors = await touchAll()
    const first = await pull()
    expect(first).toEqual({ read: ROWS, applied: ROWS, watermark: cursors.at(-1) })
    expect(await storedWatermark()).toBe(cursors.at(-1))
    expect(await notesInCrm()).toEqual(expected(ROWS, round, null))
    const before = await inquiriesById(crm, inquiryIds)

    clock.advance(1_000)
    const second = await pull()
    // Only rows inside the overlap are read again, and they are recognised as applied.
    expect(second).toEqual({
      read: readFrom(cursors, cursors.at(-1)!),
      applied: 0,
      watermark: cursors.at(-1),
    })
    expect(second.read).toBe(1)
    expect(await storedWatermark()).toBe(cursors.at(-1))
    const after = await inquiriesById(crm, inquiryIds)
    for (const id of inquiryIds)
      expect(after.get(id)?.modified_date__v).toBe(before.get(id)?.modified_date__v)
  })

  it('B12: a pull stopped after each checkpoint (the watermark saved with each batch) resumes from it and applies exactly what was left', async () => {
    const batches = Math.ceil(ROWS / BATCH)
    for (let k = 1; k <= batches; k++) {
      const previous = round
      const cursors = await touchAll()
      const checkpoints: PullCheckpoint[] = []
      await expect(
        pull({
          onCheckpoint: (checkpoint) => {
            checkpoints.push(checkpoint)
            if (checkpoints.length === k) throw new Error(`process died after batch ${k}`)
          },
        }),
      ).rejects.toThrow(`process died after batch ${k}`)
      const done = Math.min(k * BATCH, ROWS)
      // The checkpoint is the cursor of the last row of its batch, saved with that batch: not before, not after.
      expect(checkpoints.at(-1)).toEqual({ watermark: cursors[done - 1], done, applied: done })
      expect(await storedWatermark()).toBe(cursors[done - 1])
      expect(await notesInCrm()).toEqual(expected(done, round, previous))

      clock.advance(1_000)
      const resumed = await pull()
      expect(resumed).toEqual({
        read: readFrom(cursors, cursors[done - 1]!),
        applied: ROWS - done,
        watermark: cursors.at(-1),
      })
      expect(await storedWatermark()).toBe(cursors.at(-1))
      expect(await notesInCrm()).toEqual(expected(ROWS, round, null))
    }
  })

  it('B12: a watermark in the future returns nothing, and the pull resumes once it is set back', async () => {
    const saved = await storedWatermark()
    expect(saved).not.toBeNull()
    const future = new Date(clock.now() + 10 * 365 * 24 * 3_600_000).toISOString()
    const pointId = await integrationPointId()
    const set = async (value: string) => {
      const body = await crm.call('PUT', '/vobjects/integration_point__sys', [
        { id: pointId, last_successful_run_time__sys: value },
      ])
      expect((body.data as { responseStatus: string }[])[0]!.responseStatus, JSON.stringify(body)).toBe(
        'SUCCESS',
      )
    }
    await set(future)
    const previous = round
    const cursors = await touchAll()
    expect(await pull()).toEqual({ read: 0, applied: 0, watermark: future })
    expect(await storedWatermark()).toBe(future)
    expect(await notesInCrm()).toEqual(expected(0, round, previous))

    await set(saved!)
    expect(await pull()).toEqual({ read: ROWS, applied: ROWS, watermark: cursors.at(-1) })
    expect(await notesInCrm()).toEqual(expected(ROWS, round, null))
  })

  it('B12: a late commit inside the overlap window (modified 30 s before the watermark) is not missed', async () => {
    const cursors = await touchAll()
    expect((await pull()).applied).toBe(ROWS)
    const watermark = cursors.at(-1)!
    clock.advance(10_000)
    expect((await pull()).applied).toBe(0)

    // A transaction that took its modified date 30 s before the watermark commits only now, after
    // the pull that set the watermark.
    const now = clock.now()
    clock.set(Date.parse(watermark) - 30_000)
    const late = await medical.call('PUT', '/vobjects/case_request__v', [
      { id: requestIds[0], response_notes__v: 'late commit' },
    ])
    expect((late.data as { responseStatus: string }[])[0]!.responseStatus).toBe('SUCCESS')
    clock.set(now)
    const [row] = await medical.query(
      `SELECT modified_date__v FROM case_request__v WHERE id = '${requestIds[0]}'`,
    )
    expect(String(row!.modified_date__v) < watermark).toBe(true)

    const after = await pull()
    expect(after).toMatchObject({ applied: 1, watermark })
    expect((await notesInCrm())[0]).toBe('late commit')
    // The watermark never moves back to the late row's cursor.
    expect(await storedWatermark()).toBe(watermark)
  })
})

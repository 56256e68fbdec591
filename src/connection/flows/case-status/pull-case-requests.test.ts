// The Case Request pull's own configuration (B12, B13): which rows it reads and how it applies
// them. The watermark engine's properties (overlap, checkpoints, keyset paging) are tested once,
// in connection/pulls/watermark-pull.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CaseRequestPullVaults,
  caseRequestPoint,
  notesInCrm,
  startCaseRequestPullVaults,
  touchCaseRequests,
} from '../../../../test/support/case-request-pulls.js'
import { inquiriesById } from '../../../../test/support/served-vaults.js'
import { ManualClock } from '../../../platform/clock/index.js'
import { connectionVaultOf } from '../../medical-crm-connection.js'
import type { PullResult } from '../../pulls/index.js'
import { pullCaseRequests } from './pull-case-requests.js'

const ROWS = 3

let v: CaseRequestPullVaults
let round = 0

function pull(): Promise<PullResult> {
  return pullCaseRequests(connectionVaultOf(v.crm.vault), v.onCrm, { batchSize: 2 })
}

/** A new round of changes to every Case Request; answers the cursors. */
async function touchAll(): Promise<string[]> {
  round++
  const now = round
  return touchCaseRequests(v, (i) => `round ${now} #${i}`)
}

/** Writes an inquiry's columns directly, as a state the pull must meet (a replayed or lost update). */
async function setInquiry(id: string, values: Record<string, string>): Promise<void> {
  await v.crm.vault.storage.db.updateTable('medical_inquiry__v').set(values).where('id', '=', id).execute()
}

async function setCaseRequestRule(active: boolean): Promise<void> {
  const rule = await v.crm.vault.storage.db
    .selectFrom('integration_rule__sys')
    .select('id')
    .where('connection__sys', '=', v.onCrm.id)
    .where('integration_rule_api_name__sys', '=', 'case_request_integration_rule__v')
    .executeTakeFirstOrThrow()
  const body = await v.crm.call('PUT', '/vobjects/integration_rule__sys', [
    { id: rule.id, status__v: active ? 'active__v' : 'inactive__v' },
  ])
  expect(body.responseStatus, JSON.stringify(body)).not.toBe('FAILURE')
}

beforeAll(async () => {
  v = await startCaseRequestPullVaults(new ManualClock(Date.now()), ROWS, 'S')
}, 120_000)

afterAll(async () => {
  await v?.destroy()
})

describe('pullCaseRequests: the Case Request inbound pull (B12, B13)', () => {
  it("B12: applies this CRM's Case Requests to their inquiries through the field rules, with the watermark on the Case Request inbound point", async () => {
    const cursors = await touchAll()
    expect(await pull()).toEqual({ read: ROWS, applied: ROWS, watermark: cursors.at(-1) })
    expect(await notesInCrm(v)).toEqual(v.inquiryIds.map((_, i) => `round ${round} #${i}`))
    const rows = await inquiriesById(v.crm, v.inquiryIds)
    expect(v.inquiryIds.map((id) => rows.get(id)?.case_request_modified_date__v)).toEqual(cursors)
    expect((await caseRequestPoint(v)).watermark).toBe(cursors.at(-1))
  })

  it('B13: status never moves backwards: a Case Request change older than what its inquiry applied is ignored', async () => {
    const before = await notesInCrm(v)
    await setInquiry(v.inquiryIds[0]!, { case_request_modified_date__v: '2999-01-01T00:00:00.000Z' })
    await touchAll()
    expect(await pull()).toMatchObject({ read: ROWS, applied: ROWS - 1 })
    const notes = await notesInCrm(v)
    expect(notes[0]).toBe(before[0])
    expect(notes.slice(1)).toEqual(v.inquiryIds.slice(1).map((_, i) => `round ${round} #${i + 1}`))
  })

  it('B12: a lost transfer result is repaired: a pending inquiry whose Case Request is read becomes a success', async () => {
    await setInquiry(v.inquiryIds[1]!, { transfer_status__v: 'pending__v' })
    await touchAll()
    await pull()
    const rows = await inquiriesById(v.crm, v.inquiryIds)
    expect(rows.get(v.inquiryIds[1]!)?.transfer_status__v).toEqual(['success__v'])
  })

  it('B12: with the Case Request integration rule inactive nothing is read', async () => {
    await setCaseRequestRule(false)
    try {
      await touchAll()
      expect(await pull()).toEqual({ read: 0, applied: 0, watermark: null })
    } finally {
      await setCaseRequestRule(true)
    }
  })
})

// The pull engine's properties, in the style of Airbyte's incremental acceptance tests
// (TestTwoSequentialReads, TestReadSequentialSlices, future_state; reference/engineering-anchors.md
// §2), between two vaults served over HTTP on databases of their own. The pull under test is the
// smallest a flow could declare: the CRM copies each Case Request's response notes to its inquiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CaseRequestPullVaults,
  caseRequestPoint,
  notesInCrm,
  startCaseRequestPullVaults,
  touchCaseRequests,
} from '../../../test/support/case-request-pulls.js'
import { inquiriesById } from '../../../test/support/served-vaults.js'
import { ManualClock } from '../../platform/clock/index.js'
import { connectionActor } from '../flows/index.js'
import { connectionVaultOf } from '../medical-crm-connection.js'
import { INTEGRATION_POINTS } from '../rules/index.js'
import {
  findPullPoint,
  keysetPages,
  type PullCheckpoint,
  type PullOptions,
  type PullResult,
  runWatermarkPull,
  WATERMARK_OVERLAP_MS,
} from './index.js'

const ROWS = 7
const BATCH = 2

let v: CaseRequestPullVaults
let round = 0

/** Copies response_notes__v of this CRM's Case Requests to their inquiries, BATCH rows a page. */
async function pull(options: PullOptions = {}): Promise<PullResult> {
  const crm = v.crm.vault
  const point = await findPullPoint(crm.storage.db, v.onCrm, INTEGRATION_POINTS.caseRequestInbound)
  const actor = connectionActor(v.onCrm)
  return runWatermarkPull(
    connectionVaultOf(crm),
    v.onCrm,
    point!,
    {
      object: 'case_request__v',
      fields: ['crm_id__v', 'response_notes__v'],
      filter: [`crm_org__v = '${crm.id}'`],
      actor,
      async applyPage(trx, rows) {
        const results = await crm.records.updateIn(
          trx,
          actor,
          'medical_inquiry__v',
          rows.map((row) => ({
            id: String(row.crm_id__v),
            values: { response_notes__v: row.response_notes__v },
          })),
        )
        return { applied: results.filter((r) => r.responseStatus === 'SUCCESS').length }
      },
    },
    { batchSize: BATCH, ...options },
  )
}

/** A new round of changes to every Case Request, two minutes apart; answers the cursors. */
async function touchAll(): Promise<string[]> {
  round++
  const now = round
  return touchCaseRequests(v, (i) => `round ${now} #${i}`)
}

async function storedWatermark(): Promise<string | null> {
  return (await caseRequestPoint(v)).watermark
}

function expected(upTo: number, now: number, before: number | null): (string | null)[] {
  return v.inquiryIds.map((_, i) =>
    i < upTo ? `round ${now} #${i}` : before === null ? null : `round ${before} #${i}`,
  )
}

/** Rows a pull from `watermark` reads: those modified since the watermark minus the overlap. */
function readFrom(cursors: readonly string[], watermark: string): number {
  const since = new Date(Date.parse(watermark) - WATERMARK_OVERLAP_MS).toISOString()
  return cursors.filter((c) => c >= since).length
}

beforeAll(async () => {
  v = await startCaseRequestPullVaults(new ManualClock(Date.now()), ROWS, 'W')
}, 120_000)

afterAll(async () => {
  await v?.destroy()
})

describe('runWatermarkPull: the watermark pull the flows configure (B12)', () => {
  it('B12: two sequential pulls: the first applies every change, the second (from its watermark) applies nothing new', async () => {
    const cursors = await touchAll()
    const first = await pull()
    expect(first).toEqual({ read: ROWS, applied: ROWS, watermark: cursors.at(-1) })
    expect(await storedWatermark()).toBe(cursors.at(-1))
    expect(await notesInCrm(v)).toEqual(expected(ROWS, round, null))
    const before = await inquiriesById(v.crm, v.inquiryIds)

    v.clock.advance(1_000)
    const second = await pull()
    // Only rows inside the overlap are read again, and they are recognised as applied.
    expect(second).toEqual({
      read: readFrom(cursors, cursors.at(-1)!),
      applied: 0,
      watermark: cursors.at(-1),
    })
    expect(second.read).toBe(1)
    expect(await storedWatermark()).toBe(cursors.at(-1))
    const after = await inquiriesById(v.crm, v.inquiryIds)
    for (const id of v.inquiryIds)
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
      expect(await notesInCrm(v)).toEqual(expected(done, round, previous))

      v.clock.advance(1_000)
      const resumed = await pull()
      expect(resumed).toEqual({
        read: readFrom(cursors, cursors[done - 1]!),
        applied: ROWS - done,
        watermark: cursors.at(-1),
      })
      expect(await storedWatermark()).toBe(cursors.at(-1))
      expect(await notesInCrm(v)).toEqual(expected(ROWS, round, null))
    }
  })

  it('B12: a watermark in the future returns nothing, and the pull resumes once it is set back', async () => {
    const saved = await storedWatermark()
    expect(saved).not.toBeNull()
    const future = new Date(v.clock.now() + 10 * 365 * 24 * 3_600_000).toISOString()
    const { id: pointId } = await caseRequestPoint(v)
    const set = async (value: string) => {
      const body = await v.crm.call('PUT', '/vobjects/integration_point__sys', [
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
    expect(await notesInCrm(v)).toEqual(expected(0, round, previous))

    await set(saved!)
    expect(await pull()).toEqual({ read: ROWS, applied: ROWS, watermark: cursors.at(-1) })
    expect(await notesInCrm(v)).toEqual(expected(ROWS, round, null))
  })

  it('B12: a late commit inside the overlap window (modified 30 s before the watermark) is not missed', async () => {
    const cursors = await touchAll()
    expect((await pull()).applied).toBe(ROWS)
    const watermark = cursors.at(-1)!
    v.clock.advance(10_000)
    expect((await pull()).applied).toBe(0)

    // A transaction that took its modified date 30 s before the watermark commits only now, after
    // the pull that set the watermark.
    await commitLate(watermark, 'late commit')
    const after = await pull()
    expect(after).toMatchObject({ applied: 1, watermark })
    expect((await notesInCrm(v))[0]).toBe('late commit')
    // The watermark never moves back to the late row's cursor.
    expect(await storedWatermark()).toBe(watermark)
  })

  it('B12: a late commit landing behind the watermark while a pull runs is caught by the next pull, through the overlap', async () => {
    const cursors = await touchAll()
    const watermark = cursors.at(-1)!
    const first = await pull({
      onCheckpoint: async ({ done }) => {
        if (done === ROWS) await commitLate(watermark, 'late during the pull')
      },
    })
    expect(first).toEqual({ read: ROWS, applied: ROWS, watermark })
    expect((await notesInCrm(v))[0]).toBe(`round ${round} #0`)
    v.clock.advance(1_000)
    expect(await pull()).toMatchObject({ applied: 1, watermark })
    expect((await notesInCrm(v))[0]).toBe('late during the pull')
  })

  it('B12: rows that change between two pages of a pull are neither skipped nor kept stale: each page is a new keyset query', async () => {
    const cursors = await touchAll()
    round++
    const now = round
    let moved: string[] = []
    const result = await pull({
      onCheckpoint: async ({ done }) => {
        if (done !== BATCH) return
        // The first row (applied) and the last-but-one (not read yet) change: both move behind
        // the end of the result. An offset would now skip the row that slid into the first page.
        moved = await touchCaseRequests(v, () => `round ${now} moved`, {
          ids: [v.requestIds[0]!, v.requestIds[ROWS - 2]!],
        })
      },
    })
    const notes = await notesInCrm(v)
    expect(notes[0]).toBe(`round ${now} moved`)
    expect(notes[ROWS - 2]).toBe(`round ${now} moved`)
    expect(notes.filter((_, i) => i !== 0 && i !== ROWS - 2)).toEqual(
      expected(ROWS, now - 1, null).filter((_, i) => i !== 0 && i !== ROWS - 2),
    )
    // The first row is read twice (before and after its change); every other row once.
    expect(result).toEqual({ read: ROWS + 1, applied: ROWS + 1, watermark: moved.at(-1) })
    expect(moved.at(-1)! > cursors.at(-1)!).toBe(true)
  })

  it('B12: rows with one modified date across page boundaries are all read: the keyset goes on by id', async () => {
    round++
    const now = round
    const cursors = await touchCaseRequests(v, (i) => `round ${now} #${i}`, { stepMs: 0 })
    expect(new Set(cursors).size).toBe(1)
    expect(await pull()).toEqual({ read: ROWS, applied: ROWS, watermark: cursors[0] })
    expect(await notesInCrm(v)).toEqual(expected(ROWS, now, null))
    // A repeat reads them all again (they are inside the overlap) and changes nothing.
    v.clock.advance(1_000)
    expect(await pull()).toEqual({ read: ROWS, applied: 0, watermark: cursors[0] })
  })

  it('B12: pulls of one point running at once apply each change once and leave the newest watermark', async () => {
    const cursors = await touchAll()
    const results = await Promise.all([pull(), pull(), pull()])
    expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(ROWS)
    expect(await storedWatermark()).toBe(cursors.at(-1))
    expect(await notesInCrm(v)).toEqual(expected(ROWS, round, null))
  })
})

describe('keysetPages: a full read, page by page by id', () => {
  it('reads every row once, in id order, holding one page at a time', async () => {
    const remote = v.crm.vault.messaging.remote(v.onCrm)
    const pages: number[] = []
    const ids: string[] = []
    for await (const page of keysetPages(remote, {
      object: 'case_request__v',
      fields: [],
      filter: [`crm_org__v = '${v.crm.vault.id}'`],
      pageSize: BATCH,
    })) {
      pages.push(page.length)
      ids.push(...page.map((row) => String(row.id)))
    }
    expect(pages).toEqual([2, 2, 2, 1])
    expect(ids).toEqual([...v.requestIds].sort())
  })
})

/**
 * A transaction that took its modified date 30 s before `watermark` commits only now: the first
 * Case Request gets `notes`, dated behind the watermark.
 */
async function commitLate(watermark: string, notes: string): Promise<void> {
  const now = v.clock.now()
  v.clock.set(Date.parse(watermark) - 30_000)
  const late = await v.medical.call('PUT', '/vobjects/case_request__v', [
    { id: v.requestIds[0], response_notes__v: notes },
  ])
  expect((late.data as { responseStatus: string }[])[0]!.responseStatus).toBe('SUCCESS')
  v.clock.set(now)
  const [row] = await v.medical.query(
    `SELECT modified_date__v FROM case_request__v WHERE id = '${v.requestIds[0]}'`,
  )
  expect(String(row!.modified_date__v) < watermark).toBe(true)
}

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  DELIVER_TASK,
  describeJobQueueContract,
  latch,
  messageIdOf,
} from '../../../test/contracts/job-queue.contract.js'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { expectEventually } from '../../../test/support/expect-eventually.js'
import { ManualClock, systemClock } from '../clock/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import { retryDelayMs } from './defaults.js'
import type { DeadJob, EnqueueOptions, JobContext } from './job-queue.js'
import { TableJobQueue, type TableJobQueueOptions } from './table-job-queue.js'

// Runs on whichever database LIAISON_DB selects: the runner uses Kysely only.
describeJobQueueContract(
  'TableJobQueue',
  (storage) =>
    new TableJobQueue(storage, systemClock, {
      pollIntervalMs: 10,
      retry: { baseMs: 50, capMs: 1_000, jitter: 0.2 },
      onError: (error) => {
        throw error
      },
    }),
  // 50 ms doubling, less 20 % jitter: at least 40, 80, 160 ms between attempts.
  { retries: { maxAttempts: 4, minGapsMs: [40, 80, 160], timeoutMs: 10_000 } },
)

describe('TableJobQueue', () => {
  const LOCK_TIMEOUT_MS = 60_000
  let database: TestDatabase
  let storage: Storage
  let clock: ManualClock
  let queues: TableJobQueue[]

  function newQueue(options: TableJobQueueOptions = {}): TableJobQueue {
    const queue = new TableJobQueue(storage, clock, {
      pollIntervalMs: 10,
      lockTimeoutMs: LOCK_TIMEOUT_MS,
      onError: (error) => {
        throw error
      },
      ...options,
    })
    queues.push(queue)
    return queue
  }

  async function enqueue(queue: TableJobQueue, messageId: string, options?: EnqueueOptions): Promise<void> {
    await storage.db.transaction().execute((trx) => queue.enqueue(trx, DELIVER_TASK, { messageId }, options))
    queue.nudge()
  }

  async function jobRows(): Promise<Array<Record<string, unknown>>> {
    return storage.db.selectFrom('job').selectAll().orderBy('id').execute()
  }

  /** What a runner that died mid-job leaves behind. */
  async function leaveRunning(lockedBy: string, lockedAt: number, attempts = 1): Promise<void> {
    await storage.db
      .updateTable('job')
      .set({ state: 'running', locked_by: lockedBy, locked_at: new Date(lockedAt).toISOString(), attempts })
      .execute()
  }

  beforeEach(async () => {
    database = await createTestDatabase('sqlite_jobs')
    storage = createDatabase(database.config)
    await migrateToLatest(storage)
    clock = new ManualClock()
    queues = []
  })

  afterEach(async () => {
    for (const queue of queues) await queue.close()
    await storage.close()
    await database.drop()
  })

  it('schedules by the Clock: a job due later runs once the clock reaches runAt', async () => {
    const queue = newQueue()
    await enqueue(queue, 'later', { runAt: new Date(clock.now() + 60_000) })
    const ran: string[] = []
    await queue.start({ 'deliver-outbound': async (payload) => void ran.push(messageIdOf(payload)) })
    clock.advance(59_999)
    // A job due now runs first; once it has, the runner has looked at 'later' with the clock advanced.
    await enqueue(queue, 'now')
    await expectEventually(() => expect(ran).toEqual(['now']))
    expect((await jobRows()).map((row) => row['state'])).toEqual(['waiting'])
    clock.advance(1)
    queue.nudge()
    await expectEventually(() => expect(ran).toEqual(['now', 'later']))
  })

  it('reschedules a failed job by the retry policy and keeps the last error', async () => {
    const queue = newQueue({ retry: { baseMs: 1_000, capMs: 300_000, jitter: 0 } })
    await enqueue(queue, 'flaky')
    let calls = 0
    await queue.start({
      'deliver-outbound': async () => {
        calls += 1
        if (calls === 1) throw new TypeError('remote down')
      },
    })
    await expectEventually(async () =>
      expect((await jobRows())[0]).toMatchObject({ state: 'waiting', attempts: 1 }),
    )
    const [row] = await jobRows()
    expect(row).toMatchObject({
      last_error: 'TypeError: remote down',
      run_at: new Date(clock.now() + 1_000).toISOString(),
      locked_by: null,
    })
    clock.advance(1_000)
    queue.nudge()
    await expectEventually(async () => expect(await queue.pending()).toBe(0))
    expect(calls).toBe(2)
  })

  it('takes back a job whose runner died once its lock is older than the lock timeout', async () => {
    const queue = newQueue()
    await enqueue(queue, 'orphan')
    await leaveRunning('crashed-runner', clock.now())
    clock.advance(LOCK_TIMEOUT_MS - 1)
    const ran: JobContext[] = []
    await queue.start({ 'deliver-outbound': async (_payload, context) => void ran.push(context) })
    expect(await queue.pending()).toBe(1)
    expect((await jobRows())[0]).toMatchObject({ state: 'running', locked_by: 'crashed-runner' })
    clock.advance(LOCK_TIMEOUT_MS)
    queue.nudge()
    await expectEventually(() => expect(ran).toHaveLength(1))
    // The attempt that never finished counts.
    expect(ran[0]?.attempt).toBe(2)
  })

  it('as the sole runner, takes back every running job at start', async () => {
    const queue = newQueue({ soleRunner: true })
    await enqueue(queue, 'orphan')
    await leaveRunning('previous-run', clock.now())
    const ran: string[] = []
    await queue.start({ 'deliver-outbound': async () => void ran.push('orphan') })
    await expectEventually(() => expect(ran).toEqual(['orphan']))
  })

  it('makes a job dead when it is taken back with its attempts used, and tells onDead', async () => {
    const queue = newQueue({ soleRunner: true })
    await enqueue(queue, 'poison', { maxAttempts: 3 })
    await leaveRunning('crashed-runner', clock.now(), 3)
    const dead: DeadJob[] = []
    let ran = false
    await queue.start(
      {
        'deliver-outbound': async () => {
          ran = true
        },
      },
      async (job) => void dead.push(job),
    )
    expect(dead).toEqual([
      expect.objectContaining({ task: 'deliver-outbound', payload: { messageId: 'poison' }, attempts: 3 }),
    ])
    expect(await queue.pending()).toBe(0)
    expect((await jobRows())[0]).toMatchObject({ state: 'dead' })
    expect(ran).toBe(false)
  })

  it('renews the locks of a long job so another runner does not take it back', async () => {
    const holder = newQueue()
    await enqueue(holder, 'long')
    const started = latch()
    const release = latch()
    let runs = 0
    await holder.start({
      'deliver-outbound': async () => {
        runs += 1
        started.open()
        await release.promise
      },
    })
    await started.promise
    clock.advance(LOCK_TIMEOUT_MS / 2)
    holder.nudge()
    const renewedAt = new Date(clock.now()).toISOString()
    await expectEventually(async () => expect((await jobRows())[0]?.['locked_at']).toBe(renewedAt))
    clock.advance(LOCK_TIMEOUT_MS / 2 + 1)
    const other = newQueue()
    await other.start({
      'deliver-outbound': async () => {
        runs += 1
      },
    })
    expect((await jobRows())[0]).toMatchObject({ state: 'running', locked_by: holder.runnerId })
    release.open()
    await expectEventually(async () => expect(await holder.pending()).toBe(0))
    expect(runs).toBe(1)
  })

  it('refuses options no adapter can honour', async () => {
    const queue = newQueue()
    for (const options of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { runAt: new Date('nope') },
      { queueName: '' },
    ]) {
      await expect(enqueue(queue, 'x', options)).rejects.toMatchObject({ code: 'INTERNAL' })
    }
    expect(await queue.pending()).toBe(0)
  })

  it('cannot be started twice', async () => {
    const queue = newQueue()
    await queue.start({})
    await expect(queue.start({})).rejects.toMatchObject({ code: 'INTERNAL' })
  })
})

describe('retryDelayMs', () => {
  const policy = { baseMs: 1_000, capMs: 300_000, jitter: 0.2 }

  it('doubles from the base and stops at the cap', () => {
    const middle = () => 0.5
    expect([1, 2, 3, 4, 9, 10, 12].map((attempt) => retryDelayMs(attempt, policy, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000,
    ])
  })

  it('moves each delay by at most the jitter either way', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(3_200)
    expect(retryDelayMs(3, policy, () => 0.999_999)).toBe(4_800)
  })
})

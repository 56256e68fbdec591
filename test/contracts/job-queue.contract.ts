import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type DeadJob,
  defineJobTask,
  type EnqueueOptions,
  type JobContext,
  type JobHandler,
  type JobQueue,
} from '../../src/platform/jobs/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../../src/platform/storage/index.js'
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../support/databases.js'
import { expectEventually } from '../support/expect-eventually.js'

export interface JobQueueContractOptions {
  /**
   * What the retry test expects of the adapter's back-off: attempts before the job is dead, and the
   * least time between the starts of attempt i+1 and i+2 (growing). Adapters with configurable
   * delays pass small ones to keep the suite fast.
   */
  readonly retries: {
    readonly maxAttempts: number
    readonly minGapsMs: readonly number[]
    readonly timeoutMs: number
  }
}

/** Builds the adapter under test over one vault's storage. It must run at least 2 jobs at a time. */
export type MakeJobQueue = (storage: Storage) => JobQueue

/** A gate a test opens to let a waiting handler go on. */
export interface Latch {
  readonly promise: Promise<void>
  open(): void
}

export function latch(): Latch {
  let open: () => void = () => {}
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

/** Waits for a latch a handler depends on; a deadlock (e.g. queues not running in parallel) fails loudly. */
async function waitFor(gate: Latch, what: string, timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}.`)), timeoutMs)
  })
  try {
    await Promise.race([gate.promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A window in which something must NOT happen. Absence cannot be polled for; this is the one
 * deliberate wait of the suite, kept short.
 */
function quietWindow(ms = 300): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The `messageId` of a test job's payload. */
export function messageIdOf(payload: unknown): string {
  if (typeof payload === 'object' && payload !== null && 'messageId' in payload) {
    const id = (payload as { messageId: unknown }).messageId
    if (typeof id === 'string') return id
  }
  throw new Error(`Unexpected payload ${JSON.stringify(payload)}`)
}

/** The tasks the suite enqueues (the platform's own two names; any would do). */
export const DELIVER_TASK = defineJobTask('deliver-outbound', (payload) => ({
  messageId: messageIdOf(payload),
}))
const PROCESS_TASK = defineJobTask('process-inbound', (payload) => ({ messageId: messageIdOf(payload) }))

/**
 * pg's Pool.end() resolves before its sockets have closed, and a backend that `drop database … with
 * (force)` kills then errors on a pool with no listener left, crashing the test process. Waiting for
 * the database's backends to be gone first avoids that race.
 */
async function connectionsClosed(database: TestDatabase): Promise<void> {
  if (database.config.kind !== 'postgres') return
  const name = new URL(database.config.url).pathname.slice(1)
  const admin = new pg.Client({ connectionString: TEST_PG_URL })
  await admin.connect()
  try {
    await expectEventually(async () => {
      const { rows } = await admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = $1',
        [name],
      )
      expect(rows[0]?.n).toBe(0)
    })
  } finally {
    await admin.end()
  }
}

/** The behaviour every JobQueue adapter must show; each adapter's test file calls this (STYLE.md §7). */
export function describeJobQueueContract(
  name: string,
  makeQueue: MakeJobQueue,
  options: JobQueueContractOptions,
): void {
  describe(`JobQueue contract: ${name}`, () => {
    let database: TestDatabase
    let storages: Storage[]
    let queues: JobQueue[]

    async function openStorage(): Promise<Storage> {
      const storage = createDatabase(database.config)
      storages.push(storage)
      await migrateToLatest(storage)
      return storage
    }

    function newQueue(storage: Storage): JobQueue {
      const queue = makeQueue(storage)
      queues.push(queue)
      return queue
    }

    async function enqueueCommitted(
      queue: JobQueue,
      storage: Storage,
      jobs: ReadonlyArray<readonly [messageId: string, options?: EnqueueOptions]>,
    ): Promise<void> {
      await storage.db.transaction().execute(async (trx) => {
        for (const [messageId, jobOptions] of jobs)
          await queue.enqueue(trx, DELIVER_TASK, { messageId }, jobOptions)
      })
      queue.nudge()
    }

    beforeEach(async () => {
      database = await createTestDatabase('jobs')
      storages = []
      queues = []
    })

    afterEach(async () => {
      for (const queue of queues) await queue.close()
      for (const storage of storages) await storage.close()
      await connectionsClosed(database)
      await database.drop()
    })

    it('never runs a job enqueued in a transaction that rolled back', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      await expect(
        storage.db.transaction().execute(async (trx) => {
          await queue.enqueue(trx, DELIVER_TASK, { messageId: 'rolled-back' })
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
      expect(await queue.pending()).toBe(0)
      await enqueueCommitted(queue, storage, [['committed']])
      const ran: string[] = []
      await queue.start({ 'deliver-outbound': async (payload) => void ran.push(messageIdOf(payload)) })
      await expectEventually(() => expect(ran).toContain('committed'))
      expect(ran).toEqual(['committed'])
    })

    it('runs every committed job exactly once, then has nothing pending', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      const ids = Array.from({ length: 20 }, (_, i) => `m${i}`)
      await enqueueCommitted(
        queue,
        storage,
        ids.map((id) => [id] as const),
      )
      expect(await queue.pending()).toBe(20)
      const ran: string[] = []
      await queue.start({ 'deliver-outbound': async (payload) => void ran.push(messageIdOf(payload)) })
      await expectEventually(async () => expect(await queue.pending()).toBe(0))
      expect([...ran].sort()).toEqual([...ids].sort())
    })

    it('never runs a job twice when two runners share one database', async () => {
      // One connection for both: two SQLite connections in one thread would wait on each other's
      // write lock synchronously. Several processes on one file are the vault tests' concern.
      const storage = await openStorage()
      const queues2 = [newQueue(storage), newQueue(storage)]
      const ids = Array.from({ length: 30 }, (_, i) => `m${i}`)
      await enqueueCommitted(
        queues2[0]!,
        storage,
        ids.map((id) => [id] as const),
      )
      const ran: string[] = []
      const handler: JobHandler = async (payload) => {
        ran.push(messageIdOf(payload))
        await new Promise((resolve) => setImmediate(resolve))
      }
      await Promise.all(queues2.map((queue) => queue.start({ 'deliver-outbound': handler })))
      await expectEventually(async () => expect(await queues2[0]!.pending()).toBe(0))
      expect([...ran].sort()).toEqual([...ids].sort())
    })

    it('runs one queue strictly in order, one at a time, and different queues in parallel', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      const jobs: Array<readonly [string, EnqueueOptions]> = []
      for (let i = 0; i < 5; i++)
        jobs.push([`a${i}`, { queueName: 'queue-a' }], [`b${i}`, { queueName: 'queue-b' }])
      await enqueueCommitted(queue, storage, jobs)
      const started = { a0: latch(), b0: latch() }
      const order: Record<string, string[]> = { a: [], b: [] }
      const active: Record<string, number> = { a: 0, b: 0 }
      let overlapInOneQueue = false
      await queue.start({
        'deliver-outbound': async (payload) => {
          const id = messageIdOf(payload)
          const q = id[0]!
          active[q] = (active[q] ?? 0) + 1
          if (active[q]! > 1) overlapInOneQueue = true
          order[q]!.push(id)
          // The heads of both queues wait for each other: only parallel queues get past this.
          if (id === 'a0') {
            started.a0.open()
            await waitFor(started.b0, 'b0 to start while a0 runs')
          } else if (id === 'b0') {
            started.b0.open()
            await waitFor(started.a0, 'a0 to start while b0 runs')
          } else await new Promise((resolve) => setTimeout(resolve, 5))
          active[q]! -= 1
        },
      })
      await expectEventually(async () => expect(await queue.pending()).toBe(0))
      expect(order['a']).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
      expect(order['b']).toEqual(['b0', 'b1', 'b2', 'b3', 'b4'])
      expect(overlapInOneQueue).toBe(false)
    })

    it('keeps one waiting job per job key: enqueueing again replaces its payload', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      await enqueueCommitted(queue, storage, [['first', { jobKey: 'pull:ip1' }]])
      await enqueueCommitted(queue, storage, [['second', { jobKey: 'pull:ip1' }]])
      await enqueueCommitted(queue, storage, [
        ['third', { jobKey: 'pull:ip1' }],
        ['other', { jobKey: 'pull:ip2' }],
      ])
      expect(await queue.pending()).toBe(2)
      const ran: Array<{ id: string; context: JobContext }> = []
      await queue.start({
        'deliver-outbound': async (payload, context) => void ran.push({ id: messageIdOf(payload), context }),
      })
      await expectEventually(async () => expect(await queue.pending()).toBe(0))
      expect(ran.map((r) => r.id).sort()).toEqual(['other', 'third'])
      expect(ran.find((r) => r.id === 'third')?.context.jobKey).toBe('pull:ip1')
    })

    it('runs a job enqueued while the job with its key runs after that one, not beside it', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      const events: string[] = []
      const firstStarted = latch()
      const releaseFirst = latch()
      await queue.start({
        'deliver-outbound': async (payload) => {
          const id = messageIdOf(payload)
          events.push(`start ${id}`)
          if (id === 'first') {
            firstStarted.open()
            await waitFor(releaseFirst, 'the test to release the first job')
          }
          events.push(`end ${id}`)
        },
      })
      await enqueueCommitted(queue, storage, [['first', { jobKey: 'pull:ip1' }]])
      await waitFor(firstStarted, 'the first job to start')
      await enqueueCommitted(queue, storage, [['second', { jobKey: 'pull:ip1' }]])
      expect(await queue.pending()).toBe(2)
      await quietWindow()
      expect(events).toEqual(['start first'])
      releaseFirst.open()
      await expectEventually(() =>
        expect(events).toEqual(['start first', 'end first', 'start second', 'end second']),
      )
    })

    it('drops a failed job when a newer job with its key waits, instead of retrying both', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      const started = latch()
      const release = latch()
      const seen: string[] = []
      await queue.start({
        'deliver-outbound': async (payload) => {
          const id = messageIdOf(payload)
          seen.push(id)
          if (id === 'old') {
            started.open()
            await waitFor(release, 'the test to release the old job')
            throw new Error('stale state')
          }
        },
      })
      await enqueueCommitted(queue, storage, [['old', { jobKey: 'key:ip1' }]])
      await waitFor(started, 'the old job to start')
      await enqueueCommitted(queue, storage, [['new', { jobKey: 'key:ip1' }]])
      release.open()
      await expectEventually(async () => expect(await queue.pending()).toBe(0))
      await quietWindow()
      expect(seen).toEqual(['old', 'new'])
    })

    it('retries a throwing handler with growing delays, then marks it dead and tells onDead once', async () => {
      const { maxAttempts, minGapsMs, timeoutMs } = options.retries
      const storage = await openStorage()
      const queue = newQueue(storage)
      await enqueueCommitted(queue, storage, [['doomed', { maxAttempts }]])
      const attempts: Array<{ at: number; context: JobContext }> = []
      const dead: DeadJob[] = []
      await queue.start(
        {
          'deliver-outbound': async (_payload, context) => {
            attempts.push({ at: Date.now(), context })
            throw new Error(`boom ${context.attempt}`)
          },
        },
        async (job) => void dead.push(job),
      )
      await expectEventually(() => expect(dead).toHaveLength(1), { timeoutMs })
      expect(attempts.map((a) => a.context.attempt)).toEqual(
        Array.from({ length: maxAttempts }, (_, i) => i + 1),
      )
      expect(attempts.every((a) => a.context.maxAttempts === maxAttempts)).toBe(true)
      for (let i = 0; i + 1 < attempts.length; i++)
        expect(attempts[i + 1]!.at - attempts[i]!.at).toBeGreaterThanOrEqual(minGapsMs[i] ?? 0)
      expect(dead[0]).toMatchObject({
        task: 'deliver-outbound',
        payload: { messageId: 'doomed' },
        attempts: maxAttempts,
      })
      expect(dead[0]!.lastError).toContain(`boom ${maxAttempts}`)
      // graphile-worker tells of a dead job just before it releases the job's row.
      await expectEventually(async () => expect(await queue.pending()).toBe(0))
      await quietWindow()
      expect(attempts).toHaveLength(maxAttempts)
      expect(dead).toHaveLength(1)
    })

    it('waits for runAt before running a job', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      const runAt = new Date(Date.now() + 1_000)
      await enqueueCommitted(queue, storage, [['later', { runAt }]])
      const startedAt: number[] = []
      await queue.start({ 'deliver-outbound': async () => void startedAt.push(Date.now()) })
      expect(await queue.pending()).toBe(1)
      await expectEventually(() => expect(startedAt).toHaveLength(1))
      // Millisecond rounding between the database's clock and Node's is the only slack.
      expect(startedAt[0]!).toBeGreaterThanOrEqual(runAt.getTime() - 5)
    })

    it('close() waits for running handlers, which finish their job', async () => {
      const storage = await openStorage()
      const queue = newQueue(storage)
      await enqueueCommitted(queue, storage, [['slow']])
      const started = latch()
      const release = latch()
      let finished = false
      await queue.start({
        'deliver-outbound': async () => {
          started.open()
          await waitFor(release, 'the test to release the handler')
          finished = true
        },
      })
      await waitFor(started, 'the handler to start')
      let closed = false
      const closing = queue.close().then(() => {
        closed = true
      })
      await quietWindow()
      expect(closed).toBe(false)
      release.open()
      await closing
      expect(finished).toBe(true)
      expect(await newQueue(storage).pending()).toBe(0)
    })

    it('keeps jobs across a closed queue: a new queue over a new connection runs them', async () => {
      const first = await openStorage()
      const before = newQueue(first)
      await first.db.transaction().execute(async (trx) => {
        await before.enqueue(trx, DELIVER_TASK, { messageId: 'retried' }, { maxAttempts: 5 })
        // No handler for this task in the first queue: it waits for the second.
        await before.enqueue(trx, PROCESS_TASK, { messageId: 'waiting' })
      })
      const failedOnce = latch()
      await before.start({
        'deliver-outbound': async () => {
          failedOnce.open()
          throw new Error('not yet')
        },
      })
      await waitFor(failedOnce, 'the first attempt')
      await before.close()
      await first.close()
      storages.splice(storages.indexOf(first), 1)

      const second = await openStorage()
      const after = newQueue(second)
      expect(await after.pending()).toBe(2)
      const ran: string[] = []
      const handler: JobHandler = async (payload) => void ran.push(messageIdOf(payload))
      await after.start({ 'deliver-outbound': handler, 'process-inbound': handler })
      await expectEventually(async () => expect(await after.pending()).toBe(0), {
        timeoutMs: options.retries.timeoutMs,
      })
      expect(ran.sort()).toEqual(['retried', 'waiting'])
    })
  })
}

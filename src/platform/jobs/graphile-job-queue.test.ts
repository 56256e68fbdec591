import { type ChildProcess, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DELIVER_TASK, describeJobQueueContract, latch } from '../../../test/contracts/job-queue.contract.js'
import { createTestDatabase, TEST_DB_KIND } from '../../../test/support/databases.js'
import { expectEventually } from '../../../test/support/expect-eventually.js'
import { createDatabase, migrateToLatest } from '../storage/index.js'
import { GraphileJobQueue } from './graphile-job-queue.js'
import type { JobContext } from './job-queue.js'

describe.skipIf(TEST_DB_KIND !== 'postgres')('GraphileJobQueue (LIAISON_DB=postgres)', () => {
  describeJobQueueContract(
    'GraphileJobQueue',
    (storage) =>
      new GraphileJobQueue(storage, {
        // Jobs due later (runAt, retries) are found by polling; LISTEN/NOTIFY covers new ones.
        pollIntervalMs: 100,
        retry: { baseMs: 50, capMs: 1_000, jitter: 0.2 },
        log: () => {},
        onError: (error) => {
          throw error
        },
      }),
    // The same policy and figures as the embedded runner's contract run: 50 ms doubling, less 20 %
    // jitter (graphile finds a retry due later by its poll, so the gaps are at least these).
    { retries: { maxAttempts: 4, minGapsMs: [40, 80, 160], timeoutMs: 10_000 } },
  )
})

describe.skipIf(TEST_DB_KIND !== 'postgres')('GraphileJobQueue across processes', () => {
  it('B24: a job locked by a process killed with kill -9 runs again in another process within seconds, not 4 hours', {
    timeout: 60_000,
  }, async () => {
    const database = await createTestDatabase('graphile-kill')
    const storage = createDatabase(database.config)
    const queues: GraphileJobQueue[] = []
    let child: ChildProcess | undefined
    try {
      await migrateToLatest(storage)
      const enqueuer = new GraphileJobQueue(storage, { log: () => {} })
      queues.push(enqueuer)
      await storage.db
        .transaction()
        .execute((trx) => enqueuer.enqueue(trx, DELIVER_TASK, { messageId: 'survivor' }))
      const script = resolve(import.meta.dirname, '../../../test/support/graphile-runner-process.ts')
      child = spawn(process.execPath, ['--import', 'tsx', script, database.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      await expectEventually(() => expect(output).toContain('started {"messageId":"survivor"}'), {
        timeoutMs: 30_000,
      })
      child.kill('SIGKILL')
      await new Promise((done) => child!.once('exit', done))
      const runs: JobContext[] = []
      const rescuer = new GraphileJobQueue(storage, {
        pollIntervalMs: 100,
        log: () => {},
        deadRunners: { sweepMs: 200, graceMs: 500 },
      })
      queues.push(rescuer)
      await rescuer.start({ 'deliver-outbound': async (_payload, context) => void runs.push(context) })
      await expectEventually(() => expect(runs).toHaveLength(1), { timeoutMs: 10_000 })
      // The killed attempt counts: this is the second.
      expect(runs[0]!.attempt).toBe(2)
      await expectEventually(async () => expect(await rescuer.pending()).toBe(0))
    } finally {
      child?.kill('SIGKILL')
      for (const queue of queues) await queue.close()
      await storage.close()
      await database.drop()
    }
  })

  it('never takes back the jobs of a runner that is alive, however long its job runs', {
    timeout: 30_000,
  }, async () => {
    const database = await createTestDatabase('graphile-alive')
    const storage = createDatabase(database.config)
    const queues: GraphileJobQueue[] = []
    const release = latch()
    try {
      await migrateToLatest(storage)
      const options = { pollIntervalMs: 100, log: () => {}, deadRunners: { sweepMs: 100, graceMs: 200 } }
      const holder = new GraphileJobQueue(storage, options)
      const other = new GraphileJobQueue(storage, options)
      queues.push(holder, other)
      const runs: string[] = []
      await holder.start({
        'deliver-outbound': async () => {
          runs.push('holder')
          await release.promise
        },
      })
      await storage.db
        .transaction()
        .execute((trx) => holder.enqueue(trx, DELIVER_TASK, { messageId: 'long' }))
      await expectEventually(() => expect(runs).toEqual(['holder']))
      await other.start({ 'deliver-outbound': async () => void runs.push('other') })
      // Several sweeps of the other runner pass while the holder's job runs.
      await new Promise((done) => setTimeout(done, 1_500))
      expect(runs).toEqual(['holder'])
      release.open()
      await expectEventually(async () => expect(await holder.pending()).toBe(0))
      expect(runs).toEqual(['holder'])
    } finally {
      release.open()
      for (const queue of queues) await queue.close()
      await storage.close()
      await database.drop()
    }
  })
})

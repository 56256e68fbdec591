import { describe } from 'vitest'
import { describeJobQueueContract } from '../../../test/contracts/job-queue.contract.js'
import { TEST_DB_KIND } from '../../../test/support/databases.js'
import { GraphileJobQueue } from './graphile-job-queue.js'

describe.skipIf(TEST_DB_KIND !== 'postgres')('GraphileJobQueue (LIAISON_DB=postgres)', () => {
  describeJobQueueContract(
    'GraphileJobQueue',
    (storage) =>
      new GraphileJobQueue(storage, {
        // Jobs due later (runAt, retries) are found by polling; LISTEN/NOTIFY covers new ones.
        pollIntervalMs: 100,
        log: () => {},
        onError: (error) => {
          throw error
        },
      }),
    // graphile-worker's own back-off: e^1 ≈ 2.7 s, then e^2 ≈ 7.4 s (not configurable).
    { retries: { maxAttempts: 3, minGapsMs: [2_500, 7_000], timeoutMs: 30_000 } },
  )
})

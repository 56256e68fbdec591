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

import { describeJobQueueContract } from '../../../test/contracts/job-queue.contract.js'
import { systemClock } from '../clock/index.js'
import { SqliteJobQueue } from './sqlite-job-queue.js'

// Runs on whichever database LIAISON_DB selects: the runner uses Kysely only.
describeJobQueueContract(
  'SqliteJobQueue',
  (storage) =>
    new SqliteJobQueue(storage, systemClock, {
      pollIntervalMs: 10,
      retry: { baseMs: 50, capMs: 1_000, jitter: 0.2 },
      onError: (error) => {
        throw error
      },
    }),
  // 50 ms doubling, less 20 % jitter: at least 40, 80, 160 ms between attempts.
  { retries: { maxAttempts: 4, minGapsMs: [40, 80, 160], timeoutMs: 10_000 } },
)

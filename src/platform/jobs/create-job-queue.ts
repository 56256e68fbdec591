import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage } from '../storage/index.js'
import { GraphileJobQueue, type GraphileJobQueueOptions } from './graphile-job-queue.js'
import type { JobQueue } from './job-queue.js'
import { type ErrorLogger, runnerErrorReporter } from './runner-errors.js'
import { TableJobQueue, type TableJobQueueOptions } from './table-job-queue.js'

/** `table`: the embedded runner over the vault's `job` table; `graphile`: graphile-worker (PostgreSQL only). */
export type JobEngine = 'table' | 'graphile'

export interface CreateJobQueueOptions {
  /** (Default: 'graphile' on PostgreSQL, 'table' on SQLite) */
  readonly engine?: JobEngine
  readonly table?: TableJobQueueOptions
  readonly graphile?: GraphileJobQueueOptions
  /** Where the runners report their own failures, unless `table`/`graphile` give an onError. (Default: stderr) */
  readonly logger?: ErrorLogger
}

/**
 * The job queue of one vault. The engine follows the database the vault is configured with
 * (`storage.config.kind`): the one place outside `storage/` that may ask, because graphile-worker
 * exists only on PostgreSQL.
 */
export function createJobQueue(
  storage: Pick<Storage, 'db' | 'config'>,
  clock: Clock,
  options: CreateJobQueueOptions = {},
): JobQueue {
  const onError = runnerErrorReporter(options.logger)
  const engine = options.engine ?? (storage.config.kind === 'postgres' ? 'graphile' : 'table')
  if (engine === 'graphile') {
    if (storage.config.kind !== 'postgres')
      throw new LiaisonError(
        'INTERNAL',
        'The graphile job engine needs a PostgreSQL vault; use engine "table".',
      )
    return new GraphileJobQueue(storage, { onError, ...options.graphile })
  }
  return new TableJobQueue(storage, clock, { onError, ...options.table })
}

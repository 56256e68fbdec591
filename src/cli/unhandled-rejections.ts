import type { Logger } from 'pino'

/**
 * graphile-worker (0.17) writes a job's completion or failure without awaiting it: when the
 * database connection is cut at that moment, the write's rejection reaches nobody. The job stays
 * locked by a pool that no longer runs it; the lease sweep (platform/jobs graphile-runner-leases)
 * frees it within a minute. Such a rejection is logged and the process goes on serving. Any other
 * unhandled rejection is a bug of ours: it is logged and the process exits, as Node would.
 */
export function survivesJobWriteFailures(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    if (isLostJobWrite(reason)) {
      logger.warn(
        { err: reason },
        'graphile-worker could not record the end of a job (database unreachable); its lock is freed by the lease sweep',
      )
      return
    }
    logger.fatal({ err: reason }, 'unhandled promise rejection')
    process.exit(1)
  })
}

/** Whether a rejection is graphile-worker's unawaited write of a job's end (completeJobs, failJobs). */
export function isLostJobWrite(reason: unknown): boolean {
  const stack = reason instanceof Error ? (reason.stack ?? '') : ''
  return /graphile-worker[\\/].*(completeJobs|failJobs)/s.test(stack)
}

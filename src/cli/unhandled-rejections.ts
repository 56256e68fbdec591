import type { Logger } from 'pino'
import { isLostJobWrite } from '../platform/jobs/index.js'

/**
 * The process's policy for unhandled rejections: graphile-worker's lost job-end writes
 * (`isLostJobWrite`, platform/jobs) are logged and the process goes on serving, since the lease
 * sweep frees their locks. Any other is a bug of ours: it is logged and the process exits, as Node would.
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

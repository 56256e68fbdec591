import type { JobQueue } from '../../../platform/jobs/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import { CLM_METRICS_TASK } from '../../job-tasks/index.js'
import type { FlowVault } from '../flow-ports.js'
import { addToFeed } from './fold-clm-activity.js'

/** One metrics job at a time per vault: folds take turns anyway, and a waiting one takes all new rows. */
export const CLM_METRICS_JOB_KEY = 'clm-metrics'

/** The vault parts the metrics flow uses besides the flows' port. */
export interface MetricsVault extends FlowVault {
  readonly jobs: Pick<JobQueue, 'enqueue' | 'nudge'>
}

/**
 * B21: a change hook on the CRM's activity objects (call key messages, activity lines). A new row
 * joins the feed the next fold sums; an edit or deletion asks for a recalculation, since a sum
 * cannot take back a row it no longer knows. Either way the metrics job runs soon (within a minute
 * of new activity, and usually within seconds).
 */
export function queueClmActivity(vault: MetricsVault): ChangeHook {
  return async (trx, change) => {
    if (change.kind === 'create')
      await addToFeed(trx, vault.storage.dialect, change.objectName, 'create', change.ids)
    else await addToFeed(trx, vault.storage.dialect, change.objectName, 'recalculate', change.ids.slice(0, 1))
    await vault.jobs.enqueue(trx, CLM_METRICS_TASK, {}, { jobKey: CLM_METRICS_JOB_KEY })
    setImmediate(() => vault.jobs.nudge())
  }
}

/**
 * B21: a presentation or key message published (B18) gets its all-countries record of zeros at
 * the next metrics job, so Medical shows "not shown yet" rather than nothing.
 */
export function queueClmMetricsOfPublished(vault: MetricsVault): ChangeHook {
  return async (trx, change) => {
    if (change.kind !== 'create') return
    await vault.jobs.enqueue(trx, CLM_METRICS_TASK, {}, { jobKey: CLM_METRICS_JOB_KEY })
    setImmediate(() => vault.jobs.nudge())
  }
}

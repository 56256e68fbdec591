export { type CreateJobQueueOptions, createJobQueue, type JobEngine } from './create-job-queue.js'
export {
  DEFAULT_RETRY_POLICY,
  JOB_CONCURRENCY,
  JOB_LOCK_TIMEOUT_MS,
  JOB_MAX_ATTEMPTS,
  JOB_POLL_INTERVAL_MS,
  JOB_RETRY_BASE_MS,
  JOB_RETRY_CAP_MS,
  JOB_RETRY_JITTER,
  type RetryPolicy,
  retryDelayMs,
} from './defaults.js'
export {
  GraphileJobQueue,
  type GraphileJobQueueOptions,
  type GraphileLogLevel,
} from './graphile-job-queue.js'
export type {
  DeadJob,
  EnqueueOptions,
  JobContext,
  JobHandler,
  JobHandlers,
  JobQueue,
} from './job-queue.js'
export { JobRegistry } from './job-registry.js'
export { defineJobTask, type JobTask, type TaskHandler } from './job-task.js'
export { TableJobQueue, type TableJobQueueOptions } from './table-job-queue.js'

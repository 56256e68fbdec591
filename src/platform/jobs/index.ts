export { type CreateJobQueueOptions, createJobQueue, type JobEngine } from './create-job-queue.js'
export type { RetryPolicy } from './defaults.js'
export type { GraphileJobQueueOptions, GraphileLogLevel } from './graphile-job-queue.js'
export { isLostJobWrite } from './graphile-lost-writes.js'
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
export type { ErrorLogger } from './runner-errors.js'
export type { TableJobQueueOptions } from './table-job-queue.js'

export type {
  DeadJob,
  EnqueueOptions,
  JobContext,
  JobHandler,
  JobHandlers,
  JobPayloads,
  JobQueue,
  JobTask,
} from './job-queue.js'

import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import type { JobTask } from './job-task.js'

/**
 * Jobs glossary.
 * - job: one unit of durable work (deliver a message, process one, run a pull), stored in the
 *   vault's database, enqueued inside the transaction that made it necessary.
 * - task: a kind of job, declared with defineJobTask by the layer that owns it: a name and the
 *   check its payload passes. The platform declares its own (messaging's delivery and processing);
 *   later layers register theirs with the vault, which refuses to start its runner while one of
 *   them has no handler.
 * - queue: jobs with the same queueName run one at a time, in the order they were enqueued
 *   (per-key ordering); jobs without one run in parallel.
 * - job key: at most one waiting job per key; enqueueing again replaces its payload and run time.
 *   A job enqueued while the one with its key runs is added and starts after that one ends.
 * - attempt: each run; a handler that throws is retried with capped, jittered back-off until
 *   maxAttempts, after which the job is dead and `onDead` is told.
 */

export interface EnqueueOptions {
  /** Jobs sharing a queue name run one at a time in enqueue order. (Default: none, parallel) */
  readonly queueName?: string
  /**
   * De-duplicates: a waiting job with the same key is replaced instead of added; if that job is
   * running, the new one is added and waits for it (jobs with one key never run side by side).
   */
  readonly jobKey?: string
  /** Earliest start. (Default: now) */
  readonly runAt?: Date
  /** Attempts before the job is dead. (Default: JOB_MAX_ATTEMPTS, 12) */
  readonly maxAttempts?: number
}

export interface JobContext {
  /** 1 on the first run. */
  readonly attempt: number
  readonly maxAttempts: number
  readonly jobKey: string | undefined
}

/** What a runner calls: the payload as stored, `unknown` until the task's assertion checks it. */
export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>
/** A runner's handlers, by task name: it claims jobs of these tasks only. */
export type JobHandlers = Readonly<Record<string, JobHandler>>

export interface DeadJob {
  readonly task: string
  readonly payload: unknown
  readonly attempts: number
  readonly lastError: string
}

export interface JobQueue {
  /** Adds a job in the caller's transaction: it exists if and only if the transaction commits. */
  enqueue<P extends object>(
    trx: Transaction<VaultDb>,
    task: JobTask<P>,
    payload: P,
    options?: EnqueueOptions,
  ): Promise<void>
  /** Starts running jobs with these handlers; `onDead` hears of jobs that used up their attempts. */
  start(handlers: JobHandlers, onDead?: (job: DeadJob) => Promise<void>): Promise<void>
  /** Wakes the runner at once (after a commit that enqueued work). */
  nudge(): void
  /** Number of jobs not yet finished (waiting, running or scheduled for retry); dead jobs excluded. */
  pending(): Promise<number>
  close(): Promise<void>
}

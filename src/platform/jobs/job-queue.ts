import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'

/**
 * Jobs glossary.
 * - job: one unit of durable work (deliver a message, process one, run a pull), stored in the
 *   vault's database, enqueued inside the transaction that made it necessary.
 * - task: the name of a kind of job; its payload type is in JobPayloads.
 * - queue: jobs with the same queueName run one at a time, in the order they were enqueued
 *   (per-key ordering); jobs without one run in parallel.
 * - job key: at most one waiting job per key; enqueueing again replaces its payload and run time.
 *   A job enqueued while the one with its key runs is added and starts after that one ends.
 * - attempt: each run; a handler that throws is retried with capped, jittered back-off until
 *   maxAttempts, after which the job is dead and `onDead` is told.
 */

/** Every task and its payload. Handlers must still check payloads: an older release may have written them. */
export interface JobPayloads {
  /** Send one outbound message to its remote vault. */
  'deliver-outbound': { readonly messageId: string }
  /** Process one inbound message that was stored and acknowledged. */
  'process-inbound': { readonly messageId: string }
  /** Run a scheduled watermark pull of one integration point. */
  'pull-watermark': { readonly integrationPointId: string }
  /** Route the queued document changes to the connections that receive them (B16). */
  'route-documents': Readonly<Record<string, never>>
}
export type JobTask = keyof JobPayloads

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

/** A handler gets `unknown` and asserts the payload shape itself. */
export type JobHandler = (payload: unknown, context: JobContext) => Promise<void>
export type JobHandlers = { readonly [K in JobTask]?: JobHandler }

export interface DeadJob {
  readonly task: string
  readonly payload: unknown
  readonly attempts: number
  readonly lastError: string
}

export interface JobQueue {
  /** Adds a job in the caller's transaction: it exists if and only if the transaction commits. */
  enqueue<K extends JobTask>(
    trx: Transaction<VaultDb>,
    task: K,
    payload: JobPayloads[K],
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

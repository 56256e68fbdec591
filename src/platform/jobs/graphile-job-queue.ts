import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import {
  type Job,
  type JobHelpers,
  Logger,
  type LogLevel,
  type Runner,
  run,
  runMigrations,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker'
import { type Kysely, sql, type Transaction } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import { createPostgresPool, type Storage, type VaultDb } from '../storage/index.js'
import {
  DEFAULT_RETRY_POLICY,
  JOB_CONCURRENCY,
  JOB_MAX_ATTEMPTS,
  JOB_POLL_INTERVAL_MS,
  type RetryPolicy,
  retryDelayMs,
} from './defaults.js'
import { assertEnqueueOptions } from './enqueue-options.js'
import { RunnerLeases } from './graphile-runner-leases.js'
import type { DeadJob, EnqueueOptions, JobContext, JobHandlers, JobQueue } from './job-queue.js'
import type { JobTask } from './job-task.js'
import { describeError, reportRunnerError } from './runner-errors.js'

export type GraphileLogLevel = 'error' | 'warning' | 'info' | 'debug'

export interface GraphileJobQueueOptions {
  /** Jobs run at a time by this process. (Default: JOB_CONCURRENCY, 4) */
  readonly concurrency?: number
  /**
   * graphile-worker's fallback poll, in ms. New jobs arrive by LISTEN/NOTIFY at once, but the next
   * job of a queue (a connection's next message) waits for a poll once the one before it ends.
   * (Default: JOB_POLL_INTERVAL_MS, 250)
   */
  readonly pollIntervalMs?: number
  /** Hears the adapter's own failures (a throwing onDead). (Default: console) */
  readonly onError?: (error: unknown) => void
  /**
   * Hears graphile-worker's log. (Default: its warnings and errors to the console, except the lines
   * about a failed attempt: those are normal retries, and a job that used its attempts reaches onDead.)
   */
  readonly log?: (level: GraphileLogLevel, message: string) => void
  /**
   * Jobs locked by a runner whose process died are released this soon (its lease, see
   * RunnerLeases): looked for every `sweepMs`, among locks older than `graceMs`.
   * (Default: every 15 s, locks older than 30 s: a dead runner's jobs run again within a minute)
   */
  readonly deadRunners?: { readonly sweepMs?: number; readonly graceMs?: number }
  /** Delays between attempts, as the embedded runner's. (Default: DESIGN.md's, DEFAULT_RETRY_POLICY) */
  readonly retry?: Partial<RetryPolicy>
}

/**
 * Where a retried job carries the attempts before it: graphile-worker counts attempts per job row,
 * and a retry is a new row (see the class comment).
 */
const RETRY_FIELD = '__liaison_retry'

interface RetryState {
  /** Attempts made by the rows before this one. */
  readonly before: number
  /** Attempts the job has in all. */
  readonly max: number
}

/** The handler's payload and the retry state a retried job's payload carries. */
function unwrapPayload(
  payload: unknown,
  job: Pick<Job, 'max_attempts'>,
): { payload: unknown; retry: RetryState } {
  if (typeof payload === 'object' && payload !== null && RETRY_FIELD in payload) {
    const { [RETRY_FIELD]: state, ...rest } = payload as Record<string, unknown>
    const retry = state as Partial<RetryState>
    if (typeof retry?.before === 'number' && typeof retry.max === 'number')
      return { payload: rest, retry: { before: retry.before, max: retry.max } }
    return { payload: rest, retry: { before: 0, max: job.max_attempts } }
  }
  return { payload, retry: { before: 0, max: job.max_attempts } }
}

/** How often each process looks for jobs locked by runners that died. */
const DEAD_RUNNER_SWEEP_MS = 15_000
/** Locks younger than this are never taken back. */
const DEAD_RUNNER_GRACE_MS = 30_000

/** Held while graphile-worker installs or upgrades its schema, so starters queue rather than race. */
const GRAPHILE_INSTALL_LOCK = 731_1947
/** graphile-worker refuses longer queue names. */
const MAX_QUEUE_NAME = 128

/** The default log: graphile-worker's warnings and errors, to where the runner's own failures go. */
function defaultLog(report: (error: unknown) => void): (level: GraphileLogLevel, message: string) => void {
  return (level, message) => {
    if (level === 'error' || level === 'warning') report(`graphile-worker ${level}: ${message}`)
  }
}

/**
 * The port's view of a graphile job: graphile counts the attempt at claim time, so the first run of
 * a row is 1; the rows of earlier attempts add theirs.
 */
function contextOf(job: Pick<Job, 'attempts' | 'key'>, retry: RetryState): JobContext {
  return { attempt: retry.before + job.attempts, maxAttempts: retry.max, jobKey: job.key ?? undefined }
}

/**
 * graphile-worker, in replace mode, lets a job enqueued while the job with its key runs start at
 * once beside it (vercel/workflow#3657). A key therefore implies a named queue of its own when no
 * queue is given, so the successor waits, as it does in the embedded runner.
 */
function queueNameFor(options: EnqueueOptions): string | null {
  if (options.queueName !== undefined) return options.queueName
  if (options.jobKey === undefined) return null
  const name = `job-key:${options.jobKey}`
  return name.length <= MAX_QUEUE_NAME
    ? name
    : `job-key#${createHash('sha256').update(options.jobKey).digest('hex')}`
}

/**
 * Jobs on PostgreSQL through graphile-worker (SKIP LOCKED claims, LISTEN/NOTIFY wake-ups, named
 * queues, job keys), enqueued with `graphile_worker.add_job` inside the caller's transaction.
 *
 * Differences from the embedded runner, accepted:
 * - Retries follow DESIGN.md's policy as the embedded runner's do (1 s, 2 s, 4 s … capped at 5
 *   minutes, ±20 %), not graphile-worker's own back-off (e^attempt seconds, up to 6 h, which cannot be
 *   configured): a failed attempt that has attempts left adds the next attempt as a new row, due after
 *   the policy's delay, with the attempts so far in its payload (`__liaison_retry`), and completes
 *   its own row. A row's own graphile retries remain only for a process that died mid-attempt; the
 *   attempt that uses the last one fails its row for good, and onDead hears of it.
 * - A job locked by a process that died is released within a minute by the other processes
 *   (RunnerLeases), not after graphile's 4-hour lock expiry.
 * - run_at defaults to the database's now(), not the Clock.
 * - Dead jobs (attempts used) stay in graphile's table, as in ours; graphile-worker's cleanup can delete them.
 * - A job that fails while close() runs may lose its failure record to graphile's shutdown race
 *   (see #releaseAfterStop): it is then retried at once, without its error, by the next runner.
 */
export class GraphileJobQueue implements JobQueue {
  readonly #db: Kysely<VaultDb>
  readonly #connectionString: string
  /** graphile-worker's own connections, made here so a closed server connection is not an uncaught error. */
  #pool: ReturnType<typeof createPostgresPool> | undefined
  readonly #concurrency: number
  readonly #pollIntervalMs: number
  readonly #onError: (error: unknown) => void
  readonly #logger: Logger
  readonly #retry: RetryPolicy
  readonly #deadRunners: { readonly sweepMs: number; readonly graceMs: number }
  #leases: RunnerLeases | undefined
  #installed: Promise<void> | undefined
  #runner: Runner | undefined
  #state: 'new' | 'running' | 'closed' = 'new'
  readonly #deadNotices = new Set<Promise<void>>()
  /** graphile's worker-pool ids that locked jobs here: released at close (see #releaseAfterStop). */
  readonly #lockedBy = new Set<string>()
  /** Jobs that succeeded after close() began, whose completion graphile may not have written. */
  readonly #doneWhileStopping = new Set<string>()

  constructor(storage: Pick<Storage, 'db' | 'config'>, options: GraphileJobQueueOptions = {}) {
    if (storage.config.kind !== 'postgres')
      throw new LiaisonError(
        'INTERNAL',
        'graphile-worker runs only on PostgreSQL; use the table job queue on SQLite.',
      )
    this.#db = storage.db
    this.#connectionString = storage.config.url
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? JOB_CONCURRENCY))
    this.#pollIntervalMs = options.pollIntervalMs ?? JOB_POLL_INTERVAL_MS
    this.#onError = options.onError ?? reportRunnerError
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#deadRunners = {
      sweepMs: options.deadRunners?.sweepMs ?? DEAD_RUNNER_SWEEP_MS,
      graceMs: options.deadRunners?.graceMs ?? DEAD_RUNNER_GRACE_MS,
    }
    const log = options.log ?? defaultLog(this.#onError)
    this.#logger = new Logger(() => (level: LogLevel, message: string, meta?: Record<string, unknown>) => {
      if (options.log === undefined && meta?.['failure'] === true) return
      log(level, message)
    })
  }

  /**
   * Installs or upgrades graphile-worker's schema (`graphile_worker`) once per queue object, under an
   * advisory lock. enqueue(), start() and pending() call it, so jobs can be added before any runner starts.
   */
  install(): Promise<void> {
    this.#installed ??= this.#migrate().catch((error: unknown) => {
      this.#installed = undefined
      throw error
    })
    return this.#installed
  }

  async enqueue<P extends object>(
    trx: Transaction<VaultDb>,
    task: JobTask<P>,
    payload: P,
    options: EnqueueOptions = {},
  ): Promise<void> {
    assertEnqueueOptions(options)
    // Before the first statement of ours in the caller's transaction: a missing function would abort it.
    await this.install()
    await sql`select graphile_worker.add_job(
      identifier => ${task.name}::text,
      payload => ${JSON.stringify(payload)}::json,
      queue_name => ${queueNameFor(options)}::text,
      run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
      max_attempts => ${options.maxAttempts ?? JOB_MAX_ATTEMPTS}::integer,
      job_key => ${options.jobKey ?? null}::text
    )`.execute(trx)
  }

  async start(handlers: JobHandlers, onDead?: (job: DeadJob) => Promise<void>): Promise<void> {
    if (this.#state !== 'new')
      throw new LiaisonError('INTERNAL', `This job queue is ${this.#state}; start() may be called once.`)
    this.#state = 'running'
    await this.install()
    const taskList: TaskList = {}
    for (const [task, handler] of Object.entries(handlers)) {
      if (handler === undefined) continue
      // A failed attempt with attempts left is retried by the policy (see the class comment).
      taskList[task] = async (raw: unknown, helpers: JobHelpers) => {
        const { job } = helpers
        if (job.locked_by !== null) this.#lockedBy.add(job.locked_by)
        const { payload, retry } = unwrapPayload(raw, job)
        const context = contextOf(job, retry)
        try {
          await handler(payload, context)
        } catch (error) {
          if (context.attempt >= context.maxAttempts || this.#state === 'closed') throw error
          await this.#retryLater(helpers, payload, context, error)
        }
        if (this.#state === 'closed') this.#doneWhileStopping.add(job.id)
      }
    }
    if (Object.keys(taskList).length === 0) return
    // The jobs this process runs now: a lock of its own pools on anything else is stale (leases).
    const running = new Map<string, number | null>()
    const leases = new RunnerLeases(this.#workerPool(), {
      ...this.#deadRunners,
      onError: this.#onError,
      running: () => running,
    })
    this.#leases = leases
    const events: WorkerEvents = new EventEmitter()
    events.on('job:start', ({ job }: { job: { id: string; job_queue_id?: number | null } }) => {
      running.set(String(job.id), job.job_queue_id ?? null)
    })
    events.on('job:complete', ({ job }: { job: { id: string } }) => {
      running.delete(String(job.id))
    })
    // A pool holds its lease from its creation, before it locks a job, for as long as it runs.
    const leased: Promise<void>[] = []
    events.on('pool:create', ({ workerPool }: { workerPool: { id: string } }) => {
      leased.push(leases.hold(workerPool.id).catch(this.#onError))
    })
    this.#runner = await run(
      {
        pgPool: this.#workerPool(),
        events,
        concurrency: this.#concurrency,
        noHandleSignals: true,
        taskList,
        logger: this.#logger,
        pollInterval: this.#pollIntervalMs,
      },
      undefined,
      // No crontab: without this graphile-worker would read ./crontab from the working directory.
      [],
    )
    await Promise.all(leased)
    leases.start()
    if (onDead !== undefined)
      // Emitted once, on the attempt that used the last one; the job stays in graphile's table as failed.
      this.#runner.events.on('job:failed', ({ job, error }) => {
        const { payload, retry } = unwrapPayload(job.payload, job)
        const notice = onDead({
          task: job.task_identifier,
          payload,
          attempts: retry.before + job.attempts,
          lastError: describeError(error),
        })
          .catch((failure: unknown) => this.#onError(failure))
          .finally(() => this.#deadNotices.delete(notice))
        this.#deadNotices.add(notice)
      })
  }

  /**
   * Adds the job's next attempt, due after the policy's delay, unless a newer job with its key was
   * added while this attempt ran (graphile then took the key from this row): that one carries the
   * newer state and runs anyway, as in the embedded runner.
   */
  async #retryLater(
    helpers: JobHelpers,
    payload: unknown,
    context: JobContext,
    error: unknown,
  ): Promise<void> {
    const { job } = helpers
    const delayMs = retryDelayMs(context.attempt, this.#retry)
    const state: RetryState = { before: context.attempt, max: context.maxAttempts }
    await helpers.withPgClient(async (client) => {
      const { rows } = await client.query<{ key: string | null; queue_name: string | null }>(
        `select j.key, q.queue_name from graphile_worker._private_jobs j
          left join graphile_worker._private_job_queues q on q.id = j.job_queue_id where j.id = $1`,
        [job.id],
      )
      if (job.key !== null && rows[0]?.key !== job.key) return
      await client.query(
        `select graphile_worker.add_job(
          identifier => $1::text, payload => $2::json, queue_name => $3::text,
          run_at => now() + ($4::integer * interval '1 millisecond'), max_attempts => $5::integer, job_key => $6::text)`,
        [
          job.task_identifier,
          JSON.stringify({ ...(payload as object), [RETRY_FIELD]: state }),
          rows[0]?.queue_name ?? null,
          delayMs,
          context.maxAttempts - context.attempt,
          job.key,
        ],
      )
    })
    helpers.logger.debug(
      `attempt ${context.attempt} of ${context.maxAttempts} failed (${describeError(error)}); next in ${delayMs} ms`,
    )
  }

  /** graphile-worker hears of new jobs through LISTEN/NOTIFY when the enqueuing transaction commits. */
  nudge(): void {}

  async pending(): Promise<number> {
    await this.install()
    // A job that used its attempts stays in the table with attempts = max_attempts; it is dead,
    // unless it is still locked (its last attempt is running).
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from graphile_worker.jobs
      where locked_at is not null or attempts < max_attempts`.execute(this.#db)
    return Number(rows[0]?.n ?? 0)
  }

  /** Stops taking jobs and waits for the running ones (graphile's graceful shutdown) and for onDead. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    const runner = this.#runner
    this.#runner = undefined
    if (runner !== undefined) {
      await runner.stop()
      await this.#releaseAfterStop()
    }
    await this.#leases?.close()
    await Promise.allSettled([...this.#deadNotices])
    const pool = this.#pool
    this.#pool = undefined
    // graphile-worker does not end a pool it was given.
    await pool?.end()
  }

  /**
   * graphile-worker 0.17 ends its pool while a job that finished during a graceful shutdown is still
   * being marked complete (graphile/worker#223): the job would stay locked, and its named queue
   * blocked, for the 4-hour lock expiry, then run again. Our pool is stopped and no job of ours
   * runs now, so its locks are released, and the jobs we saw succeed are completed, in one transaction.
   */
  async #releaseAfterStop(): Promise<void> {
    if (this.#lockedBy.size === 0) return
    const poolIds = [...this.#lockedBy]
    const done = [...this.#doneWhileStopping]
    await this.#db.transaction().execute(async (trx) => {
      await sql`select graphile_worker.force_unlock_workers(${poolIds}::text[])`.execute(trx)
      if (done.length > 0) await sql`select graphile_worker.complete_jobs(${done}::bigint[])`.execute(trx)
    })
  }

  #workerPool(): ReturnType<typeof createPostgresPool> {
    // The concurrency, graphile's own two, and the connection that holds the runner's lease.
    this.#pool ??= createPostgresPool(this.#connectionString, this.#concurrency + 3)
    return this.#pool
  }

  async #migrate(): Promise<void> {
    await this.#db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${GRAPHILE_INSTALL_LOCK})`.execute(connection)
      try {
        await runMigrations({ pgPool: this.#workerPool(), logger: this.#logger })
      } finally {
        await sql`select pg_advisory_unlock(${GRAPHILE_INSTALL_LOCK})`.execute(connection)
      }
    })
  }
}

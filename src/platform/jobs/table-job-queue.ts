import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import {
  DEFAULT_RETRY_POLICY,
  JOB_CONCURRENCY,
  JOB_LOCK_TIMEOUT_MS,
  JOB_MAX_ATTEMPTS,
  JOB_POLL_INTERVAL_MS,
  type RetryPolicy,
  retryDelayMs,
} from './defaults.js'
import { assertEnqueueOptions } from './enqueue-options.js'
import type { DeadJob, EnqueueOptions, JobHandler, JobHandlers, JobQueue } from './job-queue.js'
import type { JobTask } from './job-task.js'
import { describeError, reportRunnerError } from './runner-errors.js'

export interface TableJobQueueOptions {
  /** Jobs run at a time by this runner. (Default: JOB_CONCURRENCY, 4) */
  readonly concurrency?: number
  /** How often an idle runner looks for due jobs, in ms. (Default: JOB_POLL_INTERVAL_MS, 250) */
  readonly pollIntervalMs?: number
  /** Retry back-off; tests pass small delays. (Default: 1 s doubling, capped at 5 min, ±20 %) */
  readonly retry?: Partial<RetryPolicy>
  /** A running job whose lock is older than this is taken back, in ms. (Default: JOB_LOCK_TIMEOUT_MS, 45 s) */
  readonly lockTimeoutMs?: number
  /**
   * Set when no other process runs jobs on this database (the embedded vault that owns its SQLite
   * file): start() then takes back at once every job left running, which only a crashed run can
   * have left, instead of waiting for its lock to expire. (Default: false)
   */
  readonly soleRunner?: boolean
  /** Written to `locked_by`. (Default: host:pid:random) */
  readonly runnerId?: string
  /** Hears the runner's own failures (a claim the database refused, a throwing onDead). (Default: console) */
  readonly onError?: (error: unknown) => void
  /** Source of jitter, in [0, 1). (Default: Math.random) */
  readonly random?: () => number
}

/** A claimed row of the `job` table. */
interface ClaimedJob {
  readonly id: number
  readonly task: string
  readonly payload: string
  readonly jobKey: string | undefined
  readonly attempts: number
  readonly maxAttempts: number
}

const NO_HANDLERS: JobHandlers = Object.freeze({})

function numberColumn(row: Readonly<Record<string, unknown>>, name: string): number {
  const value = row[name]
  const n = typeof value === 'bigint' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new LiaisonError('INTERNAL', `The job table column ${name} holds ${String(value)}, not a number.`)
  return n
}

function textColumn(row: Readonly<Record<string, unknown>>, name: string): string {
  const value = row[name]
  if (typeof value !== 'string')
    throw new LiaisonError('INTERNAL', `The job table column ${name} holds ${String(value)}, not text.`)
  return value
}

function toClaimedJob(row: Readonly<Record<string, unknown>>): ClaimedJob {
  const key = row['job_key']
  return {
    id: numberColumn(row, 'id'),
    task: textColumn(row, 'task'),
    payload: textColumn(row, 'payload'),
    jobKey: typeof key === 'string' ? key : undefined,
    attempts: numberColumn(row, 'attempts'),
    maxAttempts: numberColumn(row, 'max_attempts'),
  }
}

/**
 * The embedded job runner: a `job` table in the vault's own database, read and written only
 * through Kysely, and a loop in this process. Finished jobs are deleted; dead ones stay (state 'dead').
 *
 * Crash recovery: a live runner renews the locks of the jobs it runs every quarter of
 * `lockTimeoutMs`; any runner takes back a running job whose lock is older than that (its runner
 * died), or, with `soleRunner`, every running job at start. A job taken back that has used its
 * attempts becomes dead. Handlers therefore run at least once, and must be idempotent.
 *
 * Built for SQLite, where Kysely serialises one connection and every claim is a single UPDATE (so
 * several processes on one file queue on SQLite's write lock); it also runs on PostgreSQL, where a
 * claim that loses a race finds the row no longer waiting and claims nothing.
 */
export class TableJobQueue implements JobQueue {
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock
  readonly #concurrency: number
  readonly #pollIntervalMs: number
  readonly #retry: RetryPolicy
  readonly #lockTimeoutMs: number
  readonly #soleRunner: boolean
  readonly #runnerId: string
  readonly #onError: (error: unknown) => void
  readonly #random: () => number

  #handlers: JobHandlers = NO_HANDLERS
  #onDead: ((job: DeadJob) => Promise<void>) | undefined
  #state: 'new' | 'running' | 'closed' = 'new'
  #loop: Promise<void> | undefined
  /** Jobs this runner is running, by id: the promise settles once the outcome is recorded. */
  readonly #inFlight = new Map<number, Promise<void>>()
  #woken = false
  #wake: (() => void) | undefined
  #lastMaintenance = Number.NEGATIVE_INFINITY

  constructor(storage: Pick<Storage, 'db'>, clock: Clock, options: TableJobQueueOptions = {}) {
    this.#db = storage.db
    this.#clock = clock
    this.#concurrency = Math.max(1, Math.floor(options.concurrency ?? JOB_CONCURRENCY))
    this.#pollIntervalMs = Math.max(1, options.pollIntervalMs ?? JOB_POLL_INTERVAL_MS)
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry }
    this.#lockTimeoutMs = options.lockTimeoutMs ?? JOB_LOCK_TIMEOUT_MS
    this.#soleRunner = options.soleRunner ?? false
    this.#runnerId = options.runnerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
    this.#onError = options.onError ?? reportRunnerError
    this.#random = options.random ?? Math.random
  }

  /** The id this runner writes to `locked_by`. */
  get runnerId(): string {
    return this.#runnerId
  }

  async enqueue<P extends object>(
    trx: Transaction<VaultDb>,
    task: JobTask<P>,
    payload: P,
    options: EnqueueOptions = {},
  ): Promise<void> {
    assertEnqueueOptions(options)
    const runAt = new Date(options.runAt?.getTime() ?? this.#clock.now()).toISOString()
    const replacement = {
      task: task.name,
      payload: JSON.stringify(payload),
      queue_name: options.queueName ?? null,
      run_at: runAt,
      max_attempts: options.maxAttempts ?? JOB_MAX_ATTEMPTS,
      attempts: 0,
      last_error: null,
    }
    const insert = trx.insertInto('job').values({
      ...replacement,
      job_key: options.jobKey ?? null,
      locked_at: null,
      locked_by: null,
      created_date: new Date(this.#clock.now()).toISOString(),
      state: 'waiting',
    })
    // A waiting job with the same key is replaced in place (it keeps its place in its queue). A
    // running one is left alone: the partial unique index covers waiting jobs only, so the new job
    // is added, and the claim holds it back until the running job with its key has finished.
    await (options.jobKey === undefined
      ? insert
      : // The predicate is a literal: SQLite matches it against the partial index's own WHERE text,
        // and a bound parameter would not prove that the index applies.
        insert.onConflict((oc) =>
          oc.column('job_key').where(sql<SqlBool>`state = 'waiting'`).doUpdateSet(replacement),
        )
    ).execute()
  }

  async start(handlers: JobHandlers, onDead?: (job: DeadJob) => Promise<void>): Promise<void> {
    if (this.#state !== 'new')
      throw new LiaisonError('INTERNAL', `This job queue is ${this.#state}; start() may be called once.`)
    this.#state = 'running'
    this.#handlers = handlers
    this.#onDead = onDead
    // Take back what a crashed run left before claiming anything, so it is not overtaken in its queue.
    await this.#maintain(true)
    this.#loop = this.#runLoop()
  }

  nudge(): void {
    this.#woken = true
    this.#wake?.()
  }

  async pending(): Promise<number> {
    const row = await this.#db
      .selectFrom('job')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('state', 'in', ['waiting', 'running'])
      .executeTakeFirstOrThrow()
    return Number(row['n'])
  }

  /** Stops claiming, then waits for the running handlers and the recording of their outcome. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.nudge()
    await this.#loop
    await Promise.allSettled([...this.#inFlight.values()])
  }

  get #tasks(): string[] {
    return Object.entries(this.#handlers)
      .filter(([, handler]) => handler !== undefined)
      .map(([task]) => task)
  }

  async #runLoop(): Promise<void> {
    while (this.#state === 'running') {
      try {
        await this.#maintain(false)
        await this.#claimWhileRoom()
      } catch (error) {
        this.#onError(error)
      }
      await this.#sleep()
    }
  }

  async #claimWhileRoom(): Promise<void> {
    const tasks = this.#tasks
    if (tasks.length === 0) return
    while (this.#state === 'running' && this.#inFlight.size < this.#concurrency) {
      const job = await this.#claim(tasks)
      if (job === undefined) return
      this.#launch(job)
    }
  }

  /**
   * One statement picks and locks the next ready job: due, waiting, of a task this runner handles,
   * first in its queue with nothing of its queue running, and no running job holding its key.
   */
  async #claim(tasks: readonly string[]): Promise<ClaimedJob | undefined> {
    const now = new Date(this.#clock.now()).toISOString()
    const next = this.#db
      .selectFrom('job as j')
      .select('j.id')
      .where('j.state', '=', 'waiting')
      .where('j.run_at', '<=', now)
      .where('j.task', 'in', tasks)
      .where(({ or, and, not, exists, selectFrom, eb }) =>
        and([
          or([
            eb('j.queue_name', 'is', null),
            and([
              not(
                exists(
                  selectFrom('job as r')
                    .select('r.id')
                    .whereRef('r.queue_name', '=', 'j.queue_name')
                    .where('r.state', '=', 'running'),
                ),
              ),
              not(
                exists(
                  selectFrom('job as e')
                    .select('e.id')
                    .whereRef('e.queue_name', '=', 'j.queue_name')
                    .where('e.state', '=', 'waiting')
                    .whereRef('e.id', '<', 'j.id'),
                ),
              ),
            ]),
          ]),
          or([
            eb('j.job_key', 'is', null),
            not(
              exists(
                selectFrom('job as k')
                  .select('k.id')
                  .whereRef('k.job_key', '=', 'j.job_key')
                  .where('k.state', '=', 'running'),
              ),
            ),
          ]),
        ]),
      )
      .orderBy('j.run_at')
      .orderBy('j.id')
      .limit(1)
    const row = await this.#db
      .updateTable('job')
      .set((eb) => ({
        state: 'running',
        locked_by: this.#runnerId,
        locked_at: now,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', next)
      // Re-checked on the row itself: on PostgreSQL a concurrent claim of the same row makes this one match nothing.
      .where('state', '=', 'waiting')
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toClaimedJob(row)
  }

  #launch(job: ClaimedJob): void {
    const outcome = this.#execute(job)
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#inFlight.delete(job.id)
        // A freed slot, and perhaps the next job of the same queue: look again at once.
        this.nudge()
      })
    this.#inFlight.set(job.id, outcome)
  }

  async #execute(job: ClaimedJob): Promise<void> {
    const handler: JobHandler | undefined = this.#handlers[job.task]
    try {
      if (handler === undefined)
        throw new LiaisonError('INTERNAL', `No handler for the job task ${job.task}.`)
      const payload: unknown = JSON.parse(job.payload)
      await handler(payload, { attempt: job.attempts, maxAttempts: job.maxAttempts, jobKey: job.jobKey })
    } catch (error) {
      await this.#recordFailure(job, error)
      return
    }
    // Only while the lock is still ours: a runner that took the job back owns it now.
    await this.#db
      .deleteFrom('job')
      .where('id', '=', job.id)
      .where('locked_by', '=', this.#runnerId)
      .execute()
  }

  async #recordFailure(job: ClaimedJob, error: unknown): Promise<void> {
    const lastError = describeError(error)
    if (job.attempts >= job.maxAttempts) {
      // onDead is told before the job is marked dead: a crash in between makes the job be taken
      // back and end dead again, so onDead hears of every dead job at least once.
      await this.#tellDead(job, lastError)
      await this.#db
        .updateTable('job')
        .set({ state: 'dead', last_error: lastError, locked_at: null, locked_by: null })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.#runnerId)
        .execute()
      return
    }
    const runAt = new Date(
      this.#clock.now() + retryDelayMs(job.attempts, this.#retry, this.#random),
    ).toISOString()
    await this.#db.transaction().execute(async (trx) => {
      // The write comes first so SQLite takes its write lock before anything is read.
      const superseded = await trx
        .deleteFrom('job')
        .where('id', '=', job.id)
        .where('locked_by', '=', this.#runnerId)
        .where((eb) => this.#hasWaitingSuccessor(eb))
        .executeTakeFirst()
      if (Number(superseded.numDeletedRows) > 0) return
      await trx
        .updateTable('job')
        .set({ state: 'waiting', run_at: runAt, last_error: lastError, locked_at: null, locked_by: null })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.#runnerId)
        .execute()
    })
  }

  /** A waiting job with the same key was enqueued while this one ran: it carries the newer state. */
  #hasWaitingSuccessor(eb: ExpressionBuilder<VaultDb, 'job'>): Expression<SqlBool> {
    return eb.exists(
      eb
        .selectFrom('job as w')
        .select('w.id')
        .whereRef('w.job_key', '=', 'job.job_key')
        .where('w.state', '=', 'waiting'),
    )
  }

  async #tellDead(job: Pick<ClaimedJob, 'task' | 'payload' | 'attempts'>, lastError: string): Promise<void> {
    if (this.#onDead === undefined) return
    try {
      await this.#onDead({
        task: job.task,
        payload: JSON.parse(job.payload),
        attempts: job.attempts,
        lastError,
      })
    } catch (error) {
      this.#onError(error)
    }
  }

  /** Renews this runner's locks and takes back jobs whose runner died, at most every quarter lock timeout. */
  async #maintain(atStart: boolean): Promise<void> {
    const now = this.#clock.now()
    if (!atStart && now - this.#lastMaintenance < this.#lockTimeoutMs / 4) return
    this.#lastMaintenance = now
    const nowIso = new Date(now).toISOString()
    const mine = [...this.#inFlight.keys()]
    if (mine.length > 0)
      await this.#db
        .updateTable('job')
        .set({ locked_at: nowIso })
        .where('locked_by', '=', this.#runnerId)
        .where('id', 'in', mine)
        .execute()
    const everything = atStart && this.#soleRunner
    const cutoff = new Date(now - this.#lockTimeoutMs).toISOString()
    const dead = await this.#db.transaction().execute(async (trx) => {
      const lastError = `The runner holding this job stopped before it finished (taken back by ${this.#runnerId}).`
      const staleRows = trx
        .updateTable('job')
        .where('state', '=', 'running')
        .$if(!everything, (q) => q.where('locked_at', '<', cutoff))
        .$if(mine.length > 0, (q) => q.where('id', 'not in', mine))
      // Jobs that used their attempts (perhaps by crashing the runner every time) become dead.
      const exhausted = await staleRows
        .set({ state: 'dead', last_error: lastError, locked_at: null, locked_by: null })
        .whereRef('attempts', '>=', 'max_attempts')
        .returningAll()
        .execute()
      await trx
        .deleteFrom('job')
        .where('state', '=', 'running')
        .$if(!everything, (q) => q.where('locked_at', '<', cutoff))
        .$if(mine.length > 0, (q) => q.where('id', 'not in', mine))
        .where((eb) => this.#hasWaitingSuccessor(eb))
        .execute()
      await staleRows
        .set({ state: 'waiting', last_error: lastError, locked_at: null, locked_by: null })
        .execute()
      return exhausted.map((row) => ({ job: toClaimedJob(row), lastError }))
    })
    for (const { job, lastError } of dead) await this.#tellDead(job, lastError)
  }

  async #sleep(): Promise<void> {
    if (this.#woken || this.#state !== 'running') {
      this.#woken = false
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#pollIntervalMs)
      this.#wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
    this.#wake = undefined
    this.#woken = false
  }
}

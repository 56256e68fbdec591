import { createHash } from 'node:crypto'
import type { PostgresPool as Pool, PostgresPoolClient as PoolClient } from '../storage/index.js'

/** The advisory-lock namespace of runner leases (the first key of the two-key form). */
const LEASE_NAMESPACE = 731_1948

/** A worker pool id as the second key of its lease. */
function leaseKey(poolId: string): number {
  return createHash('sha256').update(poolId).digest().readInt32BE(0)
}

export interface RunnerLeaseOptions {
  /** How often locks of dead runners are looked for. */
  readonly sweepMs: number
  /** A lock younger than this is never taken back: its runner may not hold its lease yet. */
  readonly graceMs: number
  readonly onError: (error: unknown) => void
  /**
   * The jobs this process runs now (job id → its queue id, if any). A lock of one of this process's
   * own pools on anything else is stale: the write that should have ended it was lost (a database
   * cut while graphile-worker completed or failed the job). (Default: none known; own locks are kept)
   */
  readonly running?: () => ReadonlyMap<string, number | null>
}

/** How long a lost lease waits before it is taken again, growing to a few seconds. */
const REHOLD_MS = [250, 500, 1_000, 2_000, 5_000] as const

/**
 * Which graphile-worker pools are alive, across processes. Each pool of this process holds a
 * session advisory lock (its lease) on a connection of its own for as long as it runs; PostgreSQL
 * ends the lease when that connection ends, however the process ended (`kill -9` included). Every
 * few seconds each process looks for jobs and queues locked, for longer than the grace period, by
 * a pool whose lease it can take: that pool is gone, and its locks are released at once
 * (`force_unlock_workers`) instead of after graphile-worker's 4-hour expiry.
 */
export class RunnerLeases {
  readonly #pool: Pool
  readonly #options: RunnerLeaseOptions
  readonly #held = new Map<string, PoolClient>()
  #timer: NodeJS.Timeout | undefined
  #sweeping: Promise<unknown> | undefined
  #closed = false

  constructor(pool: Pool, options: RunnerLeaseOptions) {
    this.#pool = pool
    this.#options = options
  }

  /**
   * Takes the lease of one of this process's pools and keeps it until close(). A lease whose
   * connection is lost (a database restart, a network cut) is taken again as soon as the database
   * answers, so the other processes stop taking this live pool's jobs back.
   */
  async hold(poolId: string): Promise<void> {
    const client = await this.#pool.connect()
    try {
      await client.query('select pg_advisory_lock($1, $2)', [LEASE_NAMESPACE, leaseKey(poolId)])
      this.#held.set(poolId, client)
    } catch (error) {
      client.release(true)
      throw error
    }
    let lost = false
    const onLost = () => {
      if (lost || this.#held.get(poolId) !== client) return
      lost = true
      client.release(true)
      void this.#holdAgain(poolId, 0)
    }
    client.on('error', onLost)
    client.on('end', onLost)
  }

  async #holdAgain(poolId: string, attempt: number): Promise<void> {
    if (this.#closed) return
    await new Promise((resolve) => setTimeout(resolve, REHOLD_MS[Math.min(attempt, REHOLD_MS.length - 1)]))
    if (this.#closed) return
    try {
      await this.hold(poolId)
    } catch {
      // The database does not answer yet: keep trying, as the pool's own queries do.
      void this.#holdAgain(poolId, attempt + 1)
    }
  }

  start(): void {
    this.#timer ??= setInterval(() => {
      this.#sweeping ??= this.sweep()
        .catch(this.#options.onError)
        .finally(() => {
          this.#sweeping = undefined
        })
    }, this.#options.sweepMs)
    this.#timer.unref()
  }

  /** Releases the locks of pools whose lease is free; answers their ids. */
  async sweep(): Promise<string[]> {
    const client = await this.#pool.connect()
    const released: string[] = []
    try {
      const { rows } = await client.query<{ locked_by: string }>(
        `select locked_by from graphile_worker._private_jobs
           where locked_by is not null and locked_at < now() - ($1::integer * interval '1 millisecond')
         union
         select locked_by from graphile_worker._private_job_queues
           where locked_by is not null and locked_at < now() - ($1::integer * interval '1 millisecond')`,
        [this.#options.graceMs],
      )
      for (const { locked_by: poolId } of rows) {
        if (this.#held.has(poolId)) continue
        const key = leaseKey(poolId)
        const taken = await client.query<{ taken: boolean }>('select pg_try_advisory_lock($1, $2) as taken', [
          LEASE_NAMESPACE,
          key,
        ])
        if (taken.rows[0]?.taken !== true) continue
        try {
          await client.query('select graphile_worker.force_unlock_workers($1::text[])', [[poolId]])
          released.push(poolId)
        } finally {
          await client.query('select pg_advisory_unlock($1, $2)', [LEASE_NAMESPACE, key])
        }
      }
      await this.#releaseStaleOwnLocks(client)
    } finally {
      client.release()
    }
    return released
  }

  /** Frees what this process's own pools lock but no longer run (the lost completions above). */
  async #releaseStaleOwnLocks(client: PoolClient): Promise<void> {
    if (this.#options.running === undefined || this.#held.size === 0) return
    const running = this.#options.running()
    const jobs = [...running.keys()]
    const queues = [...new Set([...running.values()].filter((q): q is number => q !== null))]
    const pools = [...this.#held.keys()]
    await client.query(
      `update graphile_worker._private_jobs set locked_at = null, locked_by = null
         where locked_by = any($1::text[]) and locked_at < now() - ($2::integer * interval '1 millisecond')
           and not (id::text = any($3::text[]))`,
      [pools, this.#options.graceMs, jobs],
    )
    await client.query(
      `update graphile_worker._private_job_queues set locked_at = null, locked_by = null
         where locked_by = any($1::text[]) and locked_at < now() - ($2::integer * interval '1 millisecond')
           and not (id = any($3::integer[]))`,
      [pools, this.#options.graceMs, queues],
    )
  }

  /** Stops looking and gives this process's leases back. */
  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    await this.#sweeping
    for (const [poolId, client] of this.#held) {
      this.#held.delete(poolId)
      await client
        .query('select pg_advisory_unlock_all()')
        .then(() => client.release())
        .catch(() => client.release(true))
    }
  }
}

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
}

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

  constructor(pool: Pool, options: RunnerLeaseOptions) {
    this.#pool = pool
    this.#options = options
  }

  /** Takes the lease of one of this process's pools and keeps it until close(). */
  async hold(poolId: string): Promise<void> {
    const client = await this.#pool.connect()
    try {
      await client.query('select pg_advisory_lock($1, $2)', [LEASE_NAMESPACE, leaseKey(poolId)])
      this.#held.set(poolId, client)
    } catch (error) {
      client.release(true)
      throw error
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
    } finally {
      client.release()
    }
    return released
  }

  /** Stops looking and gives this process's leases back. */
  async close(): Promise<void> {
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

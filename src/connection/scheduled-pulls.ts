import type { Transaction } from 'kysely'
import type { Clock } from '../platform/clock/index.js'
import type { ErrorLogger, JobQueue, TaskHandler } from '../platform/jobs/index.js'
import type { ConnectionInfo, Messaging } from '../platform/messaging/index.js'
import type { Storage, VaultDb } from '../platform/storage/index.js'
import { PULL_WATERMARK_TASK } from './job-tasks/index.js'

/** One pull of one integration point of a connection; answers what it read and applied. */
export type ScheduledPull = (connection: ConnectionInfo) => Promise<Record<string, unknown>>

/** What a scheduled pull failure is reported with; the next run is already scheduled. */
export interface PullFailure {
  readonly connection: string
  readonly integrationPoint: string
  readonly nextRunAt: Date
  readonly error: unknown
}

/** The scheduled pulls of one side: which points are pulled, and how often. */
export interface PullSchedule {
  /** Integration point API name → its pull. */
  readonly pulls: ReadonlyMap<string, ScheduledPull>
  readonly intervalMs: number
  /** Hears failed runs: the schedule itself is the retry, so a failure must still be seen. */
  readonly onError: (failure: PullFailure) => void
}

/** What scheduling needs from the vault. */
export interface PullScheduleVault {
  readonly storage: Pick<Storage, 'db'>
  readonly clock: Clock
  readonly messaging: Pick<Messaging, 'connection' | 'listConnections'>
  readonly jobs: Pick<JobQueue, 'enqueue'>
}

/**
 * The job key of an integration point's pull: at most one waiting pull per point, so scheduling
 * again (at start, at the handshake, after each run, or `…/actions/run/…`) never duplicates it.
 */
export function pullJobKey(integrationPointId: string): string {
  return `pull:${integrationPointId}`
}

/**
 * Schedules the next pull of each of the connection's integration points that the schedule pulls,
 * `intervalMs` from now, in the caller's transaction, except the points of `soon`, whose pull runs
 * `soon.delayMs` from now (a new connection's first pulls). Answers how many were scheduled.
 */
export async function schedulePulls(
  trx: Transaction<VaultDb>,
  vault: Pick<PullScheduleVault, 'clock' | 'jobs'>,
  schedule: Pick<PullSchedule, 'pulls' | 'intervalMs'>,
  connectionId: string,
  soon: { readonly points: readonly string[]; readonly delayMs: number } = { points: [], delayMs: 0 },
): Promise<number> {
  const names = [...schedule.pulls.keys()]
  if (names.length === 0) return 0
  const points = await trx
    .selectFrom('integration_point__sys')
    .select(['id', 'integration_point_api_name__sys'])
    .where('connection__sys', '=', connectionId)
    .where('integration_point_api_name__sys', 'in', names)
    .execute()
  const now = vault.clock.now()
  for (const point of points) {
    const integrationPointId = String(point.id)
    const first = soon.points.includes(String(point.integration_point_api_name__sys))
    await vault.jobs.enqueue(
      trx,
      PULL_WATERMARK_TASK,
      { integrationPointId },
      {
        jobKey: pullJobKey(integrationPointId),
        runAt: new Date(now + (first ? soon.delayMs : schedule.intervalMs)),
      },
    )
  }
  return points.length
}

/** Schedules the pulls of every active connection (when the vault opens). */
export async function scheduleActiveConnections(
  vault: PullScheduleVault,
  schedule: Pick<PullSchedule, 'pulls' | 'intervalMs'>,
): Promise<void> {
  for (const connection of await vault.messaging.listConnections()) {
    if (connection.status !== 'active__v') continue
    await vault.storage.db.transaction().execute((trx) => schedulePulls(trx, vault, schedule, connection.id))
  }
}

/**
 * The `pull-watermark` job (B12's safety net): runs the pull of the job's integration point if its
 * connection is active, then schedules the next run whether this one succeeded or failed. A failed
 * run is reported, not thrown: the next run is its retry, from the same watermark, so nothing is
 * missed. A point or connection that no longer exists ends its schedule.
 */
export function pullWatermarkJob(
  vault: PullScheduleVault,
  schedule: PullSchedule,
): TaskHandler<{ readonly integrationPointId: string }> {
  return async ({ integrationPointId }) => {
    const db = vault.storage.db
    const point = await db
      .selectFrom('integration_point__sys')
      .select(['id', 'connection__sys', 'integration_point_api_name__sys'])
      .where('id', '=', integrationPointId)
      .executeTakeFirst()
    if (point === undefined || point.connection__sys === null) return
    const name = String(point.integration_point_api_name__sys)
    const pull = schedule.pulls.get(name)
    if (pull === undefined) return
    const connection = await vault.messaging.connection(String(point.connection__sys))
    if (connection === undefined) return
    try {
      // Pending and inactive connections keep their schedule, so a reactivated one resumes by itself.
      if (connection.status === 'active__v') await pull(connection)
    } catch (error) {
      schedule.onError({
        connection: connection.apiName,
        integrationPoint: name,
        nextRunAt: new Date(vault.clock.now() + schedule.intervalMs),
        error,
      })
    } finally {
      await db.transaction().execute((trx) =>
        vault.jobs.enqueue(
          trx,
          PULL_WATERMARK_TASK,
          { integrationPointId },
          {
            jobKey: pullJobKey(integrationPointId),
            runAt: new Date(vault.clock.now() + schedule.intervalMs),
          },
        ),
      )
    }
  }
}

/** Default report of a failed scheduled pull: one line on stderr (as the job runners report theirs). */
export function reportPullFailure(failure: PullFailure): void {
  const reason = failure.error instanceof Error ? failure.error.message : String(failure.error)
  console.error(
    `Liaison: the scheduled pull ${failure.integrationPoint} of connection ${failure.connection} failed (${reason}); it runs again at ${failure.nextRunAt.toISOString()}.`,
  )
}

/** A report of failed scheduled pulls to a structured log (the CLI's), with the failure as `err`. */
export function logPullFailure(logger: ErrorLogger): (failure: PullFailure) => void {
  return (failure) =>
    logger.error(
      {
        err: failure.error,
        connection: failure.connection,
        integrationPoint: failure.integrationPoint,
        nextRunAt: failure.nextRunAt.toISOString(),
      },
      `scheduled pull ${failure.integrationPoint} of connection ${failure.connection} failed`,
    )
}

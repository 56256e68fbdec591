import type { Kysely, Transaction } from 'kysely'
import type { ConnectionInfo } from '../../platform/messaging/index.js'
import type { VaultDb } from '../../platform/storage/index.js'
import type { PullPoint } from './pull-types.js'

/**
 * The connection's integration point of that API name, with its Last Successful Run Time;
 * undefined when the connection has no such point or it is inactive (the pull is off).
 */
export async function findPullPoint(
  db: Kysely<VaultDb>,
  connection: Pick<ConnectionInfo, 'id'>,
  integrationPoint: string,
): Promise<PullPoint | undefined> {
  const point = await db
    .selectFrom('integration_point__sys')
    .select(['id', 'last_successful_run_time__sys', 'status__v'])
    .where('connection__sys', '=', connection.id)
    .where('integration_point_api_name__sys', '=', integrationPoint)
    .executeTakeFirst()
  if (point === undefined || point.status__v === 'inactive__v') return undefined
  return { id: String(point.id), watermark: watermarkOf(point.last_successful_run_time__sys) }
}

/** The point's Last Successful Run Time as committed, read in the caller's transaction. */
export async function savedWatermark(
  trx: Transaction<VaultDb>,
  point: Pick<PullPoint, 'id'>,
): Promise<string | null> {
  const row = await trx
    .selectFrom('integration_point__sys')
    .select('last_successful_run_time__sys')
    .where('id', '=', point.id)
    .executeTakeFirst()
  return watermarkOf(row?.last_successful_run_time__sys)
}

function watermarkOf(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

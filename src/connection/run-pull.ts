import { LiaisonError } from '../platform/errors/index.js'
import { describeConnectionStatus } from '../platform/messaging/index.js'
import { resendApprovedEmail, resendRoutedDocuments } from './flows/index.js'
import { PULL_WATERMARK_TASK } from './job-tasks/index.js'
import { type ConnectionVault, scheduledPulls } from './medical-crm-connection.js'
import { type ConnectionSide, INTEGRATION_POINTS } from './rules/index.js'
import { pullJobKey, type ScheduledPull } from './scheduled-pulls.js'

export interface RunPullRequest {
  /** `api_name__sys` of the connection in this vault. */
  readonly connectionApiName: string
  /** `integration_point_api_name__sys` of one of its integration points. */
  readonly integrationPoint: string
}

/** What each side runs now on request, by integration point: its scheduled pulls, and more. */
function pullRunners(vault: ConnectionVault, side: ConnectionSide): Map<string, ScheduledPull> {
  const runners = scheduledPulls(vault, side)
  // B17, B20: Medical sends a connection the documents it should have again.
  if (side === 'medical') {
    runners.set(INTEGRATION_POINTS.documentTransferOutbound, async (connection) => ({
      ...(await resendRoutedDocuments(vault, connection.id)),
    }))
    // B19: Medical sends a connection its Approved Email content again.
    runners.set(INTEGRATION_POINTS.approvedEmailOutbound, async (connection) => ({
      ...(await resendApprovedEmail(vault, connection.id)),
    }))
  }
  return runners
}

/**
 * Runs a pull now (`POST …/connections/{api_name}/actions/run/{integration_point}`, admin): the
 * side's runner of the point, or else a `pull-watermark` job for the connection's integration
 * point record. Pulls run only on active connections.
 */
export async function runPull(
  vault: ConnectionVault,
  side: ConnectionSide,
  request: RunPullRequest,
): Promise<Record<string, unknown>> {
  const { connectionApiName, integrationPoint } = request
  const connection = await vault.messaging.connectionByApiName(connectionApiName)
  if (connection === undefined)
    throw new LiaisonError('RECORD_NOT_FOUND', `No connection has api_name__sys ${connectionApiName}.`)
  if (connection.status !== 'active__v')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Connection ${connectionApiName} is ${describeConnectionStatus(connection.status)}; pulls run only on active connections.`,
    )
  const runner = pullRunners(vault, side).get(integrationPoint)
  if (runner !== undefined) return runner(connection)
  const point = await vault.storage.db
    .selectFrom('integration_point__sys')
    .select('id')
    .where('connection__sys', '=', connection.id)
    .where('integration_point_api_name__sys', '=', integrationPoint)
    .executeTakeFirst()
  if (point === undefined)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `Connection ${connectionApiName} has no integration point ${integrationPoint}; list them with SELECT integration_point_api_name__sys FROM integration_point__sys.`,
    )
  const integrationPointId = String(point.id)
  await vault.storage.db
    .transaction()
    .execute((trx) =>
      vault.jobs.enqueue(
        trx,
        PULL_WATERMARK_TASK,
        { integrationPointId },
        { jobKey: pullJobKey(integrationPointId) },
      ),
    )
  vault.jobs.nudge()
  return { integration_point: integrationPoint, integration_point_id: integrationPointId, queued: true }
}

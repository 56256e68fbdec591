import type { ChangeHook } from '../../../platform/records/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'

/**
 * B12: when a Case Request that came from a CRM changes in Medical, a nudge goes to that CRM in
 * the same transaction, so its pull runs within seconds instead of at the next schedule.
 */
export function nudgeCaseStatus(vault: FlowVault): ChangeHook {
  return async (trx, change) => {
    if (change.kind === 'create') return
    const rows = await trx
      .selectFrom('case_request__v')
      .select(['id', 'connection__sys'])
      .where('id', 'in', [...change.ids])
      .where('connection__sys', 'is not', null)
      .execute()
    const byConnection = new Map<string, string[]>()
    for (const row of rows) {
      const connection = String(row.connection__sys)
      byConnection.set(connection, [...(byConnection.get(connection) ?? []), String(row.id)])
    }
    for (const [connectionId, ids] of byConnection)
      for (let i = 0; i < ids.length; i += 500)
        await vault.messaging.enqueueOutbound(trx, {
          connectionId,
          integrationPoint: INTEGRATION_POINTS.caseRequestOutbound,
          items: ids.slice(i, i + 500),
          orderingKey: 'case-request-nudge',
        })
  }
}

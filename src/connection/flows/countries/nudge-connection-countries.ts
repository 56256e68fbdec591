import { environmentOf } from '../../../platform/messaging/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'

/**
 * B15: when a Connection Settings record is created or edited in the CRM, a nudge goes to the
 * Medical Vault in the same transaction, so its country sync runs within seconds instead of at the
 * next schedule. A record without a connection applies to every connection, so each active one is
 * nudged. Deleted records raise no change: the scheduled pull drops their countries. A sandbox CRM
 * sends nothing into a production Medical Vault (B3): Medical reads a sandbox's filter by its
 * scheduled pull only (reading is production serving the sandbox, which B3 allows).
 */
export function nudgeConnectionCountries(vault: FlowVault): ChangeHook {
  return async (trx, change) => {
    const rows = await trx
      .selectFrom('connection_settings__v')
      .select(['id', 'connection__sys'])
      .where('id', 'in', [...change.ids])
      .execute()
    // Read in the caller's transaction: SQLite's one connection is held by it until it commits.
    const active = await trx
      .selectFrom('connection__sys')
      .select(['id', 'remote_environment__sys'])
      .where('status__v', '=', 'active__v')
      .execute()
    const activeIds = new Set(active.map((c) => String(c.id)))
    const sendable = new Set(
      active
        .filter(
          (c) => vault.environment === 'production' || environmentOf(c.remote_environment__sys) === 'sandbox',
        )
        .map((c) => String(c.id)),
    )
    const byConnection = new Map<string, string[]>()
    for (const row of rows) {
      const owner = row.connection__sys
      const targets = owner === null || owner === undefined || owner === '' ? [...activeIds] : [String(owner)]
      for (const connectionId of targets)
        byConnection.set(connectionId, [...(byConnection.get(connectionId) ?? []), String(row.id)])
    }
    for (const [connectionId, ids] of byConnection) {
      // A settings edit must not fail because its connection is inactive or leads into production.
      if (!sendable.has(connectionId)) continue
      for (let i = 0; i < ids.length; i += 500)
        await vault.messaging.enqueueOutbound(trx, {
          connectionId,
          integrationPoint: INTEGRATION_POINTS.connectionSettingsOutbound,
          items: ids.slice(i, i + 500),
          orderingKey: 'connection-settings-nudge',
        })
    }
  }
}

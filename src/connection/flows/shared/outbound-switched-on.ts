import type { Transaction } from 'kysely'
import type { ChangeHook } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'

/**
 * A change hook on `integration_point__sys`: when an admin switches a flow's outbound point on
 * again for a connection, the changes made while it was off were never sent, so `send` sends that
 * connection the flow's content again, in the switch's transaction.
 */
export function onOutboundSwitchedOn(
  point: string,
  send: (trx: Transaction<VaultDb>, connectionId: string) => Promise<unknown>,
): ChangeHook {
  return async (trx, change) => {
    const points = await trx
      .selectFrom('integration_point__sys')
      .select('connection__sys')
      .where('id', 'in', [...change.ids])
      .where('integration_point_api_name__sys', '=', point)
      .where('status__v', '=', 'active__v')
      .execute()
    for (const row of points) await send(trx, String(row.connection__sys))
  }
}

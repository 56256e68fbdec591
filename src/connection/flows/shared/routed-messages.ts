import type { Transaction } from 'kysely'
import { MESSAGE_ITEMS_MAX, type Messaging } from '../../../platform/messaging/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'

/**
 * Writes a connection's ids to its outbound queue in the caller's transaction, as many messages as
 * MESSAGE_ITEMS_MAX requires, all of one integration point and ordering key; answers how many ids.
 */
export async function enqueueItems(
  trx: Transaction<VaultDb>,
  messaging: Pick<Messaging, 'enqueueOutbound'>,
  target: { readonly connectionId: string; readonly integrationPoint: string; readonly orderingKey: string },
  items: readonly string[],
): Promise<number> {
  for (let i = 0; i < items.length; i += MESSAGE_ITEMS_MAX)
    await messaging.enqueueOutbound(trx, { ...target, items: items.slice(i, i + MESSAGE_ITEMS_MAX) })
  return items.length
}

/** The active Connection Countries among `ids` (a change hook's records), by connection. */
export async function countriesGained(
  trx: Transaction<VaultDb>,
  ids: readonly string[],
): Promise<Map<string, Set<string>>> {
  const rows = await trx
    .selectFrom('connection_country__v')
    .select(['connection__sys', 'country__v'])
    .where('id', 'in', [...ids])
    .where('status__v', '=', 'active__v')
    .execute()
  const byConnection = new Map<string, Set<string>>()
  for (const row of rows) {
    const countries = byConnection.get(String(row.connection__sys)) ?? new Set<string>()
    countries.add(String(row.country__v))
    byConnection.set(String(row.connection__sys), countries)
  }
  return byConnection
}

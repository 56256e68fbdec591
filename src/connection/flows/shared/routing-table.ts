import type { Kysely } from 'kysely'
import { environmentOf } from '../../../platform/messaging/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import type { FlowVault } from '../flow-ports.js'
import { GLOBAL_ABBREVIATION } from './country-codes.js'
import type { RoutingTable } from './document-routing.js'

type Db = Kysely<VaultDb>

async function globalCountryId(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('country__v')
    .select('id')
    .where('abbreviation__v', '=', GLOBAL_ABBREVIATION)
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.id)
}

/**
 * B16 for any flow that routes Medical content by country: the connections that may receive it
 * now (active, with the flow's outbound integration point active, and (B3) never a production
 * vault when this one is a sandbox), each with its active Connection Countries.
 */
export async function routingTableFor(
  vault: Pick<FlowVault, 'environment'>,
  db: Db,
  point: string,
): Promise<RoutingTable> {
  const connections = await db
    .selectFrom('connection__sys as c')
    .innerJoin('integration_point__sys as p', 'p.connection__sys', 'c.id')
    .select(['c.id', 'c.remote_environment__sys'])
    .where('c.status__v', '=', 'active__v')
    .where('p.integration_point_api_name__sys', '=', point)
    .where('p.status__v', '=', 'active__v')
    .orderBy('c.id')
    .execute()
  const sendable = connections
    .filter(
      (c) => vault.environment === 'production' || environmentOf(c.remote_environment__sys) === 'sandbox',
    )
    .map((c) => String(c.id))
  const countryRows =
    sendable.length === 0
      ? []
      : await db
          .selectFrom('connection_country__v')
          .select(['connection__sys', 'country__v'])
          .where('connection__sys', 'in', sendable)
          .where('status__v', '=', 'active__v')
          .execute()
  const countries = new Map<string, Set<string>>(sendable.map((id) => [id, new Set<string>()]))
  for (const row of countryRows) countries.get(String(row.connection__sys))?.add(String(row.country__v))
  return {
    globalCountryId: await globalCountryId(db),
    connections: sendable.map((id) => ({ id, countries: countries.get(id) ?? new Set<string>() })),
  }
}

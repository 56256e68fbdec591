import type { Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import type { DocumentChangeHook } from '../../../platform/documents/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { ROUTE_DOCUMENTS_TASK } from '../../job-tasks/index.js'
import { DOCUMENT_TRANSFER_GROUP, INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'
import { connectionsForDocument, countriesOfFields } from '../shared/document-routing.js'
import { onOutboundSwitchedOn } from '../shared/outbound-switched-on.js'
import { countriesGained } from '../shared/routed-messages.js'
import { transferredTypes } from './document-transfer-group.js'
import { ROUTER_JOB_KEY, type RoutingVault, routingTable } from './route-documents.js'

/**
 * What joins the routing queue (B16, B17, B20): every change of a Medical document whose type is in
 * the transfer group, and, for one connection, the documents it should now have (a country gained,
 * a type added to the group, Document Transfer switched back on, the run endpoint).
 */

async function queueChanges(
  trx: Transaction<VaultDb>,
  vault: RoutingVault,
  rows: readonly { documentId: number; kind: string; type: string; countries: readonly string[] }[],
  connectionId: string | null,
): Promise<void> {
  if (rows.length === 0) return
  const now = isoTimestamp(vault.clock)
  const limit = Math.max(1, Math.floor(vault.storage.dialect.maxParameters / 7))
  for (let i = 0; i < rows.length; i += limit)
    await trx
      .insertInto('document_change')
      .values(
        rows.slice(i, i + limit).map((r) => ({
          document_id: r.documentId,
          change_kind: r.kind,
          type__v: r.type,
          countries: JSON.stringify(r.countries),
          connection_id: connectionId,
          created_date: now,
        })),
      )
      .execute()
  await vault.jobs.enqueue(trx, ROUTE_DOCUMENTS_TASK, {}, { jobKey: ROUTER_JOB_KEY })
  // The runner's claim waits for this transaction on SQLite; PostgreSQL is notified at commit.
  setImmediate(() => vault.jobs.nudge())
}

/**
 * B16, B17, B20: every change of a Medical document whose type is in the transfer group (created,
 * edited, up-versioned, moved in its lifecycle, deleted) joins the routing queue, with its type
 * and countries as they are now (for a deletion: as they were).
 */
export function queueDocumentChange(vault: RoutingVault): DocumentChangeHook {
  return async (trx, change) => {
    const types = await transferredTypes(trx)
    // A CrossLink shows another vault's document; it is never sent on (latestOwnVersions leaves it out).
    const [doc] = await vault.documents.latestOwnVersions(trx, { ids: [change.documentId] })
    if (doc === undefined || !types.has(doc.type)) return
    await queueChanges(
      trx,
      vault,
      [{ documentId: doc.id, kind: change.kind, type: doc.type, countries: countriesOfFields(doc.fields) }],
      null,
    )
  }
}

/**
 * B16 for a connection that gains a country: when a Connection Country is created or made active
 * again, the documents tagged with that country are queued for that connection, so a CRM that
 * widens its country filter receives the content it now covers.
 */
export function queueDocumentsOfNewCountries(vault: RoutingVault): ChangeHook {
  return async (trx, change) => {
    const byConnection = await countriesGained(trx, change.ids)
    if (byConnection.size === 0) return
    const types = await transferredTypes(trx)
    if (types.size === 0) return
    const documents = await latestDocuments(vault, trx, [...types])
    for (const [connectionId, countries] of byConnection) {
      // Gaining Global brings the documents tagged Global, like any other country.
      const matching = documents.filter((d) => d.countries.some((c) => countries.has(c)))
      await queueChanges(
        trx,
        vault,
        matching.map((d) => ({ ...d, kind: 'country' })),
        connectionId,
      )
    }
  }
}

/**
 * B17: when an admin edits the Medical-CRM Connection document type group, the documents of its
 * types are routed again, so a type added to the group brings its existing documents to the CRMs
 * (documents they already show change nothing there).
 */
export function queueDocumentsOfTransferGroup(vault: RoutingVault): ChangeHook {
  return async (trx, change) => {
    const group = await trx
      .selectFrom('document_type_group__v')
      .select('id')
      .where('id', 'in', [...change.ids])
      .where('api_name__v', '=', DOCUMENT_TRANSFER_GROUP)
      .executeTakeFirst()
    if (group === undefined) return
    const types = await transferredTypes(trx)
    if (types.size === 0) return
    const documents = await latestDocuments(vault, trx, [...types])
    await queueChanges(
      trx,
      vault,
      documents.map((d) => ({ ...d, kind: 'type_group' })),
      null,
    )
  }
}

/** Every Medical document of the given types with its latest version's countries. */
async function latestDocuments(
  vault: FlowVault,
  db: Transaction<VaultDb>,
  types: readonly string[],
): Promise<{ documentId: number; type: string; countries: string[] }[]> {
  return (await vault.documents.latestOwnVersions(db, { types })).map((d) => ({
    documentId: d.id,
    type: d.type,
    countries: countriesOfFields(d.fields),
  }))
}

async function queueRoutedDocuments(
  trx: Transaction<VaultDb>,
  vault: RoutingVault,
  connectionId: string,
  kind: string,
): Promise<number> {
  const table = await routingTable(vault, trx)
  const scoped = { ...table, connections: table.connections.filter((c) => c.id === connectionId) }
  if (scoped.connections.length === 0) return 0
  const types = await transferredTypes(trx)
  const documents = types.size === 0 ? [] : await latestDocuments(vault, trx, [...types])
  const matching = documents.filter((d) => connectionsForDocument(d.countries, scoped).length > 0)
  await queueChanges(
    trx,
    vault,
    matching.map((d) => ({ ...d, kind })),
    connectionId,
  )
  return matching.length
}

/**
 * Sends every transferred document the connection's countries cover again (the run endpoint of
 * `document_transfer_outbound__v`): to repair a CRM, say. Documents it already shows change nothing.
 */
export async function resendRoutedDocuments(
  vault: RoutingVault,
  connectionId: string,
): Promise<{ readonly queued: number }> {
  const queued = await vault.storage.db
    .transaction()
    .execute((trx) => queueRoutedDocuments(trx, vault, connectionId, 'resend'))
  return { queued }
}

/**
 * Changes made while an admin had switched a connection's Document Transfer off were not sent to
 * it; switching it on again (an edit of the active point) sends the connection's documents again.
 */
export function resendOnTransferSwitchedOn(vault: RoutingVault): ChangeHook {
  return onOutboundSwitchedOn(INTEGRATION_POINTS.documentTransferOutbound, (trx, connectionId) =>
    queueRoutedDocuments(trx, vault, connectionId, 'switched_on'),
  )
}

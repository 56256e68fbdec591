import type { Kysely, Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import type { DocumentChangeHook } from '../../../platform/documents/index.js'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { JobHandler, JobQueue } from '../../../platform/jobs/index.js'
import { environmentOf, MESSAGE_ITEMS_MAX } from '../../../platform/messaging/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { DOCUMENT_TRANSFER_GROUP, INTEGRATION_POINTS } from '../../rules/index.js'
import { GLOBAL_ABBREVIATION } from '../countries/sync-connection-countries.js'
import type { FlowVault } from '../flow-ports.js'
import { yieldToEventLoop } from '../flow-ports.js'
import { connectionsForDocument, countriesOfFields, type RoutingTable } from './document-routing.js'

/**
 * B16 on the Medical side. A document change is written to the routing queue (`document_change`)
 * in the change's own transaction, so no change is lost and none is routed before it commits.
 * The router drains the queue: in one transaction it reads a batch of changes, works out the
 * connections each goes to, writes one outbound message per connection (up to 500 documents
 * each) and marks the changes routed. Claiming and sending commit together, so a change is sent
 * once per connection, and a router that dies half way leaves its batch for the next run.
 */

/** Changes routed in one transaction. */
export const ROUTE_BATCH_SIZE = 500

/** Only one router runs at a time: its job key. */
const ROUTER_JOB_KEY = 'route-documents'

/** Messages of one connection's document transfer go out, and are processed, in order. */
export const DOCUMENT_TRANSFER_ORDERING_KEY = 'document-transfer'

/** The vault parts the router uses besides the flows' port. */
export interface RoutingVault extends FlowVault {
  readonly jobs: Pick<JobQueue, 'enqueue' | 'nudge'>
}

type Db = Kysely<VaultDb>

function multiValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '')
  if (typeof value === 'string' && value !== '') return value.split(',')
  return []
}

/** The document types the connection transfers: the `medical_crm_connection__v` type group's. */
export async function transferredTypes(db: Db): Promise<Set<string>> {
  const group = await db
    .selectFrom('document_type_group__v')
    .select('document_types__v')
    .where('api_name__v', '=', DOCUMENT_TRANSFER_GROUP)
    .where('status__v', '=', 'active__v')
    .executeTakeFirst()
  return new Set(multiValues(group?.document_types__v))
}

/** The types the transfer group starts with; CLM and Approved Email content travel on their own. */
export const DOCUMENT_TRANSFER_GROUP_TYPES = ['reference_document__v'] as const

/**
 * Seeds the Medical-CRM Connection document type group once (spec/data-model.md): an admin edits
 * its types afterwards, and a group an admin changed or made inactive is left as it is.
 */
export async function ensureDocumentTransferGroup(vault: FlowVault): Promise<void> {
  await vault.storage.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('document_type_group__v')
      .select('id')
      .where('api_name__v', '=', DOCUMENT_TRANSFER_GROUP)
      .executeTakeFirst()
    if (existing !== undefined) return
    const [result] = await vault.records.createIn(
      trx,
      { userId: 'system', userName: 'System', securityProfile: 'system' },
      'document_type_group__v',
      [
        {
          name__v: 'Medical-CRM Connection',
          api_name__v: DOCUMENT_TRANSFER_GROUP,
          document_types__v: [...DOCUMENT_TRANSFER_GROUP_TYPES],
          description__v: 'Document types that the Medical-CRM connection transfers to the connected CRMs.',
        },
      ],
    )
    if (result?.responseStatus !== 'SUCCESS')
      throw new LiaisonError(
        'INTERNAL',
        `The Medical-CRM Connection document type group could not be created: ${result?.errors?.map((e) => e.message).join(' ')}`,
      )
  })
}

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
  await vault.jobs.enqueue(trx, 'route-documents', {}, { jobKey: ROUTER_JOB_KEY })
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
    const rows = await trx
      .selectFrom('connection_country__v')
      .select(['connection__sys', 'country__v'])
      .where('id', 'in', [...change.ids])
      .where('status__v', '=', 'active__v')
      .execute()
    if (rows.length === 0) return
    const types = await transferredTypes(trx)
    if (types.size === 0) return
    const documents = await latestDocuments(vault, trx, [...types])
    const byConnection = new Map<string, Set<string>>()
    for (const row of rows) {
      const countries = byConnection.get(String(row.connection__sys)) ?? new Set<string>()
      countries.add(String(row.country__v))
      byConnection.set(String(row.connection__sys), countries)
    }
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

async function globalCountryId(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('country__v')
    .select('id')
    .where('abbreviation__v', '=', GLOBAL_ABBREVIATION)
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.id)
}

/** Every Medical document of the given types with its latest version's countries. */
async function latestDocuments(
  vault: FlowVault,
  db: Db,
  types: readonly string[],
): Promise<{ documentId: number; type: string; countries: string[] }[]> {
  return (await vault.documents.latestOwnVersions(db, { types })).map((d) => ({
    documentId: d.id,
    type: d.type,
    countries: countriesOfFields(d.fields),
  }))
}

/**
 * The connections that may receive documents now: active, with their Document Transfer point
 * active, and (B3) never a production vault when this one is a sandbox.
 */
async function routingTable(vault: FlowVault, db: Db): Promise<RoutingTable> {
  const connections = await db
    .selectFrom('connection__sys as c')
    .innerJoin('integration_point__sys as p', 'p.connection__sys', 'c.id')
    .select(['c.id', 'c.remote_environment__sys'])
    .where('c.status__v', '=', 'active__v')
    .where('p.integration_point_api_name__sys', '=', INTEGRATION_POINTS.documentTransferOutbound)
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

/** Routes one batch of queued changes; answers how many it claimed. */
async function routeBatch(vault: RoutingVault, trx: Transaction<VaultDb>): Promise<number> {
  const changes = await trx
    .selectFrom('document_change')
    .selectAll()
    .where('routed_date', 'is', null)
    .orderBy('seq')
    .limit(ROUTE_BATCH_SIZE)
    .execute()
  if (changes.length === 0) return 0
  const table = await routingTable(vault, trx)
  const known = new Set(table.connections.map((c) => c.id))
  const byConnection = new Map<string, Set<string>>()
  for (const change of changes) {
    const targeted = change.connection_id
    const targets =
      targeted === null || targeted === undefined || targeted === ''
        ? connectionsForDocument(JSON.parse(String(change.countries)) as string[], table)
        : known.has(String(targeted))
          ? [String(targeted)]
          : []
    for (const connectionId of targets) {
      const ids = byConnection.get(connectionId) ?? new Set<string>()
      ids.add(String(change.document_id))
      byConnection.set(connectionId, ids)
    }
  }
  for (const [connectionId, ids] of byConnection) {
    const items = [...ids]
    for (let i = 0; i < items.length; i += MESSAGE_ITEMS_MAX)
      await vault.messaging.enqueueOutbound(trx, {
        connectionId,
        integrationPoint: INTEGRATION_POINTS.documentTransferOutbound,
        items: items.slice(i, i + MESSAGE_ITEMS_MAX),
        orderingKey: DOCUMENT_TRANSFER_ORDERING_KEY,
      })
  }
  const seqs = changes.map((c) => Number(c.seq))
  await trx
    .updateTable('document_change')
    .set({ routed_date: isoTimestamp(vault.clock) })
    .where('seq', 'in', seqs)
    .execute()
  return changes.length
}

/** How long a routed change stays in the queue, for an admin who wants to see what was sent. */
export const ROUTED_CHANGE_RETENTION_MS = 7 * 24 * 3_600_000

/**
 * How long the router lets changes gather before it routes them: a burst of changes (a bulk
 * upload) then travels as a few messages of many documents instead of one message per document,
 * for at most this much more latency.
 */
export const ROUTE_GATHER_MS = 100

/** The router's job: drains the routing queue batch by batch, then forgets changes routed long ago. */
export function routeDocumentsJob(vault: RoutingVault): JobHandler {
  return async () => {
    const oldest = await vault.storage.db
      .selectFrom('document_change')
      .select('created_date')
      .where('routed_date', 'is', null)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst()
    const age =
      oldest === undefined ? ROUTE_GATHER_MS : vault.clock.now() - Date.parse(String(oldest.created_date))
    const wait = Math.min(ROUTE_GATHER_MS, Math.max(0, ROUTE_GATHER_MS - age))
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    for (;;) {
      const claimed = await vault.storage.db.transaction().execute((trx) => routeBatch(vault, trx))
      if (claimed < ROUTE_BATCH_SIZE) break
      await yieldToEventLoop()
    }
    const before = new Date(vault.clock.now() - ROUTED_CHANGE_RETENTION_MS).toISOString()
    await vault.storage.db.deleteFrom('document_change').where('routed_date', '<', before).execute()
  }
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
  return async (trx, change) => {
    const points = await trx
      .selectFrom('integration_point__sys')
      .select('connection__sys')
      .where('id', 'in', [...change.ids])
      .where('integration_point_api_name__sys', '=', INTEGRATION_POINTS.documentTransferOutbound)
      .where('status__v', '=', 'active__v')
      .execute()
    for (const point of points)
      await queueRoutedDocuments(trx, vault, String(point.connection__sys), 'switched_on')
  }
}

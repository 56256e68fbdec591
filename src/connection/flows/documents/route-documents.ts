import type { Kysely, Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import type { JobHandler, JobQueue } from '../../../platform/jobs/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'
import { yieldToEventLoop } from '../flow-ports.js'
import { connectionsForDocument, type RoutingTable } from '../shared/document-routing.js'
import { enqueueItems } from '../shared/routed-messages.js'
import { routingTableFor } from '../shared/routing-table.js'

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
export const ROUTER_JOB_KEY = 'route-documents'

/** Messages of one connection's document transfer go out, and are processed, in order. */
export const DOCUMENT_TRANSFER_ORDERING_KEY = 'document-transfer'

/** The vault parts the router uses besides the flows' port. */
export interface RoutingVault extends FlowVault {
  readonly jobs: Pick<JobQueue, 'enqueue' | 'nudge'>
}

type Db = Kysely<VaultDb>

/**
 * The connections that may receive documents now: active, with their Document Transfer point
 * active, and (B3) never a production vault when this one is a sandbox.
 */
export function routingTable(vault: FlowVault, db: Db): Promise<RoutingTable> {
  return routingTableFor(vault, db, INTEGRATION_POINTS.documentTransferOutbound)
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
  for (const [connectionId, ids] of byConnection)
    await enqueueItems(
      trx,
      vault.messaging,
      {
        connectionId,
        integrationPoint: INTEGRATION_POINTS.documentTransferOutbound,
        orderingKey: DOCUMENT_TRANSFER_ORDERING_KEY,
      },
      [...ids],
    )
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
 * How long the queue must have been quiet (no new change) before the router routes what gathered:
 * a single change waits this long, and a burst of changes (a bulk upload, documents created one
 * after another) travels as a few messages of many documents instead of one message per document.
 */
export const ROUTE_GATHER_MS = 100

/**
 * The longest a change waits for the queue to go quiet: under a steady stream of changes the
 * router still routes at least this often, so every change leaves within this much (B16: within
 * seconds). Each message costs the CRM a callback, a file call and a few durable writes whatever
 * its size, so fewer, fuller messages carry a steady stream with far less work.
 */
export const ROUTE_GATHER_MAX_MS = 1_000

/** The unrouted changes: how many (up to a batch), and when the first and the last were queued. */
async function unrouted(db: Db): Promise<{ count: number; lastSeq: number; oldest: string; newest: string }> {
  const row = await db
    .selectFrom('document_change')
    .select((eb) => [
      eb.fn.countAll().as('n'),
      eb.fn.max('seq').as('last'),
      eb.fn.min('created_date').as('oldest'),
      eb.fn.max('created_date').as('newest'),
    ])
    .where('routed_date', 'is', null)
    .executeTakeFirstOrThrow()
  return {
    count: Number(row.n),
    lastSeq: Number(row.last ?? 0),
    oldest: String(row.oldest ?? ''),
    newest: String(row.newest ?? ''),
  }
}

/**
 * Waits until the queued changes should be routed: the queue has been quiet for ROUTE_GATHER_MS,
 * or its oldest change has waited ROUTE_GATHER_MAX_MS, or a whole batch is waiting. Ages start
 * from the vault clock and then run on real time, so a test's stopped clock cannot hold it.
 */
async function gather(vault: RoutingVault): Promise<void> {
  const db = vault.storage.db
  let queue = await unrouted(db)
  if (queue.count === 0) return
  const sinceMs = (iso: string) =>
    Math.min(ROUTE_GATHER_MAX_MS, Math.max(0, vault.clock.now() - Date.parse(iso) || 0))
  const started = performance.now() - sinceMs(queue.oldest)
  let lastChange = performance.now() - Math.min(ROUTE_GATHER_MS, sinceMs(queue.newest))
  for (;;) {
    const now = performance.now()
    const quietFor = now - lastChange
    const waited = now - started
    if (queue.count >= ROUTE_BATCH_SIZE || quietFor >= ROUTE_GATHER_MS || waited >= ROUTE_GATHER_MAX_MS)
      return
    const wait = Math.min(ROUTE_GATHER_MS - quietFor, ROUTE_GATHER_MAX_MS - waited)
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)))
    const next = await unrouted(db)
    if (next.count === 0) return
    if (next.lastSeq !== queue.lastSeq) lastChange = performance.now()
    queue = next
  }
}

/** The router's job: gathers, drains the routing queue batch by batch, then forgets changes routed long ago. */
export function routeDocumentsJob(vault: RoutingVault): JobHandler {
  return async () => {
    await gather(vault)
    for (;;) {
      const claimed = await vault.storage.db.transaction().execute((trx) => routeBatch(vault, trx))
      if (claimed < ROUTE_BATCH_SIZE) break
      await yieldToEventLoop()
    }
    const before = new Date(vault.clock.now() - ROUTED_CHANGE_RETENTION_MS).toISOString()
    await vault.storage.db.deleteFrom('document_change').where('routed_date', '<', before).execute()
  }
}

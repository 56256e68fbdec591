import type { Kysely, Transaction } from 'kysely'
import type { DocumentChangeHook } from '../../../platform/documents/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'
import { connectionsForDocument, countriesOfFields, type RoutingTable } from '../shared/document-routing.js'
import { onOutboundSwitchedOn } from '../shared/outbound-switched-on.js'
import { countriesGained, enqueueItems } from '../shared/routed-messages.js'
import { routingTableFor } from '../shared/routing-table.js'
import { PRESENTATION_TYPE, SLIDE_TYPE } from './clm-publication.js'

/**
 * B18 on the Medical side: every change of a multichannel presentation (its fields, versions,
 * states, nodes, deletion) or of a slide in one becomes, in the change's own transaction, one
 * outbound message per routed connection naming the presentation binders (ids only). The CRM reads
 * the binder, its nodes and its slides as they are when it processes the message, so repeated and
 * late messages converge on the same state.
 */

/** One connection's CLM notices go out, and are processed, in order. */
export const CLM_ORDERING_KEY = 'clm'

type Db = Kysely<VaultDb> | Transaction<VaultDb>

/**
 * The connections that may receive CLM content now (B16, B3): the shared routing table of the CLM
 * outbound point.
 */
export function clmRoutingTable(vault: FlowVault, db: Db): Promise<RoutingTable> {
  return routingTableFor(vault, db, INTEGRATION_POINTS.clmOutbound)
}

/** The presentation binders a document change concerns: the binder itself, or the binders holding a slide. */
async function presentationsOf(
  trx: Transaction<VaultDb>,
  documentId: number,
  type: string,
): Promise<number[]> {
  if (type === PRESENTATION_TYPE) return [documentId]
  if (type !== SLIDE_TYPE) return []
  const rows = await trx
    .selectFrom('binder_node as n')
    .innerJoin('document as d', 'd.id', 'n.binder_id')
    .select('n.binder_id')
    .distinct()
    .where('n.document_id', '=', documentId)
    .where('d.type__v', '=', PRESENTATION_TYPE)
    .orderBy('n.binder_id')
    .execute()
  return rows.map((r) => Number(r.binder_id))
}

/** Writes one message per connection naming the given presentations routed to it. */
async function sendPresentations(
  trx: Transaction<VaultDb>,
  vault: FlowVault,
  presentations: readonly { readonly id: number; readonly countries: readonly string[] }[],
  only?: string,
): Promise<number> {
  if (presentations.length === 0) return 0
  const table = await clmRoutingTable(vault, trx)
  const scoped =
    only === undefined ? table : { ...table, connections: table.connections.filter((c) => c.id === only) }
  const byConnection = new Map<string, string[]>()
  for (const p of presentations)
    for (const connectionId of connectionsForDocument(p.countries, scoped)) {
      const ids = byConnection.get(connectionId) ?? []
      ids.push(String(p.id))
      byConnection.set(connectionId, ids)
    }
  let sent = 0
  for (const [connectionId, items] of byConnection)
    sent += await enqueueItems(
      trx,
      vault.messaging,
      { connectionId, integrationPoint: INTEGRATION_POINTS.clmOutbound, orderingKey: CLM_ORDERING_KEY },
      items,
    )
  return sent
}

/** Every presentation binder of this vault with its latest version's countries. */
async function allPresentations(
  vault: FlowVault,
  trx: Transaction<VaultDb>,
): Promise<{ id: number; countries: string[] }[]> {
  return (await vault.documents.latestOwnVersions(trx, { types: [PRESENTATION_TYPE] })).map((d) => ({
    id: d.id,
    countries: countriesOfFields(d.fields),
  }))
}

/**
 * B18: a change of a presentation, or of a slide that presentations hold, notifies the CRMs each
 * presentation routes to (B16), in the change's transaction. A deleted presentation is told while
 * it can still be read; the CRM then finds it gone and withdraws it (B20).
 */
export function queueClmChange(vault: FlowVault): DocumentChangeHook {
  return async (trx, change) => {
    const [doc] = await vault.documents.latestOwnVersions(trx, { ids: [change.documentId] })
    if (doc === undefined) return
    const binderIds = await presentationsOf(trx, doc.id, doc.type)
    if (binderIds.length === 0) return
    const binders =
      doc.type === PRESENTATION_TYPE
        ? [{ id: doc.id, countries: countriesOfFields(doc.fields) }]
        : (await vault.documents.latestOwnVersions(trx, { ids: binderIds })).map((d) => ({
            id: d.id,
            countries: countriesOfFields(d.fields),
          }))
    await sendPresentations(trx, vault, binders)
  }
}

/** Sends a connection every presentation its countries cover, in the caller's transaction. */
async function sendRoutedPresentations(
  trx: Transaction<VaultDb>,
  vault: FlowVault,
  connectionId: string,
  countries?: ReadonlySet<string>,
): Promise<number> {
  const presentations = await allPresentations(vault, trx)
  const matching =
    countries === undefined
      ? presentations
      : presentations.filter((p) => p.countries.some((c) => countries.has(c)))
  return sendPresentations(trx, vault, matching, connectionId)
}

/**
 * The run endpoint of `clm_outbound__v` (and the scheduled safety net): sends the connection every
 * presentation it should hold; the CRM changes nothing where it is already in step.
 */
export async function resendPresentations(
  vault: FlowVault,
  connectionId: string,
): Promise<{ readonly queued: number }> {
  const queued = await vault.storage.db
    .transaction()
    .execute((trx) => sendRoutedPresentations(trx, vault, connectionId))
  return { queued }
}

/** B16 for CLM: a connection that gains a country receives the presentations tagged with it. */
export function queuePresentationsOfNewCountries(vault: FlowVault): ChangeHook {
  return async (trx, change) => {
    for (const [connectionId, countries] of await countriesGained(trx, change.ids))
      await sendRoutedPresentations(trx, vault, connectionId, countries)
  }
}

/** CLM switched on again for a connection (its outbound point made active): its presentations go again. */
export function resendOnClmSwitchedOn(vault: FlowVault): ChangeHook {
  return onOutboundSwitchedOn(INTEGRATION_POINTS.clmOutbound, (trx, connectionId) =>
    sendRoutedPresentations(trx, vault, connectionId),
  )
}

/**
 * B18's safety net, run on the schedule of `clm_outbound__v`: sends the connection again every
 * routed presentation whose binder (fields, versions, states, nodes) or one of whose slides changed
 * within the window. A notice lost on the way, or one whose change the hook never heard of, is made
 * good within a run; the CRM changes nothing where it is already in step.
 */
export async function resendRecentPresentations(
  vault: FlowVault,
  connectionId: string,
  windowMs: number,
): Promise<{ readonly queued: number }> {
  const since = new Date(vault.clock.now() - windowMs).toISOString()
  const queued = await vault.storage.db.transaction().execute(async (trx) => {
    const changed = await trx
      .selectFrom('document as d')
      .innerJoin('document_version as v', (join) =>
        join
          .onRef('v.document_id', '=', 'd.id')
          .onRef('v.major', '=', 'd.latest_major')
          .onRef('v.minor', '=', 'd.latest_minor'),
      )
      .select(['d.id', 'd.type__v'])
      .where('d.type__v', 'in', [PRESENTATION_TYPE, SLIDE_TYPE])
      .where('d.crosslink__v', '=', 0)
      .where('v.modified_date', '>=', since)
      .execute()
    const binderIds = new Set<number>()
    for (const doc of changed)
      for (const id of await presentationsOf(trx, Number(doc.id), String(doc.type__v))) binderIds.add(id)
    if (binderIds.size === 0) return 0
    const binders = (await vault.documents.latestOwnVersions(trx, { ids: [...binderIds] })).map((d) => ({
      id: d.id,
      countries: countriesOfFields(d.fields),
    }))
    return sendPresentations(trx, vault, binders, connectionId)
  })
  return { queued }
}

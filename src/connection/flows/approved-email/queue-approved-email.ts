import type { Transaction } from 'kysely'
import type { DocumentChangeHook } from '../../../platform/documents/index.js'
import type { JobQueue } from '../../../platform/jobs/index.js'
import type { ChangeHook } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'
import { connectionsForDocument, countriesOfFields, type RoutingTable } from '../shared/document-routing.js'
import { onOutboundSwitchedOn } from '../shared/outbound-switched-on.js'
import { countriesGained, enqueueItems } from '../shared/routed-messages.js'
import { routingTableFor } from '../shared/routing-table.js'
import {
  APPROVED_EMAIL_ORDERING_KEY,
  APPROVED_EMAIL_TYPES,
  PUBLISHED_STATES,
  RELATED_DOCUMENT_RELATIONSHIP,
} from './approved-email-content.js'

/** The vault parts the Medical side of Approved Email uses besides the flows' port. */
export interface ApprovedEmailVault extends FlowVault {
  readonly jobs: Pick<JobQueue, 'nudge'>
}

type Trx = Transaction<VaultDb>

/** An Approved Email source as routing sees it: its id and the countries of its latest version. */
interface RoutedSource {
  readonly id: number
  readonly countries: readonly string[]
}

/** The ids of these documents that have a version that reached staged__v or approved__v (or later). */
async function publishedIds(trx: Trx, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set()
  const rows = await trx
    .selectFrom('document_version')
    .select('document_id')
    .distinct()
    .where('document_id', 'in', [...ids])
    .where('state__v', 'in', [...PUBLISHED_STATES])
    .execute()
  return new Set(rows.map((r) => Number(r.document_id)))
}

/** Published Approved Email sources among these ids, with their countries. */
async function publishedSources(vault: FlowVault, trx: Trx, ids: readonly number[]): Promise<RoutedSource[]> {
  if (ids.length === 0) return []
  // Cheap first: every Medical document change passes here, and most are not Approved Email.
  const candidates = await trx
    .selectFrom('document')
    .select('id')
    .where('id', 'in', [...ids])
    .where('type__v', 'in', [...APPROVED_EMAIL_TYPES])
    .execute()
  if (candidates.length === 0) return []
  const published = await publishedIds(
    trx,
    candidates.map((d) => Number(d.id)),
  )
  if (published.size === 0) return []
  // latestOwnVersions leaves CrossLinks out: a CrossLink is never sent on.
  return (await vault.documents.latestOwnVersions(trx, { ids: [...published] })).map((d) => ({
    id: d.id,
    countries: countriesOfFields(d.fields),
  }))
}

/** Writes one Approved Email notice per connection for the sources it routes to (ids only). */
async function sendSources(
  trx: Trx,
  vault: ApprovedEmailVault,
  sources: readonly RoutedSource[],
  table: RoutingTable,
): Promise<number> {
  const byConnection = new Map<string, Set<string>>()
  for (const source of sources)
    for (const connectionId of connectionsForDocument(source.countries, table)) {
      const ids = byConnection.get(connectionId) ?? new Set<string>()
      ids.add(String(source.id))
      byConnection.set(connectionId, ids)
    }
  for (const [connectionId, ids] of byConnection)
    await enqueueItems(
      trx,
      vault.messaging,
      {
        connectionId,
        integrationPoint: INTEGRATION_POINTS.approvedEmailOutbound,
        orderingKey: APPROVED_EMAIL_ORDERING_KEY,
      },
      [...ids],
    )
  if (byConnection.size > 0) setImmediate(() => vault.jobs.nudge())
  return byConnection.size
}

/** The Approved Email sources that relate to this document through related_document__v. */
async function templatesRelatedTo(trx: Trx, id: number): Promise<number[]> {
  const rows = await trx
    .selectFrom('document_relationship')
    .select('source_doc_id__v')
    .distinct()
    .where('target_doc_id__v', '=', id)
    .where('relationship_type__v', '=', RELATED_DOCUMENT_RELATIONSHIP)
    .execute()
  return rows.map((r) => Number(r.source_doc_id__v))
}

/**
 * B19 on the Medical side: every change of a published Approved Email document (a version reached
 * staged__v or approved__v: its state, products, hidden flag, a new version, obsolete, deleted) is
 * written to the outbound queue, in the change's own transaction, for each connection its
 * countries route to. A change of a document that a published template relates to
 * (related_document__v) sends the template again, so its related CrossLinks follow. Messages carry
 * ids only: the CRM reads the current state back, which makes repeats and late arrivals harmless.
 */
export function queueApprovedEmailChange(vault: ApprovedEmailVault): DocumentChangeHook {
  return async (trx, change) => {
    const ids = [change.documentId, ...(await templatesRelatedTo(trx, change.documentId))]
    const sources = await publishedSources(vault, trx, [...new Set(ids)])
    if (sources.length === 0) {
      if (change.kind === 'delete') await sendDeletion(trx, vault, change.documentId)
      return
    }
    const table = await routingTableFor(vault, trx, INTEGRATION_POINTS.approvedEmailOutbound)
    await sendSources(trx, vault, sources, table)
  }
}

/**
 * B20 for related documents: a deleted document may have travelled as a template's related
 * document, but its relationships are gone by now (deleted before this hook runs), so its id goes
 * to every connection Approved Email sends to; a CRM that shows it obsoletes its CrossLink, the
 * others find nothing to do. An Approved Email document never published had nothing to withdraw.
 */
async function sendDeletion(trx: Trx, vault: ApprovedEmailVault, id: number): Promise<void> {
  const [doc] = await vault.documents.latestOwnVersions(trx, { ids: [id] })
  if (doc === undefined || (APPROVED_EMAIL_TYPES as readonly string[]).includes(doc.type)) return
  const table = await routingTableFor(vault, trx, INTEGRATION_POINTS.approvedEmailOutbound)
  const everywhere = table.globalCountryId === undefined ? [] : [table.globalCountryId]
  await sendSources(trx, vault, [{ id, countries: everywhere }], table)
}

/** Every published Approved Email source the connection's countries route to, sent to it again. */
async function sendRoutedContent(trx: Trx, vault: ApprovedEmailVault, connectionId: string): Promise<number> {
  const table = await routingTableFor(vault, trx, INTEGRATION_POINTS.approvedEmailOutbound)
  const scoped = { ...table, connections: table.connections.filter((c) => c.id === connectionId) }
  if (scoped.connections.length === 0) return 0
  const docs = await vault.documents.latestOwnVersions(trx, { types: [...APPROVED_EMAIL_TYPES] })
  const published = await publishedIds(
    trx,
    docs.map((d) => d.id),
  )
  const sources = docs
    .filter((d) => published.has(d.id))
    .map((d) => ({ id: d.id, countries: countriesOfFields(d.fields) }))
    .filter((s) => connectionsForDocument(s.countries, scoped).length > 0)
  await sendSources(trx, vault, sources, scoped)
  return sources.length
}

/**
 * Sends a connection every published Approved Email source its countries cover again (the run
 * endpoint of `approved_email_outbound__v`): to repair a CRM. What it already has changes nothing.
 */
export async function resendApprovedEmail(
  vault: ApprovedEmailVault,
  connectionId: string,
): Promise<{ readonly queued: number }> {
  const queued = await vault.storage.db
    .transaction()
    .execute((trx) => sendRoutedContent(trx, vault, connectionId))
  return { queued }
}

/**
 * Approved Email switched back on for a connection (its outbound point made active), or a
 * connection that gained a country: the content it should now have is sent to it.
 */
export function resendApprovedEmailOnSwitchOn(vault: ApprovedEmailVault): ChangeHook {
  return onOutboundSwitchedOn(INTEGRATION_POINTS.approvedEmailOutbound, (trx, connectionId) =>
    sendRoutedContent(trx, vault, connectionId),
  )
}

/** B16 for Approved Email: a Connection Country created or made active again brings its content. */
export function resendApprovedEmailOfNewCountries(vault: ApprovedEmailVault): ChangeHook {
  return async (trx, change) => {
    for (const connectionId of (await countriesGained(trx, change.ids)).keys())
      await sendRoutedContent(trx, vault, connectionId)
  }
}

import type { Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import { type ConnectionInfo, environmentOf, MESSAGE_ITEMS_MAX } from '../../../platform/messaging/index.js'
import { type ChangeHook, inChunks } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'
import { onOutboundSwitchedOn } from '../shared/outbound-switched-on.js'
import { enqueueItems } from '../shared/routed-messages.js'
import { assertWritten } from '../shared/written-records.js'
import {
  addSums,
  type ClmFigures,
  type ClmSums,
  figuresOf,
  type MetricLevel,
  OBJECT_TYPE_OF_LEVEL,
  ZERO_SUMS,
} from './clm-metric-sums.js'
import { readSums } from './fold-clm-activity.js'

/**
 * B21 on the CRM: the figures of the presentations and slides whose sums changed become this CRM's
 * `clm_content_metrics__v` records (one per object type, Medical source and country, '' = all
 * countries), written by the connection, and their ids go to the Medical Vault the source came
 * from, which calls back for the figures. A slide shown through several key messages (a new key
 * message per approved version, B18) is one Medical document: its key messages' sums are added.
 * Metrics of content that no connected Medical Vault published are not sent.
 */

type Trx = Transaction<VaultDb>

/** Metrics messages of one connection travel, and are processed, in order. */
export const CLM_METRICS_ORDERING_KEY = 'clm-content-metrics'

/** `{vaultId}_{documentId}`: the Medical Vault and document a published record came from. */
export function parseSourceLink(link: unknown): { vaultId: string; documentId: string } | undefined {
  if (typeof link !== 'string') return undefined
  const match = /^([A-Za-z0-9-]+)_(\d+)$/.exec(link)
  return match === null ? undefined : { vaultId: match[1]!, documentId: match[2]! }
}

/**
 * The connections that send metrics now, by the Medical Vault's id: active, with the metrics
 * point active, and (B3) no production Medical Vault fed from a sandbox CRM.
 */
async function sendingConnections(trx: Trx, vault: FlowVault): Promise<Map<string, ConnectionInfo>> {
  const rows = await trx
    .selectFrom('connection__sys as c')
    .innerJoin('integration_point__sys as p', 'p.connection__sys', 'c.id')
    .select(['c.id', 'c.remote_environment__sys'])
    .where('c.status__v', '=', 'active__v')
    .where('p.integration_point_api_name__sys', '=', INTEGRATION_POINTS.clmMetricsOutbound)
    .where('p.status__v', '=', 'active__v')
    .execute()
  const out = new Map<string, ConnectionInfo>()
  for (const row of rows) {
    if (vault.environment === 'sandbox' && environmentOf(row.remote_environment__sys) !== 'sandbox') continue
    const info = await vault.messaging.connection(String(row.id), trx)
    if (info !== undefined) out.set(info.remoteVaultId, info)
  }
  return out
}

/** One published source (a slide or a presentation) and the CRM records that show it. */
interface Target {
  readonly level: MetricLevel
  readonly link: string
  /** The key message (latest) or presentation the metrics record names. */
  readonly recordId: string
  /** Every record of this source whose activity counts (a slide's key messages of all versions). */
  readonly memberIds: string[]
  readonly crossLink: number | null
}

const ACTIVE = 'active__v'

/** The sources behind changed records, each with all its records; the current one first by status and age. */
async function targetsOf(trx: Trx, level: MetricLevel, changedIds: readonly string[]): Promise<Target[]> {
  const object = level === 'slide' ? 'key_message__v' : 'clm_presentation__v'
  // Published sources without any record yet get their all-countries record of zeros (B21).
  const unrecorded = await trx
    .selectFrom(`${object} as t`)
    .select('t.link__v')
    .where('t.status__v', '=', ACTIVE)
    .where('t.link__v', 'is not', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('clm_content_metrics__v as m')
            .select('m.id')
            .whereRef(level === 'slide' ? 'm.key_message__v' : 'm.clm_presentation__v', '=', 't.id'),
        ),
      ),
    )
    .execute()
  const links = new Set(unrecorded.map((r) => String(r.link__v)))
  for (const part of inChunks([...changedIds]))
    for (const row of await trx
      .selectFrom(object)
      .select('link__v')
      .where('id', 'in', part)
      .where('link__v', 'is not', null)
      .execute())
      links.add(String(row.link__v))
  const byLink = new Map<string, Record<string, unknown>[]>()
  for (const part of inChunks([...links]))
    for (const row of await trx
      .selectFrom(object)
      .select(['id', 'link__v', 'status__v', 'crosslink_document__v', 'created_date__v'])
      .where('link__v', 'in', part)
      .execute())
      byLink.set(String(row.link__v), [...(byLink.get(String(row.link__v)) ?? []), row])
  return [...byLink].map(([link, rows]) => {
    const current = [...rows].sort(
      (a, b) =>
        Number(b.status__v === ACTIVE) - Number(a.status__v === ACTIVE) ||
        String(b.created_date__v).localeCompare(String(a.created_date__v)) ||
        String(b.id).localeCompare(String(a.id)),
    )[0]!
    return {
      level,
      link,
      recordId: String(current.id),
      memberIds: rows.map((r) => String(r.id)),
      crossLink:
        current.crosslink_document__v === null || current.crosslink_document__v === undefined
          ? null
          : Number(current.crosslink_document__v),
    }
  })
}

/** The CRM's metrics records of these sources, by `type|link|country|connection`. */
async function existingRecords(trx: Trx, targets: readonly Target[]) {
  const out = new Map<string, Record<string, unknown>>()
  for (const level of ['slide', 'presentation'] as const) {
    const links = targets.filter((t) => t.level === level).map((t) => t.link)
    const object = level === 'slide' ? 'key_message__v' : 'clm_presentation__v'
    const field = level === 'slide' ? 'm.key_message__v' : 'm.clm_presentation__v'
    for (const part of inChunks(links))
      for (const row of await trx
        .selectFrom('clm_content_metrics__v as m')
        .innerJoin(`${object} as t`, 't.id', field)
        .selectAll('m')
        .select('t.link__v as source_link')
        .where('t.link__v', 'in', part)
        .where('m.object_type__v', '=', OBJECT_TYPE_OF_LEVEL[level])
        .execute())
        out.set(recordKey(level, String(row.source_link), row.country__v, row.connection__sys), row)
  }
  return out
}

function recordKey(level: MetricLevel, link: string, country: unknown, connectionId: unknown): string {
  return `${level}|${link}|${country === null || country === undefined ? '' : String(country)}|${String(connectionId)}`
}

function same(stored: unknown, value: unknown): boolean {
  const empty = (v: unknown) => v === null || v === undefined || v === ''
  if (empty(stored) || empty(value)) return empty(stored) && empty(value)
  return typeof value === 'number' ? Number(stored) === value : String(stored) === String(value)
}

export interface PublishResult {
  /** Metrics records created or changed. */
  readonly records: number
  /** Outbound messages written. */
  readonly messages: number
}

/**
 * Writes the figures of the changed sources (and of published sources that have no record yet) in
 * the caller's transaction, then queues their ids for each Medical Vault. A record whose figures
 * did not change is neither written nor sent.
 */
export async function publishClmMetrics(
  trx: Trx,
  vault: FlowVault,
  changed: { readonly keyMessages: ReadonlySet<string>; readonly presentations: ReadonlySet<string> },
): Promise<PublishResult> {
  const connections = await sendingConnections(trx, vault)
  if (connections.size === 0) return { records: 0, messages: 0 }
  const now = isoTimestamp(vault.clock)
  const targets = [
    ...(await targetsOf(trx, 'slide', [...changed.keyMessages])),
    ...(await targetsOf(trx, 'presentation', [...changed.presentations])),
  ].filter((t) => connections.has(parseSourceLink(t.link)?.vaultId ?? ''))
  const existing = await existingRecords(trx, targets)
  const writes = new Map<
    string,
    { creates: Record<string, unknown>[]; updates: { id: string; values: Record<string, unknown> }[] }
  >()
  for (const level of ['slide', 'presentation'] as const) {
    const ofLevel = targets.filter((t) => t.level === level)
    const sums = await readSums(
      trx,
      level,
      ofLevel.flatMap((t) => t.memberIds),
    )
    for (const target of ofLevel) {
      const connection = connections.get(parseSourceLink(target.link)!.vaultId)!
      const byCountry = new Map<string, ClmSums>([['', ZERO_SUMS]])
      for (const member of target.memberIds)
        for (const [country, s] of sums.get(member) ?? [])
          byCountry.set(country, addSums(byCountry.get(country) ?? ZERO_SUMS, s))
      for (const [country, s] of byCountry) {
        const figures: ClmFigures = figuresOf(level, s)
        const values: Record<string, unknown> = {
          [level === 'slide' ? 'key_message__v' : 'clm_presentation__v']: target.recordId,
          document__v: target.crossLink,
          connection__sys: connection.id,
          crm_org__v: String(vault.vaultId),
          country__v: country === '' ? null : country,
          ...figures,
        }
        const stored = existing.get(recordKey(level, target.link, country, connection.id))
        const batch = writes.get(connection.id) ?? { creates: [], updates: [] }
        writes.set(connection.id, batch)
        if (stored === undefined)
          batch.creates.push({
            object_type__v: OBJECT_TYPE_OF_LEVEL[level],
            ...values,
            last_calculated__v: now,
          })
        else if (Object.entries(values).some(([field, value]) => !same(stored[field], value)))
          batch.updates.push({ id: String(stored.id), values: { ...values, last_calculated__v: now } })
      }
    }
  }
  let records = 0
  let messages = 0
  for (const [connectionId, batch] of writes) {
    const connection = [...connections.values()].find((c) => c.id === connectionId)!
    const actor = connectionActor(connection)
    const ids: string[] = []
    for (const part of inChunks(batch.creates))
      ids.push(
        ...assertWritten(
          await vault.records.createIn(trx, actor, 'clm_content_metrics__v', part),
          'CLM Content Metrics',
        ),
      )
    for (const part of inChunks(batch.updates))
      ids.push(
        ...assertWritten(
          await vault.records.updateIn(
            trx,
            actor,
            'clm_content_metrics__v',
            part.map((u) => ({ id: u.id, values: u.values })),
          ),
          'CLM Content Metrics',
        ),
      )
    if (ids.length === 0) continue
    records += ids.length
    await enqueueItems(
      trx,
      vault.messaging,
      {
        connectionId,
        integrationPoint: INTEGRATION_POINTS.clmMetricsOutbound,
        orderingKey: CLM_METRICS_ORDERING_KEY,
      },
      ids,
    )
    messages += Math.ceil(ids.length / MESSAGE_ITEMS_MAX)
  }
  return { records, messages }
}

/**
 * Publishes the figures of every source that has sums, writing only what differs from the CRM's
 * records: for a connection whose metrics point is switched on again, nothing calculated while it
 * was off is lost.
 */
export async function republishClmMetrics(trx: Trx, vault: FlowVault): Promise<PublishResult> {
  const targets = await trx.selectFrom('activity_sum').select(['level', 'target_id']).distinct().execute()
  const ids = (level: MetricLevel) =>
    new Set(targets.filter((t) => t.level === level).map((t) => String(t.target_id)))
  return publishClmMetrics(trx, vault, { keyMessages: ids('slide'), presentations: ids('presentation') })
}

/** B21: the metrics point switched on again for a connection publishes what was held back meanwhile. */
export function republishOnMetricsSwitchedOn(vault: FlowVault): ChangeHook {
  return onOutboundSwitchedOn(INTEGRATION_POINTS.clmMetricsOutbound, (trx) => republishClmMetrics(trx, vault))
}

import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { LiaisonError } from '../../../platform/errors/index.js'
import { type ConnectionInfo, type FailedItem, recordException } from '../../../platform/messaging/index.js'
import type { RecordActor } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { holdRecord } from '../../../platform/storage/index.js'
import { vqlString } from '../../../platform/vql/index.js'
import { findPullPoint, keysetPages } from '../../pulls/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'
import { abbreviationOfCode, codeOfAbbreviation, GLOBAL_ABBREVIATION } from '../shared/country-codes.js'

/** What one country sync of a connection read and changed. */
export interface CountrySyncResult {
  /** `off`: the connection has no active Connection Settings inbound integration point. */
  readonly mode: 'synced' | 'off'
  /** Connection Settings records read from the CRM. */
  readonly read: number
  /** The union of their country filters, sorted. */
  readonly codes: readonly string[]
  /** Connection Country records created or made active again. */
  readonly added: number
  /** Connection Country records made inactive. */
  readonly removed: number
  /** Country records whose `country_cda__v` changed (Global included). */
  readonly countriesUpdated: number
  /** Filter codes no Country record matches (each an exception item). */
  readonly unknown: readonly string[]
}

function picklistCodes(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '')
  if (typeof value === 'string' && value !== '') return value.split(',')
  return []
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a)
  const right = new Set(b)
  return left.size === right.size && [...left].every((x) => right.has(x))
}

/**
 * B15: reads every Connection Settings record (all features) of the CRM over the signed callback,
 * takes the union of their country filters and, in one transaction, keeps the Medical Vault in
 * step: each matched country's `country_cda__v` holds its code, Global's holds every code in use by
 * any connection, codes no connection uses any more are removed, and this connection's
 * `connection_country__v` records are one per matched country plus Global.
 *
 * A removed country's Connection Country is made inactive, not deleted: the write shares the
 * transaction with the rest (the record service deletes only in a transaction of its own), its
 * audit trail shows when the country stopped, and adding the country again reactivates the same
 * record, so records are never duplicated. Routing (B16) reads active records only.
 *
 * The whole filter is read each time rather than since a watermark: Global's codes are a union
 * over every record, and a deleted settings record must drop its countries. A repeat with nothing
 * changed writes nothing, so the scheduled run leaves no audit entries.
 */
export async function syncConnectionCountries(
  vault: FlowVault,
  connection: ConnectionInfo,
): Promise<CountrySyncResult> {
  const db = vault.storage.db
  const off: CountrySyncResult = {
    mode: 'off',
    read: 0,
    codes: [],
    added: 0,
    removed: 0,
    countriesUpdated: 0,
    unknown: [],
  }
  const point = await findPullPoint(db, connection, INTEGRATION_POINTS.connectionSettingsInbound)
  if (point === undefined) return off
  const remote = vault.messaging.remote(connection)
  // A CRM connected to several Medical Vaults keeps settings per connection: only those of its
  // connection with this vault (or of none, which apply to every connection) count here.
  const ours = new Set(
    (
      await remote.query(
        `SELECT id FROM connection__sys WHERE remote_vault_id__sys = ${vqlString(String(vault.vaultId))}`,
      )
    ).data.map((r) => String(r.id)),
  )
  // Read page by page in id order (a full read: no watermark); only the union of codes is kept.
  let read = 0
  const found = new Set<string>()
  const pages = keysetPages(remote, {
    object: 'connection_settings__v',
    fields: ['connection__sys', 'country_filter__v'],
  })
  for await (const page of pages)
    for (const settings of page) {
      const owner = settings.connection__sys
      if (owner !== null && owner !== undefined && owner !== '' && !ours.has(String(owner))) continue
      read++
      for (const code of picklistCodes(settings.country_filter__v)) found.add(code)
    }
  const codes = [...found].sort()
  const actor = connectionActor(connection)
  return db.transaction().execute(async (trx) => {
    await holdGlobalCountry(trx)
    // Two syncs of one connection (a nudge and the schedule) must not both create its records.
    await holdRecord(trx, 'connection__sys', connection.id)
    const countries = await trx
      .selectFrom('country__v')
      .select(['id', 'abbreviation__v', 'country_cda__v'])
      .execute()
    // A vault without Global (one with no countries loaded) still gets its matched countries.
    const global = countries.find((c) => c.abbreviation__v === GLOBAL_ABBREVIATION)
    const globalId = global === undefined ? undefined : String(global.id)
    const byAbbreviation = new Map(countries.map((c) => [String(c.abbreviation__v), String(c.id)]))
    const codeByCountry = new Map<string, string>()
    for (const c of countries) {
      const code = codeOfAbbreviation(String(c.abbreviation__v))
      if (code !== undefined) codeByCountry.set(String(c.id), code)
    }
    const matched = new Map<string, string>()
    const unknown: string[] = []
    for (const code of codes) {
      const abbreviation = abbreviationOfCode(code)
      const id = abbreviation === undefined ? undefined : byAbbreviation.get(abbreviation)
      if (id === undefined) unknown.push(code)
      else matched.set(code, id)
    }

    const links = await trx
      .selectFrom('connection_country__v')
      .select(['id', 'connection__sys', 'country__v', 'status__v'])
      .orderBy('created_date__v')
      .orderBy('id')
      .execute()
    // Codes in use: this connection's matched codes and the active countries of every other one.
    const inUse = new Set(matched.keys())
    for (const link of links) {
      if (String(link.connection__sys) === connection.id || link.status__v === 'inactive__v') continue
      const code = codeByCountry.get(String(link.country__v))
      if (code !== undefined) inUse.add(code)
    }

    // (a), (b): the connection owns country_cda__v (data-model: it fills it from the CRMs' filters).
    const countryUpdates: { id: string; values: Record<string, unknown> }[] = []
    for (const c of countries) {
      const id = String(c.id)
      const current = picklistCodes(c.country_cda__v)
      const own = codeByCountry.get(id)
      const desired = id === globalId ? [...inUse].sort() : own !== undefined && inUse.has(own) ? [own] : []
      if (!sameSet(current, desired)) countryUpdates.push({ id, values: { country_cda__v: desired } })
    }
    if (countryUpdates.length > 0) await assertWritten(vault, trx, actor, 'country__v', countryUpdates)

    // (c): one Connection Country per matched country plus Global; the first record of a country is kept.
    const wanted = new Set([...matched.values(), ...(globalId === undefined ? [] : [globalId])])
    const kept = new Set<string>()
    const statusUpdates: { id: string; values: Record<string, unknown> }[] = []
    let added = 0
    let removed = 0
    for (const link of links) {
      if (String(link.connection__sys) !== connection.id) continue
      const country = String(link.country__v)
      const active = link.status__v !== 'inactive__v'
      if (wanted.has(country) && !kept.has(country)) {
        kept.add(country)
        if (!active) {
          statusUpdates.push({ id: String(link.id), values: { status__v: 'active__v' } })
          added++
        }
      } else if (active) {
        statusUpdates.push({ id: String(link.id), values: { status__v: 'inactive__v' } })
        removed++
      }
    }
    if (statusUpdates.length > 0)
      await assertWritten(vault, trx, actor, 'connection_country__v', statusUpdates)
    const missing = [...wanted].filter((country) => !kept.has(country))
    if (missing.length > 0) {
      const results = await vault.records.createIn(
        trx,
        actor,
        'connection_country__v',
        missing.map((country) => ({
          connection__sys: connection.id,
          country__v: country,
          status__v: 'active__v',
        })),
      )
      const failed = results.find((r) => r.id === undefined)
      if (failed !== undefined)
        throw new LiaisonError(
          'INTERNAL',
          `A Connection Country of ${connection.apiName} could not be created: ${failed.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
        )
      added += missing.length
    }

    if (unknown.length > 0) await reportOnce(vault, trx, connection, unknownCodesReport(connection, unknown))
    if (globalId === undefined && codes.length > 0)
      await reportOnce(vault, trx, connection, {
        message: `The Medical Vault has no Global country (a country__v record with abbreviation__v ${GLOBAL_ABBREVIATION}), so the Connection Countries of ${connection.apiName} lack Global and Global content reaches no CRM; the matched countries were applied. Create the Global country record.`,
        items: [
          {
            key: GLOBAL_ABBREVIATION,
            errorCode: 'REFERENCE_NOT_FOUND',
            message: `No Country record has abbreviation__v ${GLOBAL_ABBREVIATION}.`,
          },
        ],
      })
    return {
      mode: 'synced',
      read,
      codes,
      added,
      removed,
      countriesUpdated: countryUpdates.length,
      unknown,
    }
  })
}

/**
 * Syncs of different connections all write Global's codes: holding Global's row makes them run in
 * turn, each seeing what the last one committed (a PostgreSQL row lock; SQLite has one writer).
 */
async function holdGlobalCountry(trx: Transaction<VaultDb>): Promise<void> {
  await trx
    .updateTable('country__v')
    .set((eb) => ({ modified_date__v: eb.ref('modified_date__v') }))
    .where('abbreviation__v', '=', GLOBAL_ABBREVIATION)
    .execute()
}

async function assertWritten(
  vault: FlowVault,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  objectName: 'country__v' | 'connection_country__v',
  updates: readonly { id: string; values: Record<string, unknown> }[],
): Promise<void> {
  const results = await vault.records.updateIn(trx, actor, objectName, updates)
  const failed = results.findIndex((r) => r.responseStatus === 'FAILURE')
  if (failed >= 0)
    throw new LiaisonError(
      'INTERNAL',
      `${objectName} ${updates[failed]!.id} could not be updated for B15: ${results[failed]!.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
    )
}

/** A problem the sync reports as a User Exception Message: its words and its items. */
interface SyncReport {
  readonly message: string
  readonly items: readonly FailedItem[]
}

/** One exception item per filter code no Country record matches; the rest of the sync applies. */
function unknownCodesReport(connection: ConnectionInfo, unknown: readonly string[]): SyncReport {
  return {
    message: `The country filter of ${connection.remoteName} holds ${unknown.join(', ')}, which no Country record of the Medical Vault matches (a code xx__v matches the country whose abbreviation__v is XX); the other countries were applied. Create the missing Country records or remove the codes from the CRM's Connection Settings.`,
    items: unknown.map((code) => ({
      key: code,
      errorCode: 'REFERENCE_NOT_FOUND',
      message: `No Country record has abbreviation__v ${abbreviationOfCode(code) ?? code} to match the country filter code ${code}.`,
    })),
  }
}

/**
 * Writes the report as a User Exception Message of the Connection Settings inbound point, once:
 * the same problem is not reported again on every scheduled run.
 */
async function reportOnce(
  vault: FlowVault,
  trx: Transaction<VaultDb>,
  connection: ConnectionInfo,
  report: SyncReport,
): Promise<void> {
  const reported = await trx
    .selectFrom('exception_message__sys')
    .select('id')
    .where('connection__sys', '=', connection.id)
    .where('error_message__sys', '=', report.message)
    .executeTakeFirst()
  if (reported !== undefined) return
  await recordException(trx, vault.records, connection.apiName, {
    body: {
      kind: 'inbound',
      messageId: `country-sync:${randomUUID()}`,
      connectionId: connection.id,
      integrationPoint: INTEGRATION_POINTS.connectionSettingsInbound,
      orderingKey: 'country-sync',
      items: report.items.map((item) => item.key),
      attributes: {},
    },
    errorCode: 'REFERENCE_NOT_FOUND',
    errorMessage: report.message,
    failedItems: report.items,
  })
}

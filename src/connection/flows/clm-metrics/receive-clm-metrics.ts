import type { Transaction } from 'kysely'
import {
  exceptionBodyOf,
  type InboundMessage,
  type MessageProcessor,
  recordException,
} from '../../../platform/messaging/index.js'
import type { RecordActor, RecordResult } from '../../../platform/records/index.js'
import { holdRecord, type VaultDb } from '../../../platform/storage/index.js'
import { vqlStringList } from '../../../platform/vql/index.js'
import { applyFieldRules, CLM_METRICS_RULE, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { type FlowVault, parseRecordIds } from '../flow-ports.js'
import { medicalLookupResolvers } from '../shared/medical-lookups.js'
import { levelOfObjectType, type MetricLevel, OBJECT_TYPE_OF_LEVEL } from './clm-metric-sums.js'
import { parseSourceLink } from './publish-clm-metrics.js'

/**
 * B21 on the Medical Vault: a CRM's metrics records become this vault's `clm_content_metrics__v`,
 * one per (connection, document, object type, country), against its own presentation binder or
 * slide (the source of the CRM's key message or presentation). The message carries record ids; the
 * figures are read back through the CRM's API and mapped by the connection's integration rule.
 * A record whose source is not a document of this vault fails as an item naming it.
 */

type Trx = Transaction<VaultDb>

const METRICS = 'clm_content_metrics__v'

/** The document type a level's source must have here. */
const SOURCE_TYPE: Readonly<Record<MetricLevel, string>> = {
  slide: 'multichannel_slide__v',
  presentation: 'multichannel_presentation__v',
}

const CALLBACK_FIELDS = [
  'id',
  'name__v',
  'object_type__v',
  'last_calculated__v',
  'key_message__vr.name__v',
  'key_message__vr.link__v',
  'clm_presentation__vr.name__v',
  'clm_presentation__vr.link__v',
]

interface Failure {
  readonly key: string
  readonly errorType: string
  readonly message: string
}

function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value
  return v === null || v === undefined || v === '' ? undefined : String(v)
}

/** "Key Message "Efficacy" (link 12_345)", the way an admin finds it in the CRM. */
function describeSource(level: MetricLevel | undefined, row: Readonly<Record<string, unknown>>): string {
  const prefix = level === 'presentation' ? 'clm_presentation__vr' : 'key_message__vr'
  const what = level === 'presentation' ? 'CLM Presentation' : 'Key Message'
  const name = first(row[`${prefix}.name__v`]) ?? '(no name)'
  const link = first(row[`${prefix}.link__v`])
  return `${what} "${name}" (${link === undefined ? 'no link' : `link ${link}`})`
}

interface Mapped {
  readonly crmId: string
  readonly level: MetricLevel
  readonly documentId: number
  readonly values: Record<string, unknown>
}

const recordKey = (level: MetricLevel, documentId: unknown, country: unknown) =>
  `${level}|${String(documentId)}|${country === null || country === undefined ? '' : String(country)}`

/** Creates or updates the mapped records; an older calculation than the stored one changes nothing. */
async function upsert(
  trx: Trx,
  vault: FlowVault,
  actor: RecordActor,
  connection: { readonly id: string; readonly remoteVaultId: string },
  mapped: readonly Mapped[],
  failures: Failure[],
): Promise<void> {
  const existing = new Map<string, Record<string, unknown>>()
  const documents = [...new Set(mapped.map((m) => m.documentId))]
  for (let i = 0; i < documents.length; i += 500)
    for (const row of await trx
      .selectFrom(METRICS)
      .select(['id', 'object_type__v', 'document__v', 'country__v', 'last_calculated__v'])
      .where('connection__sys', '=', connection.id)
      .where('document__v', 'in', documents.slice(i, i + 500))
      .execute())
      existing.set(
        recordKey(levelOfObjectType(String(row.object_type__v))!, row.document__v, row.country__v),
        row,
      )
  const creates: Mapped[] = []
  const updates: (Mapped & { readonly id: string })[] = []
  // The last message for a key wins within one message too (two CRM records of one key cannot both be new).
  const latest = new Map<string, Mapped>()
  for (const m of mapped) latest.set(recordKey(m.level, m.documentId, m.values.country__v), m)
  for (const [key, m] of latest) {
    const stored = existing.get(key)
    if (stored === undefined) creates.push(m)
    else if (String(stored.last_calculated__v ?? '') <= String(m.values.last_calculated__v ?? '~'))
      updates.push({ ...m, id: String(stored.id) })
  }
  const note = (items: readonly Mapped[], results: readonly RecordResult[]) =>
    results.forEach((r, i) => {
      if (r.responseStatus === 'FAILURE')
        failures.push({
          key: items[i]!.crmId,
          errorType: r.errors?.[0]?.type ?? 'INVALID_DATA',
          message: r.errors?.map((e) => e.message).join(' ') ?? 'The record could not be written.',
        })
    })
  const common = (m: Mapped) => ({
    ...m.values,
    document__v: m.documentId,
    connection__sys: connection.id,
    crm_org__v: connection.remoteVaultId,
  })
  for (let i = 0; i < creates.length; i += 500) {
    const part = creates.slice(i, i + 500)
    note(
      part,
      await vault.records.createIn(
        trx,
        actor,
        METRICS,
        part.map((m) => ({ object_type__v: OBJECT_TYPE_OF_LEVEL[m.level], ...common(m) })),
      ),
    )
  }
  for (let i = 0; i < updates.length; i += 500) {
    const part = updates.slice(i, i + 500)
    note(
      part,
      await vault.records.updateIn(
        trx,
        actor,
        METRICS,
        part.map((m) => ({ id: m.id, values: common(m) })),
      ),
    )
  }
}

/** The Medical Vault's processor of CLM Content Metrics messages (B21). */
export function receiveClmMetrics(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    const db = vault.storage.db
    const { ids, invalid } = parseRecordIds(message.items)
    const failures: Failure[] = invalid.map((id) => ({
      key: id,
      errorType: 'INVALID_DATA',
      message: `"${id}" is not a record id.`,
    }))
    const rules = await loadRuleSet(db, connection.id)
    const rule = rules.rules.get(CLM_METRICS_RULE)
    const refusal =
      vault.environment === 'production' && connection.remoteEnvironment === 'sandbox'
        ? `The sandbox CRM ${connection.remoteName} cannot send statistics into this production Medical Vault (B3).`
        : rule?.active !== true
          ? `The integration rule ${CLM_METRICS_RULE} is inactive for ${connection.name}; activate it, then reprocess this message.`
          : undefined
    if (refusal !== undefined)
      for (const id of ids) failures.push({ key: id, errorType: 'OPERATION_NOT_ALLOWED', message: refusal })
    else if (ids.length > 0 && rule !== undefined) {
      const fields = [...new Set([...CALLBACK_FIELDS, ...queryFieldsFor(rule.fieldRules, METRICS)])]
      const { data } = await remote.query(
        `SELECT ${fields.join(', ')} FROM ${METRICS} WHERE id CONTAINS ${vqlStringList(ids)}`,
      )
      const byId = new Map(data.map((row) => [String(row.id), row]))
      for (const id of ids.filter((id) => !byId.has(id)))
        failures.push({
          key: id,
          errorType: 'INVALID_DATA',
          message: `CLM Content Metrics ${id} is not readable in ${connection.remoteName}.`,
        })
      const countries = new Map<string, string | undefined>()
      await db.transaction().execute(async (trx) => {
        // Messages of one connection take turns, so a later calculation is never overwritten by an earlier one.
        await holdRecord(trx, 'connection__sys', connection.id)
        const rows = [...byId.values()]
        const sources = new Map<string, { level: MetricLevel | undefined; documentId: number | undefined }>()
        for (const row of rows) {
          const level = levelOfObjectType(first(row.object_type__v) ?? '')
          const link = parseSourceLink(
            first(row[level === 'presentation' ? 'clm_presentation__vr.link__v' : 'key_message__vr.link__v']),
          )
          sources.set(String(row.id), {
            level,
            documentId: link?.vaultId === String(vault.vaultId) ? Number(link.documentId) : undefined,
          })
        }
        const documentIds = [...new Set([...sources.values()].flatMap((s) => s.documentId ?? []))]
        const types = new Map(
          (await vault.documents.latestOwnVersions(trx, { ids: documentIds })).map((d) => [d.id, d.type]),
        )
        const mapped: Mapped[] = []
        const resolvers = medicalLookupResolvers(trx, countries)
        for (const row of rows) {
          const id = String(row.id)
          const { level, documentId } = sources.get(id)!
          const source = describeSource(level, row)
          if (level === undefined) {
            failures.push({
              key: id,
              errorType: 'INVALID_DATA',
              message: `CLM Content Metrics ${String(row.name__v ?? id)} has no object type of CLM Content Metrics.`,
            })
            continue
          }
          if (documentId === undefined || types.get(documentId) !== SOURCE_TYPE[level]) {
            failures.push({
              key: id,
              errorType: 'INVALID_DATA',
              message:
                documentId === undefined
                  ? `${source} was not published from this Medical Vault (${vault.vaultId}); its statistics have no document here.`
                  : `${source} does not map to a ${SOURCE_TYPE[level]} document of this Medical Vault: document ${documentId} ${types.has(documentId) ? `is a ${types.get(documentId)}` : 'does not exist'}.`,
            })
            continue
          }
          const applied = await applyFieldRules(rule.fieldRules, row, rules, resolvers)
          if (applied.issues.length > 0) {
            failures.push({
              key: id,
              errorType: 'INVALID_DATA',
              message: `${source}: ${applied.issues.map((i) => i.message).join(' ')}`,
            })
            continue
          }
          mapped.push({ crmId: id, level, documentId, values: applied.values.get(METRICS) ?? {} })
        }
        await upsert(trx, vault, actor, connection, mapped, failures)
      })
    }
    if (failures.length > 0)
      await db.transaction().execute((trx) =>
        recordException(trx, vault.records, connection.apiName, {
          body: exceptionBodyOf('inbound', message),
          errorCode: failures[0]!.errorType,
          errorMessage: `${failures.length} of ${message.items.length} CLM Content Metrics from ${connection.remoteName} need attention: ${failures[0]!.message}`,
          failedItems: failures.map((f) => ({ key: f.key, errorCode: f.errorType, message: f.message })),
        }),
      )
  }
}

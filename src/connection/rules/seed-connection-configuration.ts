import type { Kysely, Transaction } from 'kysely'
import { LiaisonError } from '../../platform/errors/index.js'
import type { RecordActor, RecordService } from '../../platform/records/index.js'
import type { VaultDb } from '../../platform/storage/index.js'
import {
  type ConnectionSide,
  STANDARD_CONFIGURATION,
  STANDARD_REFERENCE_LOOKUPS,
} from './standard-configuration.js'

async function existingIds(
  db: Kysely<VaultDb>,
  object: string,
  keys: readonly string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map()
  const rows = await db
    .selectFrom(object)
    .select(['id', 'external_id__v'])
    .where('external_id__v', 'in', [...keys])
    .execute()
  return new Map(rows.map((r) => [String(r.external_id__v), String(r.id)]))
}

/** Creates records keyed by external_id__v that do not exist yet; returns key → id for all. */
async function ensure(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  object: string,
  rows: readonly Record<string, unknown>[],
): Promise<Map<string, string>> {
  const keys = rows.map((r) => String(r.external_id__v))
  const ids = await existingIds(db, object, keys)
  const missing = rows.filter((r) => !ids.has(String(r.external_id__v)))
  if (missing.length > 0) {
    const results = await records.createIn(db, actor, object, missing)
    results.forEach((r, i) => {
      if (r.id === undefined)
        throw new LiaisonError(
          'METADATA_INVALID',
          `The standard ${object} record ${String(missing[i]!.external_id__v)} could not be created: ${r.errors?.map((e) => e.message).join(' ')}`,
        )
      ids.set(String(missing[i]!.external_id__v), r.id)
    })
  }
  return ids
}

/**
 * Seeds the standard integrations, integration points, integration rules and field rules of one
 * connection (B4: each connection has its own), once; existing records, edited or not, are kept.
 */
export async function seedConnectionConfiguration(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  connection: { readonly id: string; readonly apiName: string },
  side: ConnectionSide,
): Promise<void> {
  const config = STANDARD_CONFIGURATION[side]
  const key = (kind: string, name: string) => `${connection.id}:${kind}:${name}`
  const integrations = await ensure(
    db,
    records,
    actor,
    'integration__sys',
    config.integrations.map((i) => ({
      external_id__v: key('integration', i.apiName),
      name__v: `${i.name} (${connection.apiName})`,
      integration_api_name__sys: i.apiName,
      connection__sys: connection.id,
    })),
  )
  const points = await ensure(
    db,
    records,
    actor,
    'integration_point__sys',
    config.integrations.flatMap((i) =>
      i.points.map((p) => ({
        external_id__v: key('point', p.apiName),
        name__v: `${p.apiName} (${connection.apiName})`,
        integration_point_api_name__sys: p.apiName,
        integration__sys: integrations.get(key('integration', i.apiName)),
        connection__sys: connection.id,
        direction__sys: p.direction,
        description__sys: p.description,
      })),
    ),
  )
  const rules = await ensure(
    db,
    records,
    actor,
    'integration_rule__sys',
    config.rules.map((r) => ({
      external_id__v: key('rule', r.apiName),
      name__v: `${r.apiName} (${connection.apiName})`,
      integration_rule_api_name__sys: r.apiName,
      connection__sys: connection.id,
      integration_point__sys: points.get(key('point', r.integrationPoint)),
      primary_query_object__sys: r.primaryQueryObject,
      description__sys: r.description,
      status__v: r.active ? 'active__v' : 'inactive__v',
    })),
  )
  await ensure(
    db,
    records,
    actor,
    'field_rule__sys',
    config.rules.flatMap((r) =>
      r.fieldRules.map((f) => ({
        external_id__v: key('field', `${r.apiName}.${f.targetObject}.${f.targetField}`),
        name__v: `${f.targetObject}.${f.targetField}`,
        integration_rule__sys: rules.get(key('rule', r.apiName)),
        target_object__sys: f.targetObject,
        target_object_field__sys: f.targetField,
        query_object__sys: f.queryObject ?? null,
        query_field__sys: f.queryField ?? null,
        field_default__sys: f.fieldDefault ?? null,
        reference_lookup__sys: f.referenceLookup ?? null,
      })),
    ),
  )
  await ensure(
    db,
    records,
    actor,
    'reference_lookup__sys',
    STANDARD_REFERENCE_LOOKUPS[side].map(([type, source, target]) => ({
      external_id__v: `lookup:${type}:${source}`,
      reference_lookup_type__sys: type,
      source_key__sys: source,
      target_key__sys: target,
    })),
  )
}

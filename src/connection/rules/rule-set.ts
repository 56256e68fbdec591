import type { Kysely } from 'kysely'
import type { VaultDb } from '../../platform/storage/index.js'

/** A field rule as the engine runs it, compiled from a `field_rule__sys` record. */
export interface CompiledFieldRule {
  readonly id: string
  readonly targetObject: string
  readonly targetField: string
  readonly queryObject: string | null
  readonly queryField: string | null
  readonly fieldDefault: string | null
  readonly referenceLookup: string | null
}

export interface CompiledIntegrationRule {
  readonly id: string
  readonly apiName: string
  readonly active: boolean
  readonly primaryQueryObject: string | null
  readonly integrationPointId: string | null
  readonly fieldRules: readonly CompiledFieldRule[]
}

/** The target side's rules of one connection, read from its records. */
export interface RuleSet {
  readonly connectionId: string
  readonly rules: ReadonlyMap<string, CompiledIntegrationRule>
  /** `reference_lookup_type__sys` → source key → target key (connection-specific entries win). */
  readonly lookups: ReadonlyMap<string, ReadonlyMap<string, string>>
  /** Query object rules: extra VQL filters per rule and query object. */
  readonly filters: ReadonlyMap<string, readonly string[]>
}

function text(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value)
}

/** Reads the connection's rules, field rules, filters and lookups (one query each). */
export async function loadRuleSet(db: Kysely<VaultDb>, connectionId: string): Promise<RuleSet> {
  const ruleRows = await db
    .selectFrom('integration_rule__sys')
    .selectAll()
    .where('connection__sys', '=', connectionId)
    .execute()
  const ids = ruleRows.map((r) => String(r.id))
  const fieldRows =
    ids.length === 0
      ? []
      : await db.selectFrom('field_rule__sys').selectAll().where('integration_rule__sys', 'in', ids).execute()
  const filterRows =
    ids.length === 0
      ? []
      : await db
          .selectFrom('query_object_rule__sys')
          .selectAll()
          .where('integration_rule__sys', 'in', ids)
          .execute()
  const lookupRows = await db
    .selectFrom('reference_lookup__sys')
    .selectAll()
    .where((eb) => eb.or([eb('connection__sys', 'is', null), eb('connection__sys', '=', connectionId)]))
    .where('status__v', '=', 'active__v')
    .orderBy('connection__sys', 'desc')
    .execute()
  const rules = new Map<string, CompiledIntegrationRule>()
  for (const row of ruleRows) {
    const id = String(row.id)
    rules.set(String(row.integration_rule_api_name__sys), {
      id,
      apiName: String(row.integration_rule_api_name__sys),
      active: row.status__v === 'active__v',
      primaryQueryObject: text(row.primary_query_object__sys),
      integrationPointId: text(row.integration_point__sys),
      fieldRules: fieldRows
        .filter((f) => f.integration_rule__sys === id && f.status__v !== 'inactive__v')
        .map((f) => ({
          id: String(f.id),
          targetObject: String(f.target_object__sys),
          targetField: String(f.target_object_field__sys),
          queryObject: text(f.query_object__sys),
          queryField: text(f.query_field__sys),
          fieldDefault: text(f.field_default__sys),
          referenceLookup: text(f.reference_lookup__sys),
        })),
    })
  }
  const lookups = new Map<string, Map<string, string>>()
  for (const row of lookupRows) {
    const type = String(row.reference_lookup_type__sys)
    const map = lookups.get(type) ?? new Map<string, string>()
    const key = String(row.source_key__sys)
    // Rows for this connection sort first; they win over vault-wide ones.
    if (!map.has(key)) map.set(key, String(row.target_key__sys))
    lookups.set(type, map)
  }
  const filters = new Map<string, string[]>()
  for (const row of filterRows) {
    if (row.status__v === 'inactive__v') continue
    const rule = ruleRows.find((r) => r.id === row.integration_rule__sys)
    const key = `${String(rule?.integration_rule_api_name__sys)}:${String(row.query_object__sys)}`
    filters.set(key, [...(filters.get(key) ?? []), String(row.filter_clause__sys)])
  }
  return { connectionId, rules, lookups, filters }
}

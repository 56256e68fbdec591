import type { CompiledFieldRule, RuleSet } from './rule-set.js'

/**
 * Maps a source value when a lookup table has no entry: resolves against the target vault's own
 * data (a CRM country code to the Medical country record, say). Undefined means "no mapping".
 */
export type LookupResolver = (
  value: string,
  source: Readonly<Record<string, unknown>>,
) => Promise<string | undefined>

export interface FieldRuleIssue {
  readonly targetObject: string
  readonly targetField: string
  readonly message: string
}

export interface AppliedRules {
  /** Target object → field → value (API input form: picklists as names). */
  readonly values: ReadonlyMap<string, Record<string, unknown>>
  readonly issues: readonly FieldRuleIssue[]
}

/** A VQL result value as one scalar: picklists arrive as arrays of names. */
function scalar(value: unknown): string | number | boolean | null {
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(String).join(',')
  if (value === undefined || value === null || value === '') return null
  if (typeof value === 'number' || typeof value === 'boolean') return value
  return String(value)
}

/**
 * Evaluates field rules on one source record (a VQL row keyed by field or `rel__vr.field`):
 * field mapping, reference lookup, static default. Collects every issue instead of stopping.
 */
export async function applyFieldRules(
  fieldRules: readonly CompiledFieldRule[],
  source: Readonly<Record<string, unknown>>,
  ruleSet: Pick<RuleSet, 'lookups'>,
  resolvers: Readonly<Record<string, LookupResolver>>,
): Promise<AppliedRules> {
  const values = new Map<string, Record<string, unknown>>()
  const issues: FieldRuleIssue[] = []
  for (const rule of fieldRules) {
    const raw = rule.queryField === null ? undefined : source[rule.queryField]
    // Each value of a list (a document's products, a picklist) is mapped on its own.
    if (Array.isArray(raw) && rule.referenceLookup !== null) {
      const mapped: string[] = []
      for (const element of raw.map(String).filter((v) => v !== '')) {
        const to =
          ruleSet.lookups.get(rule.referenceLookup)?.get(element) ??
          (await resolvers[rule.referenceLookup]?.(element, source))
        if (to === undefined)
          issues.push({
            targetObject: rule.targetObject,
            targetField: rule.targetField,
            message: `No mapping for ${rule.queryField} value "${element}" in reference lookup ${rule.referenceLookup}; add a reference_lookup__sys record or the matching record in this vault. The other values were kept.`,
          })
        else mapped.push(to)
      }
      const target = values.get(rule.targetObject) ?? {}
      // One value stays a scalar: picklists arrive as one-element arrays whatever the field holds.
      target[rule.targetField] =
        mapped.length === 0 ? rule.fieldDefault : mapped.length === 1 ? mapped[0] : mapped
      values.set(rule.targetObject, target)
      continue
    }
    let value = rule.queryField === null ? null : scalar(raw)
    if (value !== null && rule.referenceLookup !== null) {
      const key = String(value)
      const mapped =
        ruleSet.lookups.get(rule.referenceLookup)?.get(key) ??
        (await resolvers[rule.referenceLookup]?.(key, source))
      if (mapped === undefined) {
        issues.push({
          targetObject: rule.targetObject,
          targetField: rule.targetField,
          message: `No mapping for ${rule.queryField} value "${key}" in reference lookup ${rule.referenceLookup}; add a reference_lookup__sys record or the matching record in this vault.`,
        })
        continue
      }
      value = mapped
    }
    if (value === null && rule.fieldDefault !== null) value = rule.fieldDefault
    const target = values.get(rule.targetObject) ?? {}
    target[rule.targetField] = value
    values.set(rule.targetObject, target)
  }
  return { values, issues }
}

/** The VQL select list a set of field rules needs from one query object. */
export function queryFieldsFor(fieldRules: readonly CompiledFieldRule[], queryObject: string): string[] {
  return [
    ...new Set(
      fieldRules
        .filter((r) => r.queryObject === queryObject && r.queryField !== null)
        .map((r) => r.queryField!),
    ),
  ]
}

import type { Kysely, Transaction } from 'kysely'
import type { CompiledObject } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'

/** `mx__v` → `MX`: the code a CRM gives a country (picklists, country filters) names its abbreviation. */
function abbreviationOfCode(value: string): string | undefined {
  const match = /^([a-z]{2})__v$/i.exec(value)
  return match === null ? undefined : match[1]!.toUpperCase()
}

/** What a reference to the object may name its record by, besides its id, in the order tried. */
export function referenceKeys(object: CompiledObject): string[] {
  const keys = ['name__v', 'abbreviation__v'].filter((f) => object.fieldByName.has(f))
  return object.fieldByName.has('abbreviation__v') ? [...keys, 'code (xx__v)'] : keys
}

/**
 * Records named where an id was expected, as people and CRMs name them: by `name__v`, by
 * `abbreviation__v` (`MX`), or by a country code (`mx__v`). A value that only one record has maps to
 * its id; an ambiguous or unknown one stays unmapped.
 */
export async function idsByKey(
  db: Kysely<VaultDb> | Transaction<VaultDb>,
  object: CompiledObject,
  values: readonly string[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>()
  if (values.length === 0) return ids
  const abbreviations = object.fieldByName.has('abbreviation__v')
  const lookups: (readonly [field: string, keyOf: (value: string) => string | undefined])[] = [
    ...(object.fieldByName.has('name__v') ? [['name__v', (v: string) => v] as const] : []),
    ...(abbreviations
      ? [['abbreviation__v', (v: string) => v] as const, ['abbreviation__v', abbreviationOfCode] as const]
      : []),
  ]
  for (const [field, keyOf] of lookups) {
    const keys = new Map(values.map((v) => [v, keyOf(v)]))
    const wanted = [...new Set([...keys.values()].filter((k): k is string => k !== undefined))]
    if (wanted.length === 0) continue
    const rows = await db.selectFrom(object.name).select(['id', field]).where(field, 'in', wanted).execute()
    for (const value of values) {
      const key = keys.get(value)
      if (key === undefined || ids.has(value)) continue
      const matches = rows.filter((r) => r[field] === key)
      if (matches.length === 1) ids.set(value, String(matches[0]!.id))
    }
  }
  return ids
}

import type { TargetField } from './query-targets.js'

/** Turns a stored value into its API shape; one per selected column, applied per row. */
export type ValueShaper = (value: unknown) => unknown

function picklistNames(value: unknown): string[] {
  return value === null || value === undefined || value === '' ? [] : String(value).split(',')
}

const asText: ValueShaper = (v) => (v === null || v === undefined ? null : String(v))
const asNumber: ValueShaper = (v) => (v === null || v === undefined ? null : Number(v))
const asBoolean: ValueShaper = (v) =>
  v === null || v === undefined ? null : v === 1 || v === true || v === '1' || v === 1n

/** The API shape of a field: picklists as arrays of names, Yes/No as booleans, numbers as numbers. */
export function shaperFor(field: TargetField): ValueShaper {
  // Multi-value references (document country__v, product__v) are stored like multi-value picklists.
  if (field.multiValue) return picklistNames
  switch (field.type) {
    case 'Picklist':
      return picklistNames
    case 'Boolean':
      return asBoolean
    case 'Number':
    case 'Document':
      return asNumber
    default:
      return asText
  }
}

/** TOLABEL(): picklist labels, or the label of a lifecycle state. */
export function labelShaper(labelOf: ReadonlyMap<string, string>, array: boolean): ValueShaper {
  if (array) return (v) => picklistNames(v).map((n) => labelOf.get(n) ?? n)
  return (v) => (v === null || v === undefined ? null : (labelOf.get(String(v)) ?? String(v)))
}

/** TRIM(): picklist value names without their namespace suffix (`closed__v` → `closed`). */
export const trimmedNamesShaper: ValueShaper = (v) =>
  picklistNames(v).map((n) => n.replace(/__(v|c|sys|vs|cr|vr)$/, ''))

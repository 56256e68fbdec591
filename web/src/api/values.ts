import type { FieldMeta, ObjectMeta, PicklistValue } from './metadata'

/**
 * How a field's value is shown and edited: the one place that knows the API's value shapes
 * (picklists as arrays of names, references as ids with `{relationship}.name__v` beside them in VQL,
 * UTC date-times) and what a form's inputs hold (text).
 */

export type Row = Record<string, unknown>
export type Picklists = ReadonlyMap<string, readonly PicklistValue[]>

/**
 * The VQL columns that show a field: a reference also reads its record's name, where the user may
 * follow its relationship (`traversable`, from SHOW RELATIONSHIPS).
 */
export function selectColumns(field: FieldMeta, traversable: ReadonlySet<string>): string[] {
  return field.type === 'Object' &&
    field.relationship_name !== undefined &&
    traversable.has(field.relationship_name)
    ? [field.name, `${field.relationship_name}.name__v`]
    : [field.name]
}

function names(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String)
  return value === null || value === undefined || value === '' ? [] : [String(value)]
}

/** One formatter for every date-time: toLocaleString makes a new one per call, slow on long pages. */
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' })

/** A date-time as a person reads it: the browser's locale and time zone. */
export function formatDateTime(value: string): string {
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? value : DATE_TIME.format(date)
}

/** The text a person reads for a field of a row. */
export function displayValue(field: FieldMeta, row: Row, meta: ObjectMeta, picklists: Picklists): string {
  const value = row[field.name]
  if (field.type === 'Object') {
    const name = field.relationship_name === undefined ? undefined : row[`${field.relationship_name}.name__v`]
    return name === null || name === undefined || name === '' ? names(value).join(', ') : String(name)
  }
  if (field.name === 'state__v' && meta.lifecycle !== undefined)
    return names(value)
      .map((n) => meta.lifecycle?.states.find((s) => s.name === n)?.label ?? n)
      .join(', ')
  if (field.name === 'object_type__v' && meta.object_types !== undefined)
    return names(value)
      .map((n) => meta.object_types?.find((t) => t.name === n)?.label ?? n)
      .join(', ')
  if (field.type === 'Picklist') {
    const values = field.picklist === undefined ? undefined : picklists.get(field.picklist)
    return names(value)
      .map((n) => values?.find((v) => v.name === n)?.label ?? n)
      .join(', ')
  }
  if (field.type === 'Boolean') return value === true ? 'Yes' : value === false ? 'No' : ''
  if (field.type === 'DateTime' && typeof value === 'string') return formatDateTime(value)
  if (value === null || value === undefined) return ''
  return Array.isArray(value) ? value.map(String).join(', ') : String(value)
}

/** What a form holds for a field: text, a boolean, or the names chosen in a picklist. */
export type Draft = string | boolean | string[]

export function toDraft(field: FieldMeta, value: unknown): Draft {
  if (field.type === 'Boolean') return value === true
  if (field.type === 'Picklist' || field.name === 'object_type__v') {
    const chosen = names(value)
    return field.multi_value === true ? chosen : (chosen[0] ?? '')
  }
  if (value === null || value === undefined) return ''
  if (field.type === 'DateTime' && typeof value === 'string') return value.slice(0, 16)
  return String(value)
}

/** The API value a form's draft stands for (null clears the field). */
export function fromDraft(field: FieldMeta, draft: Draft): unknown {
  if (typeof draft === 'boolean') return draft
  if (Array.isArray(draft)) return draft
  if (draft.trim() === '') return null
  if (field.type === 'Document') {
    const n = Number(draft)
    return Number.isInteger(n) ? n : draft
  }
  if (field.type === 'Number') {
    const n = Number(draft)
    return Number.isNaN(n) ? draft : n
  }
  if (field.type === 'DateTime') {
    // datetime-local holds no zone: the person meant their own, the API wants UTC.
    const date = new Date(draft)
    return Number.isNaN(date.getTime()) ? draft : date.toISOString()
  }
  if (field.type === 'Picklist' || field.name === 'object_type__v') return [draft]
  return draft
}

function sameDraft(a: Draft, b: Draft): boolean {
  return Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && a.every((x, i) => x === b[i])
    : a === b
}

/** The API values of the fields a person changed (all non-empty ones when creating). */
export function changedValues(
  fields: readonly FieldMeta[],
  initial: Readonly<Record<string, Draft>>,
  drafts: Readonly<Record<string, Draft>>,
  creating: boolean,
): Row {
  const out: Row = {}
  for (const field of fields) {
    const draft = drafts[field.name]
    if (draft === undefined) continue
    const before = initial[field.name] ?? toDraft(field, undefined)
    if (creating) {
      const value = fromDraft(field, draft)
      if (value !== null && value !== false && !(Array.isArray(value) && value.length === 0))
        out[field.name] = value
    } else if (!sameDraft(before, draft)) out[field.name] = fromDraft(field, draft)
  }
  return out
}

import type { ErrorCode } from '../errors/index.js'
import type { CompiledField, CompiledMetadata } from '../metadata/index.js'
import { nearestValues } from './nearest-values.js'

/** A value as stored in an object table (see metadata/object-tables). */
export type StoredValue = string | number | null

/** Where a value came from: JSON keeps types; CSV and forms deliver every value as text. */
export type InputOrigin = 'json' | 'text'

export type ParsedValue =
  | { readonly ok: true; readonly value: StoredValue }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string }

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

function fail(code: ErrorCode, message: string): ParsedValue {
  return { ok: false, code, message }
}

function describe(raw: unknown): string {
  const text = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw)
  return text === undefined ? String(raw) : text.length > 60 ? `${text.slice(0, 57)}…` : text
}

function isValidDate(text: string): boolean {
  const m = DATE_RE.exec(text)
  if (m === null) return false
  const d = new Date(`${text}T00:00:00.000Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text)
}

function picklistNames(raw: unknown): string[] | undefined {
  if (Array.isArray(raw))
    return raw.every((v) => typeof v === 'string') ? (raw as string[]).map((v) => v.trim()) : undefined
  if (typeof raw === 'string')
    return raw
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '')
  return undefined
}

/**
 * Checks one input value against its field and returns what to store, or why it cannot be stored.
 * Empty strings, null and empty arrays clear the field.
 */
export function parseFieldValue(
  field: CompiledField,
  raw: unknown,
  origin: InputOrigin,
  metadata: CompiledMetadata,
): ParsedValue {
  if (raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0))
    return { ok: true, value: null }
  const where = `Field ${field.name}`
  switch (field.type) {
    case 'ID':
    case 'String':
    case 'LongText': {
      if (typeof raw !== 'string' && typeof raw !== 'number')
        return fail('FIELD_TYPE', `${where} expects text, got ${describe(raw)}.`)
      const text = String(raw)
      const max = field.maxLength ?? 255
      if (text.length > max)
        return fail(
          'FIELD_TOO_LONG',
          `${where} holds at most ${max} characters; the value has ${text.length}.`,
        )
      return { ok: true, value: text }
    }
    case 'Number': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && raw.trim() !== ''
            ? Number(raw)
            : Number.NaN
      if (!Number.isFinite(n)) return fail('FIELD_TYPE', `${where} expects a number, got ${describe(raw)}.`)
      if (field.scale === 0 && !Number.isInteger(n))
        return fail('FIELD_TYPE', `${where} expects a whole number, got ${describe(raw)}.`)
      return { ok: true, value: n }
    }
    case 'Boolean': {
      if (raw === true || raw === false) return { ok: true, value: raw ? 1 : 0 }
      if (origin === 'text' && typeof raw === 'string') {
        const t = raw.trim().toLowerCase()
        if (t === 'true') return { ok: true, value: 1 }
        if (t === 'false') return { ok: true, value: 0 }
      }
      return fail('FIELD_TYPE', `${where} is Yes/No and expects true or false, got ${describe(raw)}.`)
    }
    case 'Date': {
      if (typeof raw !== 'string' || !isValidDate(raw.trim()))
        return fail('FIELD_TYPE', `${where} expects a date as YYYY-MM-DD, got ${describe(raw)}.`)
      return { ok: true, value: raw.trim() }
    }
    case 'DateTime': {
      if (typeof raw !== 'string' || !DATE_TIME_RE.test(raw.trim()))
        return fail(
          'FIELD_TYPE',
          `${where} expects a UTC date-time such as 2026-11-25T10:00:00.000Z, got ${describe(raw)}.`,
        )
      const text = raw.trim()
      const parsed = new Date(/[Tt ]/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/.test(text) ? `${text}Z` : text)
      if (Number.isNaN(parsed.getTime()) || (text.length === 10 && !isValidDate(text)))
        return fail('FIELD_TYPE', `${where} expects a valid date-time, got ${describe(raw)}.`)
      return { ok: true, value: parsed.toISOString() }
    }
    case 'Picklist': {
      const names = picklistNames(raw)
      if (names === undefined)
        return fail(
          'FIELD_TYPE',
          `${where} expects a picklist value name or an array of names, got ${describe(raw)}.`,
        )
      if (names.length === 0) return { ok: true, value: null }
      const picklist = field.picklist === undefined ? undefined : metadata.picklistByName.get(field.picklist)
      const allowed = new Set(picklist?.values.map((v) => v.name) ?? [])
      const unknown = names.filter((n) => !allowed.has(n))
      if (unknown.length > 0) {
        const nearest = nearestValues(unknown[0]!, [...allowed], 5)
        return fail(
          'PICKLIST_VALUE_UNKNOWN',
          `${where} has no picklist value ${unknown.map((u) => `"${u}"`).join(', ')}; the nearest allowed values are ${nearest.join(', ')}${allowed.size > nearest.length ? ` (${allowed.size} in all: GET /api/{version}/metadata/vobjects/{object} lists them)` : ''}.`,
        )
      }
      if (field.multiValue !== true && names.length > 1)
        return fail('FIELD_TYPE', `${where} takes a single value, got ${names.length}: ${names.join(', ')}.`)
      return { ok: true, value: [...new Set(names)].join(',') }
    }
    case 'Object': {
      if (typeof raw !== 'string' || raw.trim() === '')
        return fail(
          'FIELD_TYPE',
          `${where} expects the id of a ${field.object} record, got ${describe(raw)}.`,
        )
      return { ok: true, value: raw.trim() }
    }
    case 'Document': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN
      if (!Number.isInteger(n) || n <= 0)
        return fail(
          'FIELD_TYPE',
          `${where} expects a document id (a positive whole number), got ${describe(raw)}.`,
        )
      return { ok: true, value: n }
    }
  }
}

/** The API shape of a stored value: picklists as arrays of names, Yes/No as booleans. */
export function formatFieldValue(field: CompiledField, value: unknown): unknown {
  if (field.type === 'Picklist')
    return value === null || value === undefined || value === '' ? [] : String(value).split(',')
  if (value === null || value === undefined) return null
  if (field.type === 'Boolean') return value === 1 || value === true || value === '1'
  if (field.type === 'Number' || field.type === 'Document') return Number(value)
  return String(value)
}

/** The text form of a stored value in the audit trail. */
export function auditText(field: CompiledField, value: StoredValue): string | null {
  if (value === null) return null
  if (field.type === 'Boolean') return value === 1 ? 'true' : 'false'
  return String(value)
}

/** Stored values compared as the database would keep them. */
export function sameStoredValue(a: unknown, b: StoredValue): boolean {
  if (a === null || a === undefined) return b === null
  if (b === null) return false
  if (typeof b === 'number') return Number(a) === b
  return String(a) === b
}

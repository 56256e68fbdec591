import { LiaisonError } from '../errors/index.js'
import type { CompiledField, CompiledMetadata, CompiledObject } from '../metadata/index.js'
import { type InputOrigin, parseFieldValue, type StoredValue } from './field-values.js'
import {
  type ApiError,
  apiError,
  BULK_RECORDS_MAX,
  RECORD_ERRORS_MAX,
  RECORD_FIELDS_MAX,
} from './record-types.js'

/** Fields a client may write although the vault also maintains system fields. */
const WRITABLE_SYSTEM_FIELDS = new Set([
  'name__v',
  'status__v',
  'external_id__v',
  'link__sys',
  'object_type__v',
])

/** A `rel__vr.field` column: the reference field is set to the record whose `via` field equals `key`. */
export interface RecordLookup {
  readonly field: CompiledField
  readonly via: string
  readonly key: string
}

/** One input on its way to a row: its checked values, lookups still to resolve, and its errors so far. */
export interface RecordDraft {
  readonly index: number
  readonly values: Map<string, StoredValue>
  readonly lookups: RecordLookup[]
  errors: ApiError[]
  id?: string
  idParamValue?: string
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Request-level limits of a bulk call: at least one record, at most BULK_RECORDS_MAX. */
export function assertBatchSize(inputs: readonly unknown[]): void {
  if (inputs.length === 0) throw new LiaisonError('BODY_MALFORMED', 'The request holds no records.')
  if (inputs.length > BULK_RECORDS_MAX)
    throw new LiaisonError(
      'TOO_MANY_RECORDS',
      `The request holds ${inputs.length} records; at most ${BULK_RECORDS_MAX} are allowed per call. Split it into smaller requests.`,
    )
}

/** The field an `idParam` names; throws unless it is a unique field other than `id`. */
export function resolveIdParam(object: CompiledObject, name: string): CompiledField {
  const field = object.fieldByName.get(name)
  if (field === undefined)
    throw new LiaisonError(
      'FIELD_UNKNOWN',
      `idParam names field ${name}, which object ${object.name} does not have.`,
    )
  if (field.unique !== true || field.name === 'id')
    throw new LiaisonError(
      'ID_PARAM_NOT_UNIQUE',
      `idParam=${name} is not a unique field of ${object.name}; use one of ${object.fields
        .filter((f) => f.unique === true && f.name !== 'id')
        .map((f) => f.name)
        .join(', ')}.`,
    )
  return field
}

/** Every input's idParam value; a value repeated in one request fails the whole request (Vault). */
export function readIdParamKeys(inputs: readonly unknown[], fieldName: string): (string | undefined)[] {
  const seen = new Set<string>()
  return inputs.map((input) => {
    if (!isPlainObject(input)) return undefined
    const raw = input[fieldName]
    if (raw === undefined || raw === null || raw === '') return undefined
    const key = String(raw)
    if (seen.has(key))
      throw new LiaisonError(
        'DUPLICATE_KEY_IN_REQUEST',
        `${fieldName} value "${key}" appears more than once in the request; each upsert key may appear once. Nothing was written.`,
      )
    seen.add(key)
    return key
  })
}

/**
 * Checks one input against the object's fields without the database: unknown and read-only
 * fields, value types, required fields (on update only those the input clears).
 */
export function parseRecordInput(
  metadata: CompiledMetadata,
  object: CompiledObject,
  input: unknown,
  index: number,
  origin: InputOrigin,
  mode: 'create' | 'update',
): RecordDraft {
  const draft: RecordDraft = { index, values: new Map(), lookups: [], errors: [] }
  if (!isPlainObject(input)) {
    draft.errors.push(
      apiError('BODY_MALFORMED', `Record ${index + 1} is not an object of field names and values.`),
    )
    return draft
  }
  if (hasMoreKeysThan(input, RECORD_FIELDS_MAX)) {
    draft.errors.push(
      apiError(
        'RECORD_TOO_MANY_FIELDS',
        `Record ${index + 1} has more than ${RECORD_FIELDS_MAX} fields; at most ${RECORD_FIELDS_MAX} are allowed per record. Send only fields that ${object.name} has.`,
      ),
    )
    return draft
  }
  for (const [key, raw] of Object.entries(input)) {
    if (key === 'id' && mode === 'create' && (raw === undefined || raw === null || raw === '')) continue
    let name = key
    if (key === 'object_type__v.api_name__v') name = 'object_type__v'
    else if (key.includes('.')) {
      const [rel, via] = key.split('.', 2) as [string, string]
      const field = object.fields.find((f) => f.relationshipName === rel)
      const target = field?.object === undefined ? undefined : metadata.objectByName.get(field.object)
      if (field === undefined || target === undefined || !target.fieldByName.has(via)) {
        draft.errors.push(
          apiError(
            'FIELD_UNKNOWN',
            `Column ${key} does not name an outbound relationship and field of ${object.name}.`,
          ),
        )
        continue
      }
      if (raw !== null && raw !== undefined && raw !== '')
        draft.lookups.push({ field, via, key: String(raw) })
      else draft.values.set(field.name, null)
      continue
    }
    const field = object.fieldByName.get(name)
    if (field === undefined) {
      draft.errors.push(
        apiError(
          'FIELD_UNKNOWN',
          `Field ${name} does not exist on object ${object.name}; GET /api/{version}/metadata/vobjects/${object.name} lists its fields.`,
        ),
      )
      continue
    }
    if (field.system === true && !WRITABLE_SYSTEM_FIELDS.has(field.name)) {
      draft.errors.push(
        apiError(
          'FIELD_READ_ONLY',
          `Field ${field.name} is maintained by the vault and cannot be set; leave it out.`,
        ),
      )
      continue
    }
    const parsed = parseFieldValue(field, raw, origin, metadata)
    if (!parsed.ok) draft.errors.push(apiError(parsed.code, parsed.message))
    else draft.values.set(field.name, parsed.value)
  }
  const missing = object.fields.filter((f) => {
    if (f.required !== true) return false
    if (f.type === 'Object' && draft.lookups.some((l) => l.field.name === f.name)) return false
    if (mode === 'update') return draft.values.has(f.name) && draft.values.get(f.name) === null
    return (draft.values.get(f.name) ?? null) === null
  })
  if (missing.length > 0)
    draft.errors.push(
      apiError(
        'FIELD_REQUIRED',
        `Required field${missing.length > 1 ? 's' : ''} ${missing.map((f) => f.name).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no value.`,
      ),
    )
  draft.errors = capErrors(draft.errors, index)
  return draft
}

/** True when the object has more than `max` own keys; stops counting there. */
function hasMoreKeysThan(input: Record<string, unknown>, max: number): boolean {
  let count = 0
  for (const key in input) if (Object.hasOwn(input, key) && ++count > max) return true
  return false
}

/** The first RECORD_ERRORS_MAX errors and one entry counting the rest, so an answer stays small. */
function capErrors(errors: ApiError[], index: number): ApiError[] {
  if (errors.length <= RECORD_ERRORS_MAX) return errors
  const rest = errors.length - RECORD_ERRORS_MAX
  return [
    ...errors.slice(0, RECORD_ERRORS_MAX),
    {
      type: errors[RECORD_ERRORS_MAX]!.type,
      message: `… and ${rest} more error${rest > 1 ? 's' : ''} in record ${index + 1}; correct the ones listed and send the record again to see the rest.`,
    },
  ]
}

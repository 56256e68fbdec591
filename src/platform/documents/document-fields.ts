import type { Kysely } from 'kysely'
import { type ErrorCode, LiaisonError } from '../errors/index.js'
import type { DocumentTypeDefinition, FieldDefinition, MetadataRegistry } from '../metadata/index.js'
import { idsByKey, referenceKeys } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'

function fail(code: ErrorCode, message: string): never {
  throw new LiaisonError(code, message)
}

/** Standard fields every document type has. */
export const STANDARD_FIELDS: readonly FieldDefinition[] = Object.freeze([
  { name: 'name__v', label: 'Name', type: 'String', required: true, maxLength: 100 },
] as const)

/** Fields nobody writes through the API. */
const READ_ONLY_FIELDS = new Set([
  'id',
  'type__v',
  'lifecycle__v',
  'status__v',
  'state__v',
  'major_version_number__v',
  'minor_version_number__v',
  'crosslink__v',
  'filename__v',
  'format__v',
  'size__v',
  'sha256__sys',
])

/**
 * The field values of documents as clients send them, checked against a document type: known and
 * writable fields, values of the field's type, references to records that exist (by id, or by a
 * name only one record has), picklist values, required fields.
 */
export class DocumentFields {
  readonly #registry: MetadataRegistry

  constructor(registry: MetadataRegistry) {
    this.#registry = registry
  }

  /** Checks client field values of a type and returns them in API shape; references must exist. */
  async parse(
    db: Kysely<VaultDb>,
    type: DocumentTypeDefinition,
    input: Readonly<Record<string, unknown>>,
    ignore: ReadonlySet<string>,
  ): Promise<Record<string, unknown>> {
    const fields = new Map([...STANDARD_FIELDS, ...type.fields].map((f) => [f.name, f]))
    const values: Record<string, unknown> = {}
    for (const [name, raw] of Object.entries(input)) {
      if (ignore.has(name)) continue
      if (READ_ONLY_FIELDS.has(name))
        fail('FIELD_READ_ONLY', `Field ${name} of a document is maintained by the vault; leave it out.`)
      const field = fields.get(name)
      if (field === undefined || field.system === true)
        fail(
          field === undefined ? 'FIELD_UNKNOWN' : 'FIELD_READ_ONLY',
          `Document type ${type.name} has no editable field ${name}; its fields are ${[...fields.keys()].join(', ')}.`,
        )
      values[name] = await this.#parseValue(db, field, raw)
    }
    return values
  }

  async #parseValue(db: Kysely<VaultDb>, field: FieldDefinition, raw: unknown): Promise<unknown> {
    const where = `Field ${field.name}`
    const empty = raw === null || raw === undefined || raw === '' || (Array.isArray(raw) && raw.length === 0)
    if (empty) return field.multiValue === true ? [] : null
    switch (field.type) {
      case 'Boolean': {
        if (typeof raw === 'boolean') return raw
        const text = String(raw).trim().toLowerCase()
        if (['true', 'yes', '1'].includes(text)) return true
        if (['false', 'no', '0'].includes(text)) return false
        return fail('FIELD_TYPE', `${where} expects Yes/No (true or false), got "${String(raw)}".`)
      }
      case 'Object': {
        const ids = (Array.isArray(raw) ? raw : String(raw).split(','))
          .map((v) => String(v).trim())
          .filter((v) => v !== '')
        if (field.multiValue !== true && ids.length > 1)
          fail('FIELD_TYPE', `${where} takes one ${field.object} id, got ${ids.length}.`)
        const unique = [...new Set(ids)]
        const object = this.#registry.object(field.object ?? '')
        const found = await db.selectFrom(object.name).select('id').where('id', 'in', unique).execute()
        const known = new Set(found.map((r) => String(r.id)))
        const named = await idsByKey(
          db,
          object,
          unique.filter((id) => !known.has(id)),
        )
        const missing = unique.filter((id) => !known.has(id) && !named.has(id))
        if (missing.length > 0)
          fail(
            'REFERENCE_NOT_FOUND',
            `${where} refers to ${missing.join(', ')}, which names no ${object.name} record (tried ${['id', ...referenceKeys(object)].join(', ')}; a name must belong to one record only).`,
          )
        const resolved = [...new Set(unique.map((v) => named.get(v) ?? v))]
        return field.multiValue === true ? resolved : resolved[0]
      }
      case 'Picklist': {
        const names = (Array.isArray(raw) ? raw : String(raw).split(','))
          .map((v) => String(v).trim())
          .filter((v) => v !== '')
        if (field.multiValue !== true && names.length > 1)
          fail('FIELD_TYPE', `${where} takes one value, got ${names.length}.`)
        const picklist = this.#registry.current.picklistByName.get(field.picklist ?? '')
        const allowed = new Set(picklist?.values.map((v) => v.name) ?? [])
        const unknown = names.filter((n) => !allowed.has(n))
        if (unknown.length > 0)
          fail(
            'PICKLIST_VALUE_UNKNOWN',
            `${where} has no value ${unknown.join(', ')} in picklist ${field.picklist}; use one of ${[...allowed].slice(0, 20).join(', ')}${allowed.size > 20 ? ', …' : ''}.`,
          )
        const unique = [...new Set(names)]
        return field.multiValue === true ? unique : unique[0]
      }
      case 'Number': {
        const n = typeof raw === 'number' ? raw : Number(String(raw).trim())
        if (!Number.isFinite(n)) fail('FIELD_TYPE', `${where} expects a number, got "${String(raw)}".`)
        return n
      }
      default: {
        if (typeof raw !== 'string' && typeof raw !== 'number')
          fail('FIELD_TYPE', `${where} expects text, got ${JSON.stringify(raw)}.`)
        const text = String(raw)
        const max = field.maxLength ?? 255
        if (text.length > max)
          fail('FIELD_TOO_LONG', `${where} holds at most ${max} characters; the value has ${text.length}.`)
        return text
      }
    }
  }

  assertRequired(type: DocumentTypeDefinition, values: Readonly<Record<string, unknown>>): void {
    const missing = [...STANDARD_FIELDS, ...type.fields]
      .filter((f) => f.required === true)
      .filter((f) => {
        const v = values[f.name]
        return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
      })
      .map((f) => f.name)
    if (missing.length > 0)
      fail('FIELD_REQUIRED', `Document type ${type.name} needs ${missing.join(', ')}; send a value for each.`)
  }
}

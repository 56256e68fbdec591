import { expect } from 'vitest'
import type { CompiledMetadata, CompiledObject, FieldType } from '../../src/platform/metadata/index.js'
import { parseFieldValue, type RecordWriter } from '../../src/platform/records/index.js'

/** A field spec: its type, plus the referenced object or picklist where it matters. */
export type FieldSpec = FieldType | readonly [FieldType, string]

/** Contract checks over one compiled profile: its objects, fields and picklists by name. */
export function profileChecks(metadata: CompiledMetadata): {
  objectOf(name: string): CompiledObject
  expectFields(objectName: string, fields: Readonly<Record<string, FieldSpec>>): void
  picklistValues(name: string): string[]
} {
  function objectOf(name: string): CompiledObject {
    const object = metadata.objectByName.get(name)
    if (object === undefined) throw new Error(`no object ${name}`)
    return object
  }
  function expectFields(objectName: string, fields: Readonly<Record<string, FieldSpec>>): void {
    const object = objectOf(objectName)
    for (const [name, spec] of Object.entries(fields)) {
      const field = object.fieldByName.get(name)
      expect(field, `${objectName}.${name}`).toBeDefined()
      const [type, target] = typeof spec === 'string' ? [spec, undefined] : spec
      expect(field?.type, `${objectName}.${name} type`).toBe(type)
      if (target !== undefined)
        expect(type === 'Object' ? field?.object : field?.picklist, `${objectName}.${name} target`).toBe(
          target,
        )
    }
  }
  function picklistValues(name: string): string[] {
    return metadata.picklistByName.get(name)?.values.map((v) => v.name) ?? []
  }
  return { objectOf, expectFields, picklistValues }
}

/**
 * A fake of the write port: records what it got, hands out ids with the object's prefix, and
 * checks each value as the API would (the real field parser), that every reference names an id it
 * returned for the referenced object, that required fields are set, and that unique values repeat
 * nowhere.
 */
export class CheckingWriter implements RecordWriter {
  readonly calls: { objectName: string; records: Readonly<Record<string, unknown>>[] }[] = []
  readonly problems: string[] = []
  readonly #objectOfId = new Map<string, string>()
  readonly #uniqueValues = new Set<string>()
  readonly #metadata: CompiledMetadata
  #next = 0

  constructor(compiled: CompiledMetadata) {
    this.#metadata = compiled
  }

  async create(objectName: string, records: readonly Readonly<Record<string, unknown>>[]): Promise<string[]> {
    const object = this.#metadata.objectByName.get(objectName)
    if (object === undefined) {
      this.problems.push(`unknown object ${objectName}`)
      return records.map(() => 'unknown')
    }
    for (const [i, record] of records.entries()) this.#check(object, record, `${objectName}[${i}]`)
    this.calls.push({ objectName, records: [...records] })
    return records.map(() => {
      this.#next += 1
      const id = `${object.prefix}${String(this.#next).padStart(12, '0')}`
      this.#objectOfId.set(id, objectName)
      return id
    })
  }

  #check(object: CompiledObject, record: Readonly<Record<string, unknown>>, path: string): void {
    for (const field of object.fields)
      if (field.required === true && field.system !== true && (record[field.name] ?? '') === '')
        this.problems.push(`${path}: required ${field.name} missing`)
    for (const [name, value] of Object.entries(record)) {
      const field = object.fieldByName.get(name)
      if (field === undefined || field.system === true) {
        this.problems.push(`${path}: ${name} is not a writable field`)
        continue
      }
      const parsed = parseFieldValue(field, value, 'json', this.#metadata)
      if (!parsed.ok) this.problems.push(`${path}: ${parsed.message}`)
      if (field.type === 'Picklist' && (field.multiValue === true) !== Array.isArray(value))
        this.problems.push(
          `${path}: ${name} should be ${field.multiValue === true ? 'an array' : 'a single name'}`,
        )
      if (field.type === 'Object' && this.#objectOfId.get(String(value)) !== field.object)
        this.problems.push(`${path}: ${name} = ${String(value)} is not a ${field.object} id returned earlier`)
      if (field.unique === true && value !== undefined && value !== null) {
        const key = `${object.name}.${name}=${String(value)}`
        if (this.#uniqueValues.has(key)) this.problems.push(`${path}: duplicate unique ${key}`)
        this.#uniqueValues.add(key)
      }
    }
  }

  recordsOf(objectName: string): Readonly<Record<string, unknown>>[] {
    return this.calls.filter((c) => c.objectName === objectName).flatMap((c) => c.records)
  }

  /** The object a returned id belongs to. */
  objectOfId(id: unknown): string | undefined {
    return this.#objectOfId.get(String(id))
  }
}

import { LiaisonError } from '../errors/index.js'
import type { Storage } from '../storage/index.js'
import {
  type CompiledMetadata,
  type CompiledObject,
  compileField,
  compileMetadata,
} from './compiled-metadata.js'
import { addColumn, syncObjectTables } from './object-tables.js'
import {
  CUSTOM_FIELD_TYPES,
  type FieldDefinition,
  LONG_TEXT_MAX_LENGTH_LIMIT,
  type ProfileDefinition,
  TEXT_MAX_LENGTH_LIMIT,
} from './types.js'

interface StoredCustomField {
  readonly objectName: string
  readonly field: FieldDefinition
}

function formatIssues(issues: readonly { path: string; message: string }[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ')
}

/**
 * The live metadata of one vault: the profile's definitions plus the custom fields its admins
 * added. Adding a field alters the table and swaps in new compiled metadata without a restart.
 */
export class MetadataRegistry {
  readonly #storage: Storage
  readonly #profile: ProfileDefinition
  #custom: StoredCustomField[] = []
  #current: CompiledMetadata

  private constructor(storage: Storage, profile: ProfileDefinition, current: CompiledMetadata) {
    this.#storage = storage
    this.#profile = profile
    this.#current = current
  }

  /** Compiles the profile, creates or extends the object tables, and loads custom fields. */
  static async open(storage: Storage, profile: ProfileDefinition): Promise<MetadataRegistry> {
    const base = compileMetadata(profile, [])
    if (base.issues.length > 0)
      throw new LiaisonError(
        'METADATA_INVALID',
        `The ${profile.name} profile is invalid: ${formatIssues(base.issues)}`,
      )
    const registry = new MetadataRegistry(storage, profile, base.metadata)
    await storage.dialect.withSchemaLock(storage.db, async (trx) => {
      await syncObjectTables(trx, storage.dialect, base.metadata)
    })
    await registry.reload()
    return registry
  }

  get current(): CompiledMetadata {
    return this.#current
  }

  /** Reads custom fields again (another process may have added one). */
  async reload(): Promise<void> {
    const rows = await this.#storage.db
      .selectFrom('custom_field')
      .selectAll()
      .orderBy('created_date')
      .execute()
    this.#custom = rows.map((r) => ({
      objectName: String(r.object_name),
      field: JSON.parse(String(r.definition)) as FieldDefinition,
    }))
    const { metadata, issues } = compileMetadata(this.#profile, this.#custom)
    if (issues.length > 0)
      throw new LiaisonError('METADATA_INVALID', `Stored custom fields are invalid: ${formatIssues(issues)}`)
    this.#current = metadata
  }

  /** The compiled object, or OBJECT_UNKNOWN naming it. */
  object(name: string): CompiledObject {
    const object = this.#current.objectByName.get(name)
    if (object === undefined)
      throw new LiaisonError(
        'OBJECT_UNKNOWN',
        `Object "${name}" does not exist in this ${this.#current.profile} vault. GET /api/{version}/metadata/vobjects lists the objects.`,
      )
    return object
  }

  /** Adds a custom `__c` field to an object: validates, alters the table, records it, recompiles. */
  async addCustomField(objectName: string, field: FieldDefinition): Promise<CompiledObject> {
    const object = this.object(objectName)
    const problems = this.#checkCustomField(objectName, field)
    if (problems.length > 0) throw new LiaisonError('METADATA_INVALID', problems.join(' '))
    await this.#storage.dialect.withSchemaLock(this.#storage.db, async (trx) => {
      const existing = await trx
        .selectFrom('custom_field')
        .select('field_name')
        .where('object_name', '=', objectName)
        .where('field_name', '=', field.name)
        .executeTakeFirst()
      if (existing !== undefined || object.fieldByName.has(field.name))
        throw new LiaisonError(
          'METADATA_CONFLICT',
          `Object ${objectName} already has a field named ${field.name}.`,
        )
      await addColumn(trx, this.#storage.dialect, object, compileField(field, true))
      await trx
        .insertInto('custom_field')
        .values({
          object_name: objectName,
          field_name: field.name,
          definition: JSON.stringify(field),
          created_date: new Date().toISOString(),
        })
        .execute()
    })
    await this.reload()
    return this.object(objectName)
  }

  #checkCustomField(_objectName: string, field: FieldDefinition): string[] {
    const problems: string[] = []
    if (!/^[a-z][a-z0-9_]{0,35}__c$/.test(field.name))
      problems.push(
        `Field name "${field.name}" must be lower case letters, digits and underscores, start with a letter, end in __c, and have at most 40 characters.`,
      )
    if (!(CUSTOM_FIELD_TYPES as readonly string[]).includes(field.type))
      problems.push(`Field type "${field.type}" is not one of ${CUSTOM_FIELD_TYPES.join(', ')}.`)
    if (typeof field.label !== 'string' || field.label.trim() === '') problems.push('A label is required.')
    if (
      field.type === 'String' &&
      field.maxLength !== undefined &&
      (field.maxLength < 1 || field.maxLength > TEXT_MAX_LENGTH_LIMIT)
    )
      problems.push(`max_length of a String field must be between 1 and ${TEXT_MAX_LENGTH_LIMIT}.`)
    if (
      field.type === 'LongText' &&
      field.maxLength !== undefined &&
      (field.maxLength < 1 || field.maxLength > LONG_TEXT_MAX_LENGTH_LIMIT)
    )
      problems.push(`max_length of a LongText field must be between 1 and ${LONG_TEXT_MAX_LENGTH_LIMIT}.`)
    if (
      field.type === 'Picklist' &&
      (field.picklist === undefined || !this.#current.picklistByName.has(field.picklist))
    )
      problems.push(
        `Picklist field ${field.name} must name an existing picklist (one of ${[...this.#current.picklistByName.keys()].filter((n) => !n.includes('.')).join(', ')}).`,
      )
    if (
      field.type === 'Object' &&
      (field.object === undefined || !this.#current.objectByName.has(field.object))
    )
      problems.push(`Object field ${field.name} must name an existing object in "object".`)
    return problems
  }
}

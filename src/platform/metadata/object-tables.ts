import { type Kysely, sql } from 'kysely'
import type { StorageDialect, VaultDb } from '../storage/index.js'
import {
  type CompiledField,
  type CompiledMetadata,
  type CompiledObject,
  compileField,
} from './compiled-metadata.js'
import type { FieldDefinition } from './types.js'

/** Vault-managed identifiers: text, but nobody searches for them and they would bloat the index. */
const NOT_SEARCHED = new Set(['link__sys'])

/**
 * The fields VQL FIND searches (SCOPE PROPERTIES) and the full-text index covers: String and Long
 * Text fields an admin or user writes. System fields (state, creators, global ids) are left out.
 */
export function isSearchableField(field: Pick<FieldDefinition, 'name' | 'type' | 'system'>): boolean {
  return (
    (field.type === 'String' || field.type === 'LongText') &&
    field.system !== true &&
    !NOT_SEARCHED.has(field.name)
  )
}

/** The full-text index columns of an object, in field order. */
export function searchColumnsOf(object: Pick<CompiledObject, 'fields'>): string[] {
  return [...new Set(object.fields.filter(isSearchableField).map((f) => f.name))]
}

function indexName(object: string, field: string, unique: boolean): string {
  return `${unique ? 'uq' : 'ix'}_${object}_${field}`.slice(0, 63)
}

function needsIndex(field: CompiledField): boolean {
  return field.name !== 'id' && (field.unique === true || field.indexed === true || field.type === 'Object')
}

async function createIndex(db: Kysely<VaultDb>, object: string, field: CompiledField): Promise<void> {
  const unique = field.unique === true
  const name = sql.id(indexName(object, field.name, unique))
  await sql`create ${sql.raw(unique ? 'unique index' : 'index')} if not exists ${name} on ${sql.table(object)} (${sql.ref(field.name)})`.execute(
    db,
  )
}

async function alterTableAddColumn(
  db: Kysely<VaultDb>,
  dialect: StorageDialect,
  object: CompiledObject,
  field: CompiledField,
): Promise<void> {
  await sql`alter table ${sql.table(object.name)} add column ${sql.ref(field.name)} ${sql.raw(dialect.sqlType(field.column))}`.execute(
    db,
  )
  if (needsIndex(field)) await createIndex(db, object.name, field)
}

/** Adds the column of a new field (a custom field) to its object's table, and to its full-text index. */
export async function addColumn(
  db: Kysely<VaultDb>,
  dialect: StorageDialect,
  object: CompiledObject,
  field: CompiledField,
): Promise<void> {
  await alterTableAddColumn(db, dialect, object, field)
  // A new text field is searchable at once: the index is rebuilt over the new column list.
  if (isSearchableField(field))
    await dialect.fullText.syncIndex(db, object.name, searchColumnsOf({ fields: [...object.fields, field] }))
}

/**
 * Custom fields per object, read from the table: the vault opens on the profile's metadata alone,
 * and the full-text index must still cover the custom text fields admins added.
 */
async function customFieldsByObject(db: Kysely<VaultDb>): Promise<Map<string, CompiledField[]>> {
  const rows = await db
    .selectFrom('custom_field')
    .select(['object_name', 'definition'])
    .orderBy('created_date')
    .execute()
  const byObject = new Map<string, CompiledField[]>()
  for (const row of rows) {
    const list = byObject.get(String(row.object_name)) ?? []
    list.push(compileField(JSON.parse(String(row.definition)) as FieldDefinition, true))
    byObject.set(String(row.object_name), list)
  }
  return byObject
}

/**
 * Makes the database hold one table per object with a column per field, adding what is missing.
 * Runs under the schema lock, so several processes may start on one database at once.
 */
export async function syncObjectTables(
  db: Kysely<VaultDb>,
  dialect: StorageDialect,
  metadata: CompiledMetadata,
): Promise<void> {
  const existing = await db.introspection.getTables()
  const columnsByTable = new Map(
    existing
      .filter((t) => t.schema === undefined || t.schema === 'public' || t.schema === 'main')
      .map((t) => [t.name, new Set(t.columns.map((c) => c.name))]),
  )
  const custom = await customFieldsByObject(db)
  for (const object of metadata.objects) {
    const known = new Set(object.fields.map((f) => f.name))
    const extra = (custom.get(object.name) ?? []).filter((f) => !known.has(f.name))
    await syncTable(db, dialect, object, columnsByTable.get(object.name))
    await dialect.fullText.syncIndex(
      db,
      object.name,
      searchColumnsOf({ fields: [...object.fields, ...extra] }),
    )
  }
}

async function syncTable(
  db: Kysely<VaultDb>,
  dialect: StorageDialect,
  object: CompiledObject,
  columns: ReadonlySet<string> | undefined,
): Promise<void> {
  if (columns === undefined) {
    const defs = object.fields.map((f) =>
      f.name === 'id'
        ? sql`${sql.ref('id')} text primary key`
        : sql`${sql.ref(f.name)} ${sql.raw(dialect.sqlType(f.column))}`,
    )
    await sql`create table ${sql.table(object.name)} (${sql.join(defs)})`.execute(db)
    for (const field of object.fields) if (needsIndex(field)) await createIndex(db, object.name, field)
    // Watermark pulls read in (modified_date__v, id) order.
    await sql`create index if not exists ${sql.id(`ix_${object.name}_modified_id`.slice(0, 63))} on ${sql.table(object.name)} (modified_date__v, id)`.execute(
      db,
    )
    return
  }
  for (const field of object.fields)
    if (!columns.has(field.name)) await alterTableAddColumn(db, dialect, object, field)
}

import { type Kysely, sql } from 'kysely'
import type { StorageDialect, VaultDb } from '../storage/index.js'
import type { CompiledField, CompiledMetadata, CompiledObject } from './compiled-metadata.js'

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

export async function addColumn(
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
  for (const object of metadata.objects) {
    const columns = columnsByTable.get(object.name)
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
      continue
    }
    for (const field of object.fields)
      if (!columns.has(field.name)) await addColumn(db, dialect, object, field)
  }
}

import type { Kysely } from 'kysely'
import type { CompiledField, CompiledObject } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import type { StoredRow } from './record-types.js'

/** Most values one `in (…)` list carries, well under either database's parameter limit. */
const IN_LIST_MAX = 500

/** The items in consecutive slices of at most `size`. */
export function inChunks<T>(items: readonly T[], size: number = IN_LIST_MAX): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** One stored row of an object table by id, or undefined. */
export async function readRow(
  db: Kysely<VaultDb>,
  objectName: string,
  id: string,
): Promise<StoredRow | undefined> {
  return db.selectFrom(objectName).selectAll().where('id', '=', id).executeTakeFirst()
}

/** The stored rows of these ids that exist, by id; repeated ids are read once. */
export async function readRows(
  db: Kysely<VaultDb>,
  objectName: string,
  ids: readonly string[],
): Promise<Map<string, StoredRow>> {
  const rows = new Map<string, StoredRow>()
  for (const part of inChunks([...new Set(ids)]))
    for (const row of await db.selectFrom(objectName).selectAll().where('id', 'in', part).execute())
      rows.set(String(row.id), row)
  return rows
}

/** Record ids by their value of a unique field (the upsert and update `idParam`). */
export async function readIdsByKey(
  db: Kysely<VaultDb>,
  object: CompiledObject,
  field: CompiledField,
  keys: readonly (string | undefined)[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  const present = [...new Set(keys.filter((k): k is string => k !== undefined))]
  for (const part of inChunks(present))
    for (const row of await db
      .selectFrom(object.name)
      .select(['id', field.name])
      .where(field.name, 'in', part)
      .execute())
      found.set(String(row[field.name]), String(row.id))
  return found
}

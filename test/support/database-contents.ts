import { existsSync, readFileSync } from 'node:fs'
import { sql } from 'kysely'
import type { Storage } from '../../src/platform/storage/index.js'

/**
 * Everything a local account with the database's credentials reads: every row of every table,
 * as text. On SQLite this is what opening the file with any SQLite tool shows.
 */
export async function allRowsAsText(storage: Storage): Promise<string> {
  const { db } = storage
  const tables =
    storage.dialect.kind === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
      : await sql<{ name: string }>`select table_name as name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
  const parts: string[] = []
  for (const { name } of tables.rows) {
    const rows = await sql`select * from ${sql.table(name)}`.execute(db)
    parts.push(`${name}: ${JSON.stringify(rows.rows)}`)
  }
  return parts.join('\n')
}

/**
 * The bytes of a SQLite database file and its WAL, as latin1 text: what a local account that can
 * read the files finds, deleted rows and old pages included.
 */
export function sqliteFileBytes(path: string): string {
  return [path, `${path}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('\n')
}

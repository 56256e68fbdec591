import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import { type FullTextSearch, postgresFullTextSearch, sqliteFullTextSearch } from './full-text-search.js'
import type { VaultDb } from './vault-db.js'

export const STORAGE_KINDS = ['sqlite', 'postgres'] as const
export type StorageKind = (typeof STORAGE_KINDS)[number]

/** Column types a table can declare; each dialect maps them to its own SQL type. */
export const COLUMN_TYPES = ['text', 'integer', 'real', 'bigint'] as const
export type ColumnType = (typeof COLUMN_TYPES)[number]

/**
 * How a value inside a JSON text column is read (`StorageDialect.jsonField`): text, a number, a
 * Yes/No as 1/0 (as Boolean columns store it), or an array as one comma-separated text (as
 * multi-value picklists store it), so VQL compares them like ordinary columns.
 */
export const JSON_FIELD_KINDS = ['text', 'number', 'boolean', 'list'] as const
export type JsonFieldKind = (typeof JSON_FIELD_KINDS)[number]

/**
 * What Kysely does not hide: one object per database with capability flags and small hooks.
 * Code outside `storage/` asks this object instead of testing which database runs.
 */
export interface StorageDialect {
  readonly kind: StorageKind
  /** The highest number of bound parameters one statement may carry. */
  readonly maxParameters: number
  sqlType(type: ColumnType): string
  /** Column definition of an auto-numbered primary key. */
  readonly serialPrimaryKey: string
  /** Runs `fn` in a transaction that holds the vault-wide schema lock (one process at a time). */
  withSchemaLock<T>(db: Kysely<VaultDb>, fn: (trx: Kysely<VaultDb>) => Promise<T>): Promise<T>
  /** Turns a driver error into a LiaisonError when it is one we know, else returns undefined. */
  translateError(error: unknown): LiaisonError | undefined
  /** Case-insensitive equality of a column against a bound value. */
  caseInsensitiveLike: 'like' | 'ilike'
  /**
   * Case-sensitive LIKE (VQL values are case-sensitive; SQLite's LIKE is not). `pattern` uses `%`
   * and `_` as wildcards and `\` as the escape character; it is bound as a parameter.
   */
  caseSensitiveLike(value: Expression<unknown>, pattern: string): RawBuilder<SqlBool>
  /** Full-text indexes and search conditions (VQL FIND): FTS5 on SQLite, tsvector + GIN on PostgreSQL. */
  readonly fullText: FullTextSearch
  /**
   * The value of key `key` of the JSON object in text column `column` (document version fields),
   * read as `kind`; null when the key is missing. The key is bound as a parameter.
   */
  jsonField(column: Expression<unknown>, key: string, kind: JsonFieldKind): RawBuilder<unknown>
  /**
   * Makes rows deleted so far unreadable from the database's files (a secret moved elsewhere). SQLite
   * zeroes deleted content in its pages (secure_delete); this copies the WAL into the file and empties
   * it, so no older page survives. PostgreSQL's files belong to its server: nothing to do here.
   */
  eraseDeletedRows(db: Kysely<VaultDb>): Promise<void>
}

/** Rewrites a LIKE pattern (`%`, `_`, `\` escapes) as the equivalent GLOB pattern. */
function likeToGlob(pattern: string): string {
  let out = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i]!
      out += next === '*' || next === '?' || next === '[' ? `[${next}]` : next
    } else if (c === '%') out += '*'
    else if (c === '_') out += '?'
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`
    else out += c
  }
  return out
}

const SCHEMA_LOCK_KEY = 731_1946

function driverCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code
    return typeof code === 'string' ? code : undefined
  }
  return undefined
}

/**
 * The driver's ways of saying the PostgreSQL server cannot be reached or dropped the connection:
 * socket errors, class 08 (connection exception), 57P01–57P03 (the server shutting down or
 * starting) and 53300 (its connection slots are all taken, by this vault's processes or others).
 * The pool opens new connections on its own, so the next request may well succeed.
 */
const POSTGRES_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
])

function postgresUnreachable(error: unknown): boolean {
  const code = driverCode(error)
  if (code !== undefined) return POSTGRES_UNREACHABLE.has(code) || code.startsWith('08')
  const message = error instanceof Error ? error.message : ''
  return /^Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
}

function uniqueViolation(error: unknown): LiaisonError {
  const message = error instanceof Error ? error.message : String(error)
  return new LiaisonError(
    'UNIQUE_VIOLATION',
    `A unique value is already used by another record (${message}).`,
    {
      cause: error,
    },
  )
}

export const sqliteDialect: StorageDialect = Object.freeze({
  kind: 'sqlite' as const,
  maxParameters: 32_000,
  caseInsensitiveLike: 'like' as const,
  // GLOB is SQLite's case-sensitive LIKE and still uses an index for a fixed prefix.
  caseSensitiveLike: (value: Expression<unknown>, pattern: string): RawBuilder<SqlBool> =>
    sql<SqlBool>`${value} glob ${likeToGlob(pattern)}`,
  fullText: sqliteFullTextSearch,
  async eraseDeletedRows(db: Kysely<VaultDb>): Promise<void> {
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db)
  },
  jsonField(column: Expression<unknown>, key: string, kind: JsonFieldKind): RawBuilder<unknown> {
    const path = `$.${JSON.stringify(key)}`
    // json_extract already answers JSON true/false as 1/0 and numbers as numbers.
    if (kind !== 'list') return sql`json_extract(${column}, ${path})`
    return sql`(select group_concat(${sql.ref('e.value')}, ',') from json_each(${column}, ${path}) as e)`
  },
  serialPrimaryKey: 'integer primary key autoincrement',
  sqlType(type: ColumnType): string {
    return { text: 'text', integer: 'integer', real: 'real', bigint: 'integer' }[type]
  },
  async withSchemaLock<T>(db: Kysely<VaultDb>, fn: (trx: Kysely<VaultDb>) => Promise<T>): Promise<T> {
    // SQLite grants the write lock to the first writer; starting with a write makes the busy
    // timeout apply before any read, so concurrent starters queue instead of failing.
    await sql`create table if not exists liaison_schema_lock (id integer primary key, taken_at text)`.execute(
      db,
    )
    return db.transaction().execute(async (trx) => {
      await sql`insert or replace into liaison_schema_lock (id, taken_at) values (1, ${new Date().toISOString()})`.execute(
        trx,
      )
      return fn(trx)
    })
  },
  translateError(error: unknown): LiaisonError | undefined {
    const code = driverCode(error)
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
      return uniqueViolation(error)
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
      return new LiaisonError('STORAGE_BUSY', 'The vault database is busy; retry shortly.', { cause: error })
    return undefined
  },
})

export const postgresDialect: StorageDialect = Object.freeze({
  kind: 'postgres' as const,
  maxParameters: 65_000,
  caseInsensitiveLike: 'ilike' as const,
  caseSensitiveLike: (value: Expression<unknown>, pattern: string): RawBuilder<SqlBool> =>
    sql<SqlBool>`${value} like ${pattern} escape '\\'`,
  fullText: postgresFullTextSearch,
  async eraseDeletedRows(): Promise<void> {},
  jsonField(column: Expression<unknown>, key: string, kind: JsonFieldKind): RawBuilder<unknown> {
    // The column is text (one schema for both databases), so it is cast to jsonb where read.
    const value = sql`(cast(${column} as jsonb) -> cast(${key} as text))`
    switch (kind) {
      case 'text':
        return sql`(cast(${column} as jsonb) ->> cast(${key} as text))`
      case 'number':
        return sql`(case when jsonb_typeof(${value}) = 'number' then cast(${value} as text) end)::double precision`
      case 'boolean':
        return sql`(case jsonb_typeof(${value}) when 'boolean' then (case when ${value} = 'true'::jsonb then 1 else 0 end) end)`
      case 'list':
        return sql`(case when jsonb_typeof(${value}) = 'array' then (select string_agg(e, ',' order by n) from jsonb_array_elements_text(${value}) with ordinality as x(e, n)) end)`
    }
  },
  serialPrimaryKey: 'bigint generated always as identity primary key',
  sqlType(type: ColumnType): string {
    return { text: 'text', integer: 'integer', real: 'double precision', bigint: 'bigint' }[type]
  },
  async withSchemaLock<T>(db: Kysely<VaultDb>, fn: (trx: Kysely<VaultDb>) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`.execute(trx)
      return fn(trx)
    })
  },
  translateError(error: unknown): LiaisonError | undefined {
    const code = driverCode(error)
    if (code === '23505') return uniqueViolation(error)
    if (code === '40001' || code === '40P01' || code === '55P03')
      return new LiaisonError('STORAGE_BUSY', 'The vault database is busy; retry shortly.', { cause: error })
    if (postgresUnreachable(error))
      return new LiaisonError(
        'VAULT_NOT_READY',
        'The vault cannot reach its database right now; nothing was changed. Retry shortly; if it lasts, check the database server.',
        { cause: error },
      )
    return undefined
  },
})

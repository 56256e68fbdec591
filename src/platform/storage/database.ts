import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely } from 'kysely'
import pg from 'pg'
import { LiaisonError } from '../errors/index.js'
import { PostgresVaultDialect } from './postgres-vault-dialect.js'
import { SqliteVaultDialect } from './sqlite-vault-dialect.js'
import { postgresDialect, type StorageDialect, sqliteDialect } from './storage-dialect.js'
import type { VaultDb } from './vault-db.js'

// COUNT(*) and identity columns are int8 in PostgreSQL; their values fit a JS number here.
pg.types.setTypeParser(20, (value: string) => Number.parseInt(value, 10))
pg.types.setTypeParser(1700, (value: string) => Number.parseFloat(value))

/** Where a vault keeps its data: `sqlite:PATH` (or a bare path) or `postgres://…`. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly poolSize?: number }

export interface Storage {
  readonly db: Kysely<VaultDb>
  readonly dialect: StorageDialect
  readonly config: DatabaseConfig
  /** The connection pool's use, on PostgreSQL (SQLite has one writer and one reader, no pool). */
  poolUsage?(): PoolUsage
  close(): Promise<void>
}

/** A PostgreSQL pool and one of its connections, for the parts that hold their own (job runners). */
export type PostgresPool = pg.Pool
export type PostgresPoolClient = pg.PoolClient

export interface PoolUsage {
  readonly max: number
  readonly open: number
  readonly idle: number
  /** Requests waiting for a connection. */
  readonly waiting: number
}

export function parseDatabaseUrl(value: string): DatabaseConfig {
  if (value.startsWith('postgres://') || value.startsWith('postgresql://'))
    return { kind: 'postgres', url: value }
  if (value.startsWith('sqlite:')) return { kind: 'sqlite', path: value.slice('sqlite:'.length) }
  if (value.includes('://'))
    throw new LiaisonError(
      'METADATA_INVALID',
      `Unsupported database address "${value}": use sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.`,
    )
  return { kind: 'sqlite', path: value }
}

/**
 * A PostgreSQL connection pool for a part that needs its own (the graphile-worker runner). Like the
 * vault's pool, it survives the server closing idle connections (restart, dropped database).
 */
export function createPostgresPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max })
  // An idle connection the server closes (restart, dropped database) must not crash the process;
  // the next query that needs a connection reports the failure where it can be handled.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

/**
 * Creates a vault's SQLite file readable by its owner alone (0600), and its folder 0700 when
 * missing, before SQLite opens it: SQLite gives the -wal and -shm files the main file's mode, so
 * they are 0600 too whatever the umask. Files an older release left readable are tightened.
 */
function preparePrivateDatabaseFile(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    closeSync(openSync(path, 'a', 0o600))
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
  } catch (error) {
    throw unwritableDatabase(path, error)
  }
}

/** File-system and SQLite errors that mean the database's file or folder cannot be written. */
const UNWRITABLE_CODES = new Set([
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'ENOENT',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
])

/** STORAGE_UNWRITABLE naming the file, for an error that says it cannot be written; others as they are. */
function unwritableDatabase(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !UNWRITABLE_CODES.has(code)) return error
  return new LiaisonError(
    'STORAGE_UNWRITABLE',
    `Cannot open the SQLite database ${path} for writing (${code}: ${error instanceof Error ? error.message : String(error)}). Its folder ${dirname(path)} must be a folder this process can write to.`,
    { cause: error },
  )
}

/** Opens the database of one vault. SQLite runs in WAL mode with synchronous=FULL. */
export function createDatabase(config: DatabaseConfig): Storage {
  if (config.kind === 'sqlite') {
    if (config.path !== ':memory:') preparePrivateDatabaseFile(config.path)
    const memory = config.path === ':memory:'
    const db = new Kysely<VaultDb>({
      dialect: new SqliteVaultDialect({
        openWriter: () => {
          let handle: SqliteDatabase.Database | undefined
          try {
            handle = new SqliteDatabase(config.path)
            handle.pragma('journal_mode = WAL')
            handle.pragma('synchronous = FULL')
            handle.pragma('busy_timeout = 10000')
            handle.pragma('foreign_keys = ON')
            // Deleted rows are zeroed in their page (no extra I/O), so a removed secret is not left in the file.
            handle.pragma('secure_delete = FAST')
            return handle
          } catch (error) {
            handle?.close()
            throw unwritableDatabase(config.path, error)
          }
        },
        ...(memory
          ? {}
          : {
              openReader: () => {
                const handle = new SqliteDatabase(config.path, { readonly: true })
                handle.pragma('busy_timeout = 10000')
                return handle
              },
            }),
      }),
    })
    return { db, dialect: sqliteDialect, config, close: () => db.destroy() }
  }
  const max = config.poolSize ?? 10
  const pool = createPostgresPool(config.url, max)
  const db = new Kysely<VaultDb>({ dialect: new PostgresVaultDialect({ pool }) })
  return {
    db,
    dialect: postgresDialect,
    config,
    poolUsage: () => ({ max, open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  }
}

export {
  createDatabase,
  createPostgresPool,
  type DatabaseConfig,
  type PoolUsage,
  type PostgresPool,
  type PostgresPoolClient,
  parseDatabaseUrl,
  type Storage,
} from './database.js'
export type {
  FullTextQuery,
  FullTextSearch,
  FullTextSource,
  FullTextTerm,
} from './full-text-search.js'
export { escapeLike } from './full-text-search.js'
export { holdRecord } from './hold-record.js'
export {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  migrateToLatest,
  schemaVersion,
} from './migrations.js'
export {
  COLUMN_TYPES,
  type ColumnType,
  JSON_FIELD_KINDS,
  type JsonFieldKind,
  postgresDialect,
  STORAGE_KINDS,
  type StorageDialect,
  type StorageKind,
  sqliteDialect,
} from './storage-dialect.js'
export type { VaultDb, VaultRow } from './vault-db.js'

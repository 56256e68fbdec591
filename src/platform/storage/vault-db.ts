/**
 * The database seen through Kysely. Object tables are made from metadata at run time, so every
 * table is a map of column name to an unknown value; repositories check what they read.
 */
export type VaultRow = Record<string, unknown>
export type VaultDb = Record<string, VaultRow>

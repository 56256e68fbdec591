import type { Vault } from '../../src/platform/vault/index.js'

/** Rows in one table of a vault's database. */
export async function rowCount(vault: Pick<Vault, 'storage'>, table: string): Promise<number> {
  const row = await vault.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Rows in each table, by name: a request that must change nothing leaves them all equal. */
export async function rowCounts(
  vault: Pick<Vault, 'storage'>,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const table of tables) counts[table] = await rowCount(vault, table)
  return counts
}

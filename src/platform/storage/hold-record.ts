import type { Transaction } from 'kysely'
import type { VaultDb } from './vault-db.js'

/**
 * Waits for the transactions that hold the record's row, then holds it until the caller's
 * transaction ends: transactions that hold the same row run in turn, each seeing what the one
 * before committed. A column written to itself is the portable `SELECT … FOR UPDATE` (a PostgreSQL
 * row lock; SQLite has one writer, so there it changes nothing).
 */
export async function holdRecord(
  trx: Transaction<VaultDb>,
  objectName: 'connection__sys' | 'integration_point__sys',
  id: string,
): Promise<void> {
  await trx
    .updateTable(objectName)
    .set((eb) => ({ modified_date__v: eb.ref('modified_date__v') }))
    .where('id', '=', id)
    .execute()
}

import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'

/** Digits after the 3-character prefix: 15-character ids, like Vault's (`0CS000000000301`). */
const RECORD_ID_DIGITS = 12

/**
 * Reserves `count` consecutive numbers of a named sequence in the caller's transaction and returns
 * the first. Concurrent writers on PostgreSQL queue on the sequence row until the first commits.
 */
export async function reserveSequence(
  trx: Transaction<VaultDb>,
  name: string,
  count: number,
): Promise<number> {
  // One statement (an upsert) rather than an insert-if-missing and an update: a record write
  // reserves one or two sequences, and this runs for every one.
  const row = await trx
    .insertInto('id_sequence')
    .values({ name, next_value: 1 + count })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({ next_value: eb('id_sequence.next_value', '+', count) })),
    )
    .returning('next_value')
    .executeTakeFirstOrThrow()
  return Number(row.next_value) - count
}

export function formatRecordId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(RECORD_ID_DIGITS, '0')}`
}

/** `CASE-{000000}` with 42 → `CASE-000042`. */
export function formatRecordName(format: string, n: number): string {
  return format.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'))
}

import { randomUUID } from 'node:crypto'
import { sql, type Transaction } from 'kysely'
import { type AuditEntryDraft, appendAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { DocumentActor } from './document-types.js'

/** The object name documents use in the audit trail. */
export const DOCUMENTS_AUDIT_OBJECT = 'documents'

/** A field value as the audit trail shows it: lists comma-joined, empty as null. */
export function auditValue(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (Array.isArray(value)) return value.length === 0 ? null : value.join(',')
  return String(value)
}

/** Whether two field values are the same as the audit trail shows them (a change is audited when not). */
export function sameFieldValue(a: unknown, b: unknown): boolean {
  return auditValue(a) === auditValue(b)
}

/**
 * What every write to documents, binders and relationships does: one transaction whose database
 * errors become LiaisonErrors (also behind a savepoint for one item of a batch), audit entries
 * written in it (one grouping id per call), and the check that a referenced document exists.
 */
export class DocumentWrites {
  readonly #storage: Storage
  readonly #clock: Clock

  constructor(storage: Storage, clock: Clock) {
    this.#storage = storage
    this.#clock = clock
  }

  async transaction<T>(fn: (trx: Transaction<VaultDb>) => Promise<T>): Promise<T> {
    try {
      return await this.#storage.db.transaction().execute(fn)
    } catch (error) {
      throw this.#storage.dialect.translateError(error) ?? error
    }
  }

  /**
   * Runs `fn` in `trx` behind a savepoint: when it fails with a LiaisonError (a database error
   * translated to one included), only its writes are undone and the error is answered; any other
   * error is thrown, after undoing its writes too.
   */
  async attempt<T>(
    trx: Transaction<VaultDb>,
    fn: () => Promise<T>,
  ): Promise<{ readonly value: T } | { readonly error: LiaisonError }> {
    await sql`savepoint document_write`.execute(trx)
    try {
      const value = await fn()
      await sql`release savepoint document_write`.execute(trx)
      return { value }
    } catch (error) {
      await sql`rollback to savepoint document_write`.execute(trx)
      await sql`release savepoint document_write`.execute(trx)
      const translated = this.#storage.dialect.translateError(error) ?? error
      if (!(translated instanceof LiaisonError)) throw translated
      return { error: translated }
    }
  }

  async audit(
    trx: Transaction<VaultDb>,
    actor: DocumentActor,
    entries: readonly AuditEntryDraft[],
  ): Promise<void> {
    await appendAudit(
      trx,
      actor,
      isoTimestamp(this.#clock),
      randomUUID(),
      entries,
      this.#storage.dialect.maxParameters,
    )
  }

  /** Throws REFERENCE_NOT_FOUND naming `field` unless document `id` exists. */
  async assertReferenced(
    trx: Transaction<VaultDb>,
    id: number,
    field: string,
    advice: string,
  ): Promise<void> {
    const row = await trx.selectFrom('document').select('id').where('id', '=', id).executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError('REFERENCE_NOT_FOUND', `${field} refers to no document with id ${id}; ${advice}`)
  }
}

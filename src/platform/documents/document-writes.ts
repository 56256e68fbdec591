import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { type AuditEntryDraft, appendAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { DocumentActor } from './document-types.js'

/**
 * What every write to documents, binders and relationships does: one transaction whose database
 * errors become LiaisonErrors, audit entries written in it (one grouping id per call), and the
 * check that a referenced document exists.
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

  async audit(db: Kysely<VaultDb>, actor: DocumentActor, entries: readonly AuditEntryDraft[]): Promise<void> {
    await appendAudit(
      db,
      actor,
      isoTimestamp(this.#clock),
      randomUUID(),
      entries,
      this.#storage.dialect.maxParameters,
    )
  }

  /** Throws REFERENCE_NOT_FOUND naming `field` unless document `id` exists. */
  async assertReferenced(db: Kysely<VaultDb>, id: number, field: string, advice: string): Promise<void> {
    const row = await db.selectFrom('document').select('id').where('id', '=', id).executeTakeFirst()
    if (row === undefined)
      throw new LiaisonError('REFERENCE_NOT_FOUND', `${field} refers to no document with id ${id}; ${advice}`)
  }
}

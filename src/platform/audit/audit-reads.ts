import type { Kysely } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import { type AuditEntry, toAuditEntry } from './audit-trail.js'

/** A time window and a page of a vault-wide audit read; dates are ISO 8601, both ends included. */
export interface AuditPage {
  readonly startDate: string
  readonly endDate: string
  readonly limit: number
  readonly offset: number
}

/** Which objects' entries a vault-wide read takes (Vault's audit trail types split by object). */
export interface AuditObjectFilter {
  /** Only these objects. */
  readonly in?: readonly string[]
  /** Never these objects. */
  readonly notIn?: readonly string[]
  /** Only objects whose name ends so (`__sys`: the platform's own objects). */
  readonly suffix?: string
}

/** Entries of many records in a window, oldest first, with the total for paging. */
export async function readAuditTrail(
  db: Kysely<VaultDb>,
  page: AuditPage,
  objects: AuditObjectFilter,
  events?: readonly string[],
): Promise<{ total: number; entries: AuditEntry[] }> {
  let base = db
    .selectFrom('audit_trail')
    .where('timestamp', '>=', page.startDate)
    .where('timestamp', '<=', page.endDate)
  if (objects.in !== undefined) base = base.where('object_name', 'in', [...objects.in])
  if (objects.notIn !== undefined && objects.notIn.length > 0)
    base = base.where('object_name', 'not in', [...objects.notIn])
  if (objects.suffix !== undefined) base = base.where('object_name', 'like', `%${objects.suffix}`)
  if (events !== undefined && events.length > 0) base = base.where('action', 'in', [...events])
  const countRow = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()
  const rows = await base.selectAll().orderBy('id').limit(page.limit).offset(page.offset).execute()
  return { total: Number(countRow?.n ?? 0), entries: rows.map(toAuditEntry) }
}

/** One deleted record or document, as incremental sync needs it. */
export interface Deletion {
  readonly id: string
  readonly date_deleted: string
}

/**
 * Records of one object (or documents) deleted in a window, oldest first. Read from the audit
 * trail's Delete entries: a deleted record leaves one entry per value it had, all in one
 * transaction, so the record counts once.
 */
export async function readDeletions(
  db: Kysely<VaultDb>,
  objectName: string,
  page: AuditPage,
): Promise<{ total: number; deletions: Deletion[] }> {
  const base = db
    .selectFrom('audit_trail')
    .where('object_name', '=', objectName)
    .where('action', '=', 'Delete')
    .where('timestamp', '>=', page.startDate)
    .where('timestamp', '<=', page.endDate)
  const countRow = await base.select((eb) => eb.fn.count('record_id').distinct().as('n')).executeTakeFirst()
  const rows = await base
    .select((eb) => ['record_id', eb.fn.min('timestamp').as('date_deleted'), eb.fn.min('id').as('first_id')])
    .groupBy('record_id')
    .orderBy('first_id')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
  return {
    total: Number(countRow?.n ?? 0),
    deletions: rows.map((r) => ({ id: String(r.record_id), date_deleted: String(r.date_deleted) })),
  }
}

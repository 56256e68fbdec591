import type { Kysely } from 'kysely'
import type { VaultDb, VaultRow } from '../storage/index.js'

/** Audit actions, as Vault names them in the object audit trail. */
export const AUDIT_ACTIONS = ['Create', 'Edit', 'Delete', 'State change', 'Object action'] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** Who changed something, and for connection changes, through which connection and message (B22). */
export interface AuditActor {
  readonly userId: string
  readonly userName: string
  readonly connection?: string
  readonly messageId?: string
}

export interface AuditEntryDraft {
  readonly action: AuditAction
  readonly objectName: string
  readonly recordId: string
  readonly fieldName?: string
  readonly oldValue?: string | null
  readonly newValue?: string | null
  readonly description: string
}

export interface AuditEntry {
  readonly id: number
  readonly grouping_id: string
  readonly timestamp: string
  readonly user_id: string | null
  readonly user_name: string
  readonly action: string
  readonly object_name: string
  readonly record_id: string
  readonly field_name: string | null
  readonly old_value: string | null
  readonly new_value: string | null
  readonly event_description: string
  readonly connection: string | null
  readonly message_id: string | null
}

/**
 * Appends entries in the caller's transaction, so a change and its audit commit together or not
 * at all. `groupingId` is one id per transaction, as Vault's `grouping_id`.
 */
export async function appendAudit(
  db: Kysely<VaultDb>,
  actor: AuditActor,
  timestamp: string,
  groupingId: string,
  entries: readonly AuditEntryDraft[],
  maxParameters: number,
): Promise<void> {
  if (entries.length === 0) return
  const rows = entries.map((e) => ({
    grouping_id: groupingId,
    timestamp,
    user_id: actor.userId,
    user_name: actor.userName,
    action: e.action,
    object_name: e.objectName,
    record_id: e.recordId,
    field_name: e.fieldName ?? null,
    old_value: e.oldValue ?? null,
    new_value: e.newValue ?? null,
    event_description: e.description,
    connection: actor.connection ?? null,
    message_id: actor.messageId ?? null,
  }))
  const perStatement = Math.max(1, Math.floor(maxParameters / 13))
  for (let i = 0; i < rows.length; i += perStatement)
    await db
      .insertInto('audit_trail')
      .values(rows.slice(i, i + perStatement))
      .execute()
}

export interface AuditQuery {
  readonly objectName: string
  readonly recordId: string
  readonly startDate?: string
  readonly endDate?: string
  readonly events?: readonly string[]
  readonly limit: number
  readonly offset: number
}

/** One record's history, oldest first, with the total for paging. */
export async function readRecordAudit(
  db: Kysely<VaultDb>,
  query: AuditQuery,
): Promise<{ total: number; entries: AuditEntry[] }> {
  let base = db
    .selectFrom('audit_trail')
    .where('object_name', '=', query.objectName)
    .where('record_id', '=', query.recordId)
  if (query.startDate !== undefined) base = base.where('timestamp', '>=', query.startDate)
  if (query.endDate !== undefined) base = base.where('timestamp', '<=', query.endDate)
  if (query.events !== undefined && query.events.length > 0)
    base = base.where('action', 'in', [...query.events])
  const countRow = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()
  const rows = await base.selectAll().orderBy('id').limit(query.limit).offset(query.offset).execute()
  return {
    total: Number(countRow?.n ?? 0),
    entries: rows.map(toAuditEntry),
  }
}

/** Checks a row read from `audit_trail`. */
export function toAuditEntry(r: VaultRow): AuditEntry {
  return {
    id: Number(r.id),
    grouping_id: String(r.grouping_id),
    timestamp: String(r.timestamp),
    user_id: r.user_id === null ? null : String(r.user_id),
    user_name: String(r.user_name),
    action: String(r.action),
    object_name: String(r.object_name),
    record_id: String(r.record_id),
    field_name: r.field_name === null ? null : String(r.field_name),
    old_value: r.old_value === null ? null : String(r.old_value),
    new_value: r.new_value === null ? null : String(r.new_value),
    event_description: String(r.event_description),
    connection: r.connection === null ? null : String(r.connection),
    message_id: r.message_id === null ? null : String(r.message_id),
  }
}

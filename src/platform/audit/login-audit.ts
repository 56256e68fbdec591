import type { Kysely } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import type { AuditPage } from './audit-reads.js'

/** Longest username kept in the login trail: a client may send any string as a username. */
const LOGIN_AUDIT_USERNAME_MAX_CHARS = 255

/** One login attempt: who (as typed), from where, and how it ended. Never the password. */
export interface LoginAuditDraft {
  readonly username: string
  /** The user's id when the login succeeded. */
  readonly userId?: string
  readonly sourceIp: string
  /** `Success`, or `Failure: …` with the reason, as Vault's login audit trail says. */
  readonly status: string
  readonly timestamp: string
}

export interface LoginAuditEntry {
  readonly id: number
  readonly timestamp: string
  readonly user_name: string
  readonly user_id: string | null
  readonly source_ip: string
  readonly status: string
}

/** Appends one login attempt to the login audit trail (B22: append-only in the database). */
export async function appendLoginAudit(db: Kysely<VaultDb>, draft: LoginAuditDraft): Promise<void> {
  await db
    .insertInto('login_audit')
    .values({
      timestamp: draft.timestamp,
      user_name: draft.username.trim().slice(0, LOGIN_AUDIT_USERNAME_MAX_CHARS),
      user_id: draft.userId ?? null,
      source_ip: draft.sourceIp,
      status: draft.status,
    })
    .execute()
}

/** Login attempts in a window, oldest first, with the total for paging. */
export async function readLoginAudit(
  db: Kysely<VaultDb>,
  page: AuditPage,
): Promise<{ total: number; entries: LoginAuditEntry[] }> {
  const base = db
    .selectFrom('login_audit')
    .where('timestamp', '>=', page.startDate)
    .where('timestamp', '<=', page.endDate)
  const countRow = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst()
  const rows = await base.selectAll().orderBy('id').limit(page.limit).offset(page.offset).execute()
  return {
    total: Number(countRow?.n ?? 0),
    entries: rows.map((r) => ({
      id: Number(r.id),
      timestamp: String(r.timestamp),
      user_name: String(r.user_name),
      user_id: r.user_id === null || r.user_id === undefined ? null : String(r.user_id),
      source_ip: String(r.source_ip),
      status: String(r.status),
    })),
  }
}

import { randomUUID } from 'node:crypto'
import type { Transaction } from 'kysely'
import { type AuditEntryDraft, appendAudit } from '../audit/index.js'
import { type Clock, isoTimestamp } from '../clock/index.js'
import type { MetadataRegistry, PermissionTable } from '../metadata/index.js'
import type { Storage, VaultDb } from '../storage/index.js'
import type { ConnectionGrants } from './connection-grants.js'
import type { RecordExtensions } from './record-extensions.js'
import type { RecordActor } from './record-types.js'

export interface RecordServiceOptions {
  readonly storage: Storage
  readonly registry: MetadataRegistry
  readonly clock: Clock
  readonly vaultId: number
  readonly permissions: PermissionTable
}

/** What every record job shares: the vault's parts and what higher layers added to objects. */
export interface RecordContext extends RecordServiceOptions {
  readonly extensions: RecordExtensions
  readonly connectionGrants: ConnectionGrants
}

/** Runs `fn` in a transaction of its own; a database error comes out as the storage dialect translates it. */
export async function inTransaction<T>(
  ctx: RecordContext,
  fn: (trx: Transaction<VaultDb>) => Promise<T>,
): Promise<T> {
  try {
    return await ctx.storage.db.transaction().execute(fn)
  } catch (error) {
    throw ctx.storage.dialect.translateError(error) ?? error
  }
}

/** Appends the audit entries of one write as one group, stamped now. */
export async function auditWrite(
  ctx: RecordContext,
  trx: Transaction<VaultDb>,
  actor: RecordActor,
  entries: readonly AuditEntryDraft[],
): Promise<void> {
  await appendAudit(
    trx,
    actor,
    isoTimestamp(ctx.clock),
    randomUUID(),
    entries,
    ctx.storage.dialect.maxParameters,
  )
}

import type { RecordGuard, RecordService } from '../../platform/records/index.js'

/** The fields of a connection that only the handshake sets: they name the remote vault and its key. */
const HANDSHAKE_FIELDS = [
  'remote_vault_id__sys',
  'remote_public_key__sys',
  'local_public_key__sys',
  'connection_token_hash__sys',
] as const

/**
 * B1, on `connection__sys`: the connection type never changes once the record exists; only the
 * vault itself (the handshake) sets a connection's identity, and a pending connection becomes
 * active only by the handshake.
 */
export const connectionGuard: RecordGuard = (existing, change, actor) => {
  if (change.operation !== 'edit') return undefined
  if (change.fields.includes('connection_type__sys'))
    return `The connection type of ${String(existing.api_name__sys)} cannot be changed; create a new connection instead.`
  if (actor.securityProfile === 'system') return undefined
  const identity = HANDSHAKE_FIELDS.filter((f) => change.fields.includes(f))
  if (identity.length > 0)
    return `${identity.join(', ')} of connection ${String(existing.api_name__sys)} are set by the handshake; establish a new connection to change them.`
  if (existing.status__v === 'pending__sys' && change.fields.includes('status__v'))
    return `Connection ${String(existing.api_name__sys)} is pending: it becomes active only when the remote vault accepts its connection token.`
  return undefined
}

/**
 * Installs the connection guard in a vault (once, before it serves). The Medical-CRM connection
 * does it; a vault that serves the handshake without it must do it too.
 */
export function installConnectionGuard(records: Pick<RecordService, 'addGuard'>): void {
  records.addGuard('connection__sys', connectionGuard)
}

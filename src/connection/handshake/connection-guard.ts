import type { RecordGuard, RecordService } from '../../platform/records/index.js'

/**
 * The fields of a connection that only the handshake sets: they name the remote vault, its keys,
 * and the user its signed calls run as (finding 1: pointing that at an admin made a CRM admin).
 */
const HANDSHAKE_FIELDS = [
  'api_name__sys',
  'remote_vault_id__sys',
  'remote_environment__sys',
  'remote_public_key__sys',
  'remote_key_id__sys',
  'local_public_key__sys',
  'connection_token_hash__sys',
  'authorized_connection_user__sys',
  'remote_connection_user__sys',
  'established_date__sys',
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
  // The integration user has no edit on connections; this also stops a connected vault's signed call.
  if (actor.connection !== undefined)
    return `Connection ${String(existing.api_name__sys)} cannot be changed by a connection (${actor.connection}); an admin of this vault manages it.`
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

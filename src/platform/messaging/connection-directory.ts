import type { Kysely } from 'kysely'
import type { VaultDb, VaultRow } from '../storage/index.js'
import {
  CONNECTION_STATUSES,
  type ConnectionInfo,
  type ConnectionStatus,
  type RemoteEnvironment,
} from './messaging-types.js'

/** `remote_environment__sys` values and the environment each names. */
export const ENVIRONMENT_VALUES: Readonly<Record<RemoteEnvironment, string>> = Object.freeze({
  production: 'production__sys',
  sandbox: 'sandbox__sys',
})

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

function statusOf(value: unknown): ConnectionStatus {
  const name = text(value)
  return (CONNECTION_STATUSES as readonly string[]).includes(name)
    ? (name as ConnectionStatus)
    : 'inactive__v'
}

/** Reads an environment picklist value; anything but sandbox counts as production. */
export function environmentOf(value: unknown): RemoteEnvironment {
  return text(value) === ENVIRONMENT_VALUES.sandbox ? 'sandbox' : 'production'
}

function toConnectionInfo(row: VaultRow): ConnectionInfo {
  return {
    id: text(row.id),
    name: text(row.name__v),
    apiName: text(row.api_name__sys),
    status: statusOf(row.status__v),
    remoteVaultId: text(row.remote_vault_id__sys),
    remoteUrl: text(row.remote_vault_url__sys),
    remoteName: text(row.remote_vault_name__sys),
    remoteEnvironment: environmentOf(row.remote_environment__sys),
    remotePublicKey: text(row.remote_public_key__sys),
    remoteIntegrationUser: text(row.remote_connection_user__sys),
    localIntegrationUserId: text(row.authorized_connection_user__sys),
    localIntegrationUserName: text(row.local_user_name),
    establishedDate: row.established_date__sys === null ? null : text(row.established_date__sys),
  }
}

function selectConnections(db: Kysely<VaultDb>) {
  return db
    .selectFrom('connection__sys as c')
    .leftJoin('user__sys as u', 'u.id', 'c.authorized_connection_user__sys')
    .selectAll('c')
    .select('u.username__sys as local_user_name')
}

/** Every connection of the vault, by API name. */
export async function listConnectionRows(db: Kysely<VaultDb>): Promise<ConnectionInfo[]> {
  const rows = await selectConnections(db).orderBy('c.api_name__sys').execute()
  return rows.map(toConnectionInfo)
}

export async function findConnection(db: Kysely<VaultDb>, id: string): Promise<ConnectionInfo | undefined> {
  const row = await selectConnections(db).where('c.id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : toConnectionInfo(row)
}

export async function findConnectionByApiName(
  db: Kysely<VaultDb>,
  apiName: string,
): Promise<ConnectionInfo | undefined> {
  const row = await selectConnections(db).where('c.api_name__sys', '=', apiName).executeTakeFirst()
  return row === undefined ? undefined : toConnectionInfo(row)
}

/**
 * The connection with a remote vault. Should there be several (an old inactive one and a new
 * one), the active one wins, then the newest.
 */
export async function findConnectionByRemoteVault(
  db: Kysely<VaultDb>,
  remoteVaultId: string,
): Promise<ConnectionInfo | undefined> {
  const rows = await selectConnections(db)
    .where('c.remote_vault_id__sys', '=', remoteVaultId)
    .orderBy('c.created_date__v', 'desc')
    .execute()
  const all = rows.map(toConnectionInfo)
  return all.find((c) => c.status === 'active__v') ?? all[0]
}

/** Connection statuses as people read them. */
const STATUS_WORDS: Readonly<Record<ConnectionStatus, string>> = Object.freeze({
  pending__sys: 'pending (the handshake is not complete)',
  active__v: 'active',
  inactive__v: 'inactive',
})

/** A connection status in words, for messages people read (`pending (the handshake is not complete)`). */
export function describeConnectionStatus(status: ConnectionStatus): string {
  return STATUS_WORDS[status]
}

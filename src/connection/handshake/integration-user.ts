import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { LiaisonError } from '../../platform/errors/index.js'
import type { VaultDb } from '../../platform/storage/index.js'
import { createUser, SYSTEM_ACTOR, type Vault } from '../../platform/vault/index.js'

export interface IntegrationUser {
  readonly id: string
  readonly username: string
}

const INTEGRATION_PROFILE = 'integration_user__sys'

/** The username of the integration user made for one connection of a vault. */
export function integrationUsername(vaultName: string, connectionApiName: string): string {
  return `integration.${connectionApiName}@${vaultName}.liaison.local`
}

/** The connections (by API name) whose signed calls run as this user. */
async function connectionsOfUser(db: Kysely<VaultDb>, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('connection__sys')
    .select('api_name__sys')
    .where('authorized_connection_user__sys', '=', userId)
    .execute()
  return rows.map((r) => String(r.api_name__sys))
}

/**
 * The user the remote vault will call back as through one connection (B2, finding 2: one
 * integration user per connection, so nothing one connection may do is shared with another).
 * Named: that user, which must be an active integration user that no other connection uses. Not
 * named: the connection's own user, created (with a password nobody knows: integration users never
 * log in with one) unless an earlier, unfinished attempt at this connection left it behind.
 */
export async function ensureIntegrationUser(
  vault: Vault,
  connectionApiName: string,
  username?: string,
): Promise<IntegrationUser> {
  const db = vault.storage.db
  const named = username !== undefined && username !== ''
  const wanted = named ? username : integrationUsername(vault.name, connectionApiName)
  const row = await db
    .selectFrom('user__sys')
    .select(['id', 'username__sys', 'status__v', 'security_profile__sys'])
    .where('username__sys', '=', wanted)
    .executeTakeFirst()
  if (row === undefined) {
    if (named)
      throw new LiaisonError(
        'RECORD_NOT_FOUND',
        `Vault ${vault.name} has no user ${wanted} to authorise for connection ${connectionApiName}; name an active integration user, or leave it out and the handshake creates one.`,
      )
    const id = await createUser(vault, SYSTEM_ACTOR, {
      username: wanted,
      password: randomBytes(24).toString('base64url'),
      securityProfile: INTEGRATION_PROFILE,
      firstName: 'Integration',
      lastName: connectionApiName,
      email: wanted,
    })
    return { id, username: wanted }
  }
  if (row.status__v !== 'active__v' || row.security_profile__sys !== INTEGRATION_PROFILE)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `User ${wanted} cannot be the user of connection ${connectionApiName}: a connection calls back only as an active user with the integration_user__sys security profile.`,
    )
  const others = (await connectionsOfUser(db, String(row.id))).filter((c) => c !== connectionApiName)
  if (others.length > 0)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `User ${wanted} already acts for connection ${others.join(', ')}; each connection has its own integration user. Leave the user out and the handshake creates one.`,
    )
  return { id: String(row.id), username: String(row.username__sys) }
}

/**
 * Gives every connection that shares its integration user with another (connections made before
 * finding 2) a user of its own; the earliest connection keeps the shared one. Idempotent.
 */
export async function separateIntegrationUsers(vault: Vault): Promise<number> {
  const db = vault.storage.db
  const rows = await db
    .selectFrom('connection__sys')
    .select(['id', 'api_name__sys', 'authorized_connection_user__sys'])
    .where('authorized_connection_user__sys', 'is not', null)
    .orderBy('created_date__v')
    .orderBy('id')
    .execute()
  const seen = new Set<string>()
  let separated = 0
  for (const row of rows) {
    const userId = String(row.authorized_connection_user__sys)
    if (!seen.has(userId)) {
      seen.add(userId)
      continue
    }
    const apiName = String(row.api_name__sys)
    const user = await ensureIntegrationUser(vault, apiName)
    const [result] = await vault.records.update({ ...SYSTEM_ACTOR, connection: apiName }, 'connection__sys', [
      { id: String(row.id), authorized_connection_user__sys: user.id },
    ])
    if (result?.responseStatus !== 'SUCCESS')
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Connection ${apiName} could not get its own integration user: ${result?.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
      )
    separated++
  }
  return separated
}

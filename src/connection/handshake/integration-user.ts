import { randomBytes } from 'node:crypto'
import { LiaisonError } from '../../platform/errors/index.js'
import { createUser, SYSTEM_ACTOR, type Vault } from '../../platform/vault/index.js'

export interface IntegrationUser {
  readonly id: string
  readonly username: string
}

/**
 * The user the remote vault will call back as (B2: least privilege, so an integration user).
 * Named: that user, which must be active. Not named: the vault's first active integration user,
 * created (with a password nobody knows: it logs in only through signed callbacks) when there is none.
 */
export async function ensureIntegrationUser(vault: Vault, username?: string): Promise<IntegrationUser> {
  const db = vault.storage.db
  if (username !== undefined && username !== '') {
    const row = await db
      .selectFrom('user__sys')
      .select(['id', 'username__sys', 'status__v'])
      .where('username__sys', '=', username)
      .executeTakeFirst()
    if (row === undefined || row.status__v !== 'active__v')
      throw new LiaisonError(
        'RECORD_NOT_FOUND',
        `Vault ${vault.name} has no active user ${username} to authorise for the connection; name an active integration user.`,
      )
    return { id: String(row.id), username: String(row.username__sys) }
  }
  const existing = await db
    .selectFrom('user__sys')
    .select(['id', 'username__sys'])
    .where('security_profile__sys', '=', 'integration_user__sys')
    .where('status__v', '=', 'active__v')
    .orderBy('created_date__v')
    .orderBy('id')
    .executeTakeFirst()
  if (existing !== undefined) return { id: String(existing.id), username: String(existing.username__sys) }
  const base = `integration@${vault.name}.liaison.local`
  for (let n = 0; n < 100; n++) {
    const candidate = n === 0 ? base : `integration${n}@${vault.name}.liaison.local`
    const taken = await db
      .selectFrom('user__sys')
      .select('id')
      .where('username__sys', '=', candidate)
      .executeTakeFirst()
    if (taken !== undefined) continue
    const id = await createUser(vault, SYSTEM_ACTOR, {
      username: candidate,
      password: randomBytes(24).toString('base64url'),
      securityProfile: 'integration_user__sys',
      firstName: 'Integration',
      lastName: 'User',
      email: candidate,
    })
    return { id, username: candidate }
  }
  throw new LiaisonError('UNIQUE_VIOLATION', `No free integration username is left in vault ${vault.name}.`)
}

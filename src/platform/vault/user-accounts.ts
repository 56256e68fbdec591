import { randomUUID } from 'node:crypto'
import { type AuditActor, appendAudit } from '../audit/index.js'
import { isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { SecurityProfile } from '../metadata/index.js'
import type { RecordActor } from '../records/index.js'
import type { Vault } from './vault.js'

export interface NewUser {
  readonly username: string
  readonly password: string
  readonly securityProfile: SecurityProfile
  readonly firstName: string
  readonly lastName: string
  readonly email?: string
}

/** Creates a `user__sys` record and its password in one transaction; returns the user id. */
export async function createUser(vault: Vault, actor: RecordActor, user: NewUser): Promise<string> {
  return vault.storage.db.transaction().execute(async (trx) => {
    const [result] = await vault.records.createIn(trx, actor, 'user__sys', [
      {
        name__v: `${user.firstName} ${user.lastName}`,
        username__sys: user.username,
        first_name__sys: user.firstName,
        last_name__sys: user.lastName,
        email__sys: user.email ?? null,
        security_profile__sys: user.securityProfile,
      },
    ])
    if (result === undefined || result.id === undefined)
      throw new LiaisonError(
        'METADATA_INVALID',
        `User ${user.username} could not be created: ${result?.errors?.map((e) => e.message).join(' ') ?? 'unknown reason'}`,
      )
    await vault.sessions.setPassword(trx, result.id, user.password)
    return result.id
  })
}

/** The id of a user by username, if it exists. */
export async function findUserId(vault: Vault, username: string): Promise<string | undefined> {
  const row = await vault.storage.db
    .selectFrom('user__sys')
    .select('id')
    .where('username__sys', '=', username)
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.id)
}

/**
 * Sets a new password for a person's account and ends the user's sessions, with an audit entry on
 * the user record, all in one transaction. Integration users are refused: they act only through
 * signed callbacks of a connection, so a password for them would only be a way in that nothing needs.
 */
export async function resetPassword(
  vault: Vault,
  actor: AuditActor,
  username: string,
  password: string,
): Promise<{ readonly userId: string }> {
  const user = await vault.storage.db
    .selectFrom('user__sys')
    .select(['id', 'security_profile__sys'])
    .where('username__sys', '=', username)
    .executeTakeFirst()
  if (user === undefined)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `Vault ${vault.name} has no user ${username}; give the username exactly as it appears in world.json or user__sys.`,
    )
  const userId = String(user.id)
  if (user.security_profile__sys === 'integration_user__sys')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `${username} is an integration user: it logs in only through a connection's signed callbacks and has no password to set.`,
    )
  await vault.storage.db.transaction().execute(async (trx) => {
    await vault.sessions.setPassword(trx, userId, password)
    await appendAudit(
      trx,
      actor,
      isoTimestamp(vault.clock),
      randomUUID(),
      [
        {
          action: 'Edit',
          objectName: 'user__sys',
          recordId: userId,
          description: `Password of ${username} reset by ${actor.userName}; the user's sessions ended.`,
        },
      ],
      vault.storage.dialect.maxParameters,
    )
  })
  return { userId }
}

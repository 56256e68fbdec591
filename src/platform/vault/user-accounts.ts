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

import { type Json, VaultClient } from '../api/client'
import type { Session, UserInfo, VaultInfo } from './session'

/** Where the session id lives: per vault, since each vault is its own origin. */
export const SESSION_KEY = 'liaison.sessionId'

function first(value: unknown): Json {
  return (Array.isArray(value) ? value[0] : value) as Json
}

/** Reads who and where from the public API: GET /objects/domain and GET /objects/users/me. */
export async function openSession(sessionId: string, onEnded: () => void): Promise<Session> {
  const client = new VaultClient(sessionId, onEnded)
  const [domain, me] = await Promise.all([
    client.call('GET', '/objects/domain'),
    client.call('GET', '/objects/users/me'),
  ])
  const info = (domain.domain__v ?? {}) as Json
  const thisVault = first(info.vaults__v) ?? {}
  const application = first(thisVault.vault_application__v) ?? {}
  const vault: VaultInfo = {
    name: String(thisVault.vault_name__v ?? ''),
    profile: String(application.name ?? ''),
    profileLabel: String(application.label ?? application.name ?? ''),
    sandbox: info.domain_type__v === 'Sandbox',
  }
  const u = (first(me.users)?.user ?? {}) as Json
  const name = [u.user_first_name__v, u.user_last_name__v].filter((p) => typeof p === 'string').join(' ')
  const user: UserInfo = {
    id: String(u.id),
    username: String(u.user_name__v ?? ''),
    name: name === '' ? String(u.user_name__v ?? '') : name,
    securityProfile: String(u.security_profile__v ?? ''),
  }
  return {
    client,
    vault,
    user,
    async logOut() {
      try {
        await client.call('DELETE', '/session')
      } finally {
        onEnded()
      }
    },
  }
}

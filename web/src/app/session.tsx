import { createContext, type ReactNode, useContext } from 'react'
import type { VaultClient } from '../api/client'

/** What the header shows of the vault: GET /objects/domain. */
export interface VaultInfo {
  readonly name: string
  /** `medical` or `crm`. */
  readonly profile: string
  readonly profileLabel: string
  readonly sandbox: boolean
}

/** The signed-in person: GET /objects/users/me. */
export interface UserInfo {
  readonly id: string
  readonly username: string
  readonly name: string
  readonly securityProfile: string
}

export interface Session {
  readonly client: VaultClient
  readonly vault: VaultInfo
  readonly user: UserInfo
  logOut(): Promise<void>
}

const SessionContext = createContext<Session | undefined>(undefined)

export function SessionProvider({ session, children }: { session: Session; children: ReactNode }) {
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
}

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === undefined) throw new Error('useSession outside a signed-in page')
  return session
}

/** Admins see the connection's pages; the API decides everything else. */
export const isAdmin = (securityProfile: string): boolean => securityProfile === 'admin__sys'

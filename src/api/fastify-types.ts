import type { RecordActor } from '../platform/records/index.js'
import type { SessionUser } from '../platform/security/index.js'
import type { Vault } from '../platform/vault/index.js'
import type { RouteEntry } from './app.js'

/** What the session hook attaches to every request of a signed-in user. */
export interface RequestSession {
  readonly sessionId: string
  readonly user: SessionUser
  readonly actor: RecordActor
}

declare module 'fastify' {
  interface FastifyRequest {
    session: RequestSession | undefined
  }
  interface FastifyInstance {
    vault: Vault
    routeTable: readonly RouteEntry[]
  }
}

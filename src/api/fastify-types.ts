import type { DocumentFile } from '../platform/documents/index.js'
import type { RecordActor } from '../platform/records/index.js'
import type { SessionUser } from '../platform/security/index.js'
import type { Vault } from '../platform/vault/index.js'

/** What the session guard attaches to every request of a signed-in user (or a signed callback). */
export interface RequestSession {
  readonly sessionId: string
  readonly user: SessionUser
  readonly actor: RecordActor
}

/**
 * What a guarded route needs beyond a session, declared in its `config.permission` and checked
 * before the request is validated: the System Administrator profile, or access to an object.
 */
export type RoutePermission =
  | { readonly kind: 'admin'; readonly to: string }
  | {
      readonly kind: 'object'
      readonly object: string
      readonly access: 'read' | 'create' | 'edit' | 'delete'
    }

/** One route of the API, whether it runs behind the session guard and what permission it checks. */
export interface RouteEntry {
  readonly method: string
  readonly url: string
  session: boolean
  permission: string | undefined
}

declare module 'fastify' {
  interface FastifyRequest {
    session: RequestSession | undefined
    /** The `file` part of a multipart document form, read before validation (see document-form.ts). */
    upload: DocumentFile | undefined
  }
  interface FastifyInstance {
    vault: Vault
    /** The origin this vault is reached at (configured, or where it listens); undefined before it listens. */
    publicOrigin(): string | undefined
    routeTable: readonly RouteEntry[]
  }
  interface FastifyContextConfig {
    permission?: RoutePermission
  }
}

import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { assertNever, LiaisonError } from '../platform/errors/index.js'
import type { RequestSession, RouteEntry, RoutePermission } from './fastify-types.js'
import { authenticateSignedCallback, isSignedCallback } from './signed-callback.js'

/** Connections, queues and integration rules are the System Administrator's. */
export const CONNECTION_ADMIN: RoutePermission = { kind: 'admin', to: 'manage connections and queues' }

type PreValidationHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/** The session id the request sends (`Authorization: {sessionId}`, with or without Bearer). */
export function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string' || header.trim() === '') return undefined
  const value = header.trim()
  return value.toLowerCase().startsWith('bearer ') ? value.slice(7).trim() : value
}

/** The signed-in user of a guarded route (the session guard guarantees it). */
export function sessionOf(request: FastifyRequest): RequestSession {
  if (request.session === undefined)
    throw new LiaisonError('SESSION_MISSING', 'This endpoint needs a session.')
  return request.session
}

/**
 * The routes a connected vault's signed calls may use (B2, least privilege): the flows read back
 * records by VQL and download document files; nothing else of the API is open to them.
 */
export const SIGNED_CALL_ROUTES: ReadonlySet<string> = new Set([
  'POST /api/:version/query',
  'POST /api/:version/query/:cursor',
  'GET /api/:version/query/:cursor',
  'GET /api/:version/objects/documents/:id/file',
  'GET /api/:version/objects/documents/:id/versions/:major/:minor/file',
  'GET /api/:version/objects/documents/batch/files',
])

/**
 * `preValidation` hook of the guarded scope, so a request is authenticated before its input is
 * checked. B2: a connected vault's signed callback runs as the connection's integration user, on
 * the routes its flows need only.
 */
export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (isSignedCallback(request)) {
    const session = await authenticateSignedCallback(request)
    const route = `${request.method} ${request.routeOptions.url ?? ''}`
    if (!SIGNED_CALL_ROUTES.has(route))
      throw new LiaisonError(
        'ACCESS_DENIED',
        `Connection ${session.actor.connection ?? ''} may not call ${request.method} ${request.url.split('?')[0]}: a connected vault's signed calls only run VQL queries and download document files (B2).`,
      )
    request.session = session
    void reply.header('X-VaultAPI-UserId', request.session.user.userId)
    return
  }
  const sessionId = bearer(request)
  if (sessionId === undefined)
    throw new LiaisonError(
      'SESSION_MISSING',
      'No session: log in with POST /api/{version}/auth and send Authorization: {sessionId}.',
    )
  const user = await request.server.vault.sessions.resolve(sessionId)
  request.session = {
    sessionId,
    user,
    actor: { userId: user.userId, userName: user.username, securityProfile: user.securityProfile },
  }
  void reply.header('X-VaultAPI-UserId', user.userId)
  void reply.header('X-VaultAPI-TruncatedSessionId', sessionId.slice(0, 12))
}

/** How the route table names a permission, for review. */
function permissionLabel(permission: RoutePermission): string {
  switch (permission.kind) {
    case 'admin':
      return 'admin__sys'
    case 'object':
      return `${permission.access} ${permission.object}`
    default:
      return assertNever(permission, 'route permission')
  }
}

/** The check of one route permission, run after the session guard and before validation. */
function permissionGuard(permission: RoutePermission): PreValidationHook {
  return async (request) => {
    const { actor, user } = sessionOf(request)
    if (permission.kind === 'object') {
      request.server.vault.records.assertAccess(actor, permission.object, permission.access)
      return
    }
    // Finding 1: a connected vault's signed call is never an admin, whatever user its connection names.
    if (user.securityProfile !== 'admin__sys' || actor.connection !== undefined)
      throw new LiaisonError(
        'ACCESS_DENIED',
        `${user.username} may not ${permission.to}; this needs the System Administrator (admin__sys) security profile.`,
      )
  }
}

/**
 * `onRoute` hook of the guarded scope: marks the route as guarded in the route table, names the
 * session scheme in its OpenAPI operation, and puts its permission check (`config.permission`)
 * ahead of the route's own `preValidation` hooks.
 */
export function guardRoute(routeTable: readonly RouteEntry[]): (route: RouteOptions) => void {
  return (route) => {
    const methods = [route.method].flat()
    const permission = route.config?.permission
    for (const entry of routeTable)
      if (entry.url === route.url && methods.includes(entry.method)) {
        entry.session = true
        entry.permission = permission === undefined ? undefined : permissionLabel(permission)
      }
    // The `session` scheme of app.ts: /api/docs sends the Authorization header it holds.
    route.schema = { ...route.schema, security: [{ session: [] }] }
    if (permission !== undefined)
      route.preValidation = [permissionGuard(permission), ...[route.preValidation ?? []].flat()]
  }
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isLiaisonError, LiaisonError } from '../platform/errors/index.js'
import { assertApiVersion, versionOfPath } from './api-version.js'
import { sendFailure } from './envelope.js'
import type { RouteEntry } from './fastify-types.js'
import { bearer } from './guards.js'
import { isSignedCallback } from './signed-callback.js'
import { validationError } from './validation-error.js'

const FASTIFY_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_TYPE: 'BODY_MALFORMED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BODY_MALFORMED',
  FST_INVALID_JSON_FIELD_ERROR: 'BODY_MALFORMED',
}

/** Fastify's own errors (route schema validation, the body parsers), translated once, here. */
function translateFastifyError(error: FastifyError): LiaisonError | undefined {
  if (error.validation !== undefined && error.validationContext !== undefined)
    return validationError(error.validation, error.validationContext)
  const code = FASTIFY_ERRORS[error.code]
  if (code !== undefined)
    return new LiaisonError(code, `${error.message}.`.replace(/\.\.$/, '.'), { cause: error })
  if (error instanceof SyntaxError || error.statusCode === 400)
    return new LiaisonError('BODY_MALFORMED', `The request body could not be read: ${error.message}`, {
      cause: error,
    })
  if (error.statusCode === 413) return new LiaisonError('BODY_TOO_LARGE', error.message, { cause: error })
  return undefined
}

/**
 * The root error handler: the one place a failure becomes Vault's envelope. A LiaisonError keeps
 * its code, Fastify's errors are translated, anything else is UNEXPECTED_ERROR with its cause in
 * the log, never the body.
 */
export async function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const fromFastify = isLiaisonError(error) ? error : translateFastifyError(error)
  // A database error the dialect knows (the server unreachable, a busy row) is the client's to retry,
  // and still the operator's to see.
  const fromStorage =
    fromFastify === undefined ? request.server.vault.storage.dialect.translateError(error) : undefined
  if (fromStorage !== undefined)
    request.log.warn({ err: error, executionId: request.id }, `${fromStorage.code} ${request.id}`)
  const known = fromFastify ?? fromStorage
  // The execution id is what the client quotes; the log line is where it leads.
  if (known === undefined)
    request.log.error({ err: error, executionId: request.id }, `unexpected error ${request.id}`)
  return sendFailure(
    request,
    reply,
    known ??
      new LiaisonError('INTERNAL', `Unexpected error; quote execution id ${request.id} to your admin.`),
  )
}

/** A route's URL pattern as a regular expression over request paths (`:param` is one segment). */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment === '*'
          ? '.*'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/')
  return new RegExp(`^${source}/?$`)
}

const patternsByTable = new WeakMap<readonly RouteEntry[], { entry: RouteEntry; pattern: RegExp }[]>()

/** The routes whose pattern matches the path, whatever their method. */
function routesMatching(table: readonly RouteEntry[], path: string): RouteEntry[] {
  let compiled = patternsByTable.get(table)
  // The table is complete once the app is ready; compile it once, at the first unknown request.
  if (compiled === undefined || compiled.length !== table.length) {
    compiled = table.map((entry) => ({ entry, pattern: routePattern(entry.url) }))
    patternsByTable.set(table, compiled)
  }
  return compiled.filter((c) => c.pattern.test(path)).map((c) => c.entry)
}

/**
 * A request no route answers, refused as Vault refuses it, in Vault's order: an API version
 * GET /api/ does not list (MALFORMED_URL naming the versions); under /api/{version}/, a missing
 * or invalid session before anything about the path (INVALID_SESSION_ID), so an unauthenticated
 * caller learns nothing of the routes; a path that exists with another method
 * (METHOD_NOT_SUPPORTED); anything else MALFORMED_URL, pointing at the API description.
 */
export async function handleNotFound(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const path = request.url.split('?')[0] ?? ''
    const version = versionOfPath(path)
    if (version !== undefined) assertApiVersion(version)
    const matching = routesMatching(request.server.routeTable, path)
    const open = matching.some((route) => !route.session)
    if (version !== undefined && !open && !isSignedCallback(request)) {
      const sessionId = bearer(request)
      if (sessionId === undefined)
        throw new LiaisonError(
          'SESSION_MISSING',
          'No session: log in with POST /api/{version}/auth and send Authorization: {sessionId}.',
        )
      await request.server.vault.sessions.resolve(sessionId)
    }
    const methods = [...new Set(matching.map((route) => route.method))]
    if (methods.length > 0) {
      void reply.header('Allow', methods.join(', '))
      throw new LiaisonError(
        'METHOD_UNSUPPORTED',
        `${path} does not answer ${request.method}; it answers ${methods.join(', ')}.`,
      )
    }
    throw new LiaisonError(
      'URL_MALFORMED',
      `No endpoint answers ${request.method} ${path}; see /api/openapi.json.`,
    )
  } catch (error) {
    if (!isLiaisonError(error)) throw error
    return sendFailure(request, reply, error)
  }
}

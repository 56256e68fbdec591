import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify'
import { type ErrorCode, isLiaisonError, LiaisonError } from '../platform/errors/index.js'
import type { Vault } from '../platform/vault/index.js'
import { assertApiVersion } from './api-version.js'
import { authRoutes, rootRoutes, sessionRoutes } from './auth.routes.js'
import {
  authenticateSignedCallback,
  captureSignedBody,
  connectionRoutes,
  connectionSignedRoutes,
  isSignedCallback,
} from './connections.routes.js'
import { documentsRoutes } from './documents.routes.js'
import { failureBody, httpStatusFor } from './envelope.js'
import { metadataRoutes } from './metadata.routes.js'
import { queryRoutes } from './query.routes.js'
import { queueRoutes } from './queues.routes.js'
import { ruleRoutes } from './rules.routes.js'
import { vobjectsRoutes } from './vobjects.routes.js'
import './fastify-types.js'

/** One route of the API and whether it runs behind the session guard. */
export interface RouteEntry {
  readonly method: string
  readonly url: string
  session: boolean
}

/** Largest request body accepted (Vault: 50 MB for object input). */
export const BODY_LIMIT_BYTES = 50 * 1024 * 1024

export interface AppOptions {
  readonly logger?: boolean
  /** Largest request body in bytes. (Default: BODY_LIMIT_BYTES, 50 MB) */
  readonly bodyLimitBytes?: number
  /** Routes added by later layers (VQL, connection), registered inside the session-guarded scope. */
  readonly guardedPlugins?: readonly ((scope: FastifyInstance) => Promise<void>)[]
  /** Routes that authenticate themselves (signed connection traffic), registered unguarded. */
  readonly openPlugins?: readonly ((scope: FastifyInstance) => Promise<void>)[]
}

const FASTIFY_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_TYPE: 'BODY_MALFORMED',
  FST_ERR_VALIDATION: 'BODY_MALFORMED',
}

/** Fastify's and the JSON parser's errors, translated once, here. */
function translateFastifyError(error: FastifyError): LiaisonError | undefined {
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

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string' || header.trim() === '') return undefined
  const value = header.trim()
  return value.toLowerCase().startsWith('bearer ') ? value.slice(7).trim() : value
}

/** Builds the REST API of one vault. Never listens: the CLI does, tests inject or listen themselves. */
export async function buildApp(vault: Vault, options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimitBytes ?? BODY_LIMIT_BYTES
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
  })
  app.decorate('vault', vault)
  // Every route and whether it needs a session, for review: an unguarded route shows in the test.
  const routeTable: RouteEntry[] = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, session: false })
  })
  app.decorateRequest('session', undefined)

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit }, (_req, body, done) =>
    done(null, body),
  )
  await app.register(formbody, { bodyLimit })
  await app.register(multipart, { limits: { fileSize: BODY_LIMIT_BYTES * 20 } })

  await app.register(swagger, {
    openapi: {
      info: {
        title: `Liaison ${vault.profile.label} REST API`,
        description:
          'Vault-compatible REST API of one Liaison vault. Every call but /api/ and /auth sends Authorization: {sessionId}.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'header', name: 'Authorization' } },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('X-VaultAPI-ExecutionId', request.id)
    void reply.header('X-VaultAPI-VaultId', String(vault.id))
    if (!request.url.startsWith('/api')) return
    const ticket = vault.burst.take()
    void reply.header('X-VaultAPI-BurstLimit', String(ticket.limit))
    void reply.header('X-VaultAPI-BurstLimitRemaining', String(ticket.remaining))
    if (ticket.delayMs > 0) {
      void reply.header('X-VaultAPI-ResponseDelay', String(ticket.delayMs))
      await new Promise((resolve) => setTimeout(resolve, ticket.delayMs))
    }
  })

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const known = isLiaisonError(error) ? error : translateFastifyError(error)
    const liaison =
      known ??
      new LiaisonError('INTERNAL', `Unexpected error; quote execution id ${request.id} to your admin.`)
    if (known === undefined) request.log.error({ err: error }, 'unexpected error')
    const body = failureBody(liaison)
    return reply
      .status(httpStatusFor(request, liaison.code))
      .header('X-VaultAPI-Status', body.responseStatus)
      .send(body)
  })
  app.setNotFoundHandler(async (request, reply) => {
    const error = new LiaisonError(
      'URL_MALFORMED',
      `No endpoint answers ${request.method} ${request.url.split('?')[0]}; see /api/openapi.json.`,
    )
    const body = failureBody(error)
    return reply
      .status(httpStatusFor(request, error.code))
      .header('X-VaultAPI-Status', body.responseStatus)
      .send(body)
  })

  await app.register(rootRoutes)
  await app.register(
    async (versioned) => {
      versioned.addHook('onRequest', async (request) => {
        const params = request.params as { version?: string }
        if (params.version !== undefined) assertApiVersion(params.version)
      })
      await versioned.register(authRoutes)
      await versioned.register(connectionSignedRoutes)
      for (const plugin of options.openPlugins ?? []) await versioned.register(plugin)
      await versioned.register(async (guarded) => {
        guarded.addHook('onRoute', (route) => {
          const methods = [route.method].flat()
          for (const entry of routeTable)
            if (entry.url === route.url && methods.includes(entry.method)) entry.session = true
        })
        // B2: a connected vault's signed callback runs as the connection's integration user.
        guarded.addHook('preParsing', captureSignedBody)
        guarded.addHook('preHandler', async (request, reply) => {
          if (isSignedCallback(request)) {
            request.session = await authenticateSignedCallback(request)
            void reply.header('X-VaultAPI-UserId', request.session.user.userId)
            return
          }
          const sessionId = bearer(request)
          if (sessionId === undefined)
            throw new LiaisonError(
              'SESSION_MISSING',
              'No session: log in with POST /api/{version}/auth and send Authorization: {sessionId}.',
            )
          const user = await vault.sessions.resolve(sessionId)
          request.session = {
            sessionId,
            user,
            actor: { userId: user.userId, userName: user.username, securityProfile: user.securityProfile },
          }
          void reply.header('X-VaultAPI-UserId', user.userId)
          void reply.header('X-VaultAPI-TruncatedSessionId', sessionId.slice(0, 12))
        })
        await guarded.register(sessionRoutes)
        await guarded.register(metadataRoutes)
        await guarded.register(vobjectsRoutes)
        await guarded.register(documentsRoutes)
        await guarded.register(queryRoutes)
        await guarded.register(connectionRoutes)
        await guarded.register(queueRoutes)
        await guarded.register(ruleRoutes)
        for (const plugin of options.guardedPlugins ?? []) await guarded.register(plugin)
      })
    },
    { prefix: '/api/:version' },
  )
  return app
}

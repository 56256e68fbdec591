import { randomUUID } from 'node:crypto'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import type { Vault } from '../platform/vault/index.js'
import { assertApiVersion } from './api-version.js'
import { auditRoutes } from './audit.routes.js'
import { authRoutes, rootRoutes, sessionRoutes } from './auth.routes.js'
import { binderRoutes } from './binders.routes.js'
import { applyBurstLimit } from './burst-limit.js'
import { connectionRoutes, connectionSignedRoutes } from './connections.routes.js'
import { documentTypeRoutes } from './document-types.routes.js'
import { documentRoutes } from './documents.routes.js'
import { handleError, handleNotFound } from './error-handler.js'
import type { RouteEntry } from './fastify-types.js'
import { guardRoute, requireSession } from './guards.js'
import { parseFormBody, registerJsonParser } from './json-body.js'
import { metadataRoutes } from './metadata.routes.js'
import { operationsRoutes } from './operations.routes.js'
import { listeningOrigin, parsePublicUrl } from './public-origin.js'
import { queryRoutes } from './query.routes.js'
import { queueRoutes } from './queues.routes.js'
import { readMissingBody } from './read-missing-body.js'
import { relationshipRoutes } from './relationships.routes.js'
import { recalculateRoutes, reportRoutes } from './reports.routes.js'
import { ruleRoutes } from './rules.routes.js'
import { captureSignedBody } from './signed-callback.js'
import { userRoutes } from './users.routes.js'
import { vaultInfoRoutes } from './vault-info.routes.js'
import { vaultMetrics } from './vault-metrics.js'
import { vobjectCollectionRoutes } from './vobject-collection.routes.js'
import { vobjectsRoutes } from './vobjects.routes.js'
import { webAppRoutes } from './web-app.js'

/**
 * Largest JSON, form or CSV body accepted. Vault takes 50 MB of object input; 500 records fit in
 * far less, and a parse of 50 MB holds the event loop of every vault in the process. Document
 * files are multipart and keep their own limit (the vault's maxFileBytes, `--max-file-mb`).
 */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024

export interface AppOptions {
  /** Fastify's pino logger: false (the default, for tests), true (JSON on stdout) or its options. */
  readonly logger?: FastifyServerOptions['logger']
  /** A pino logger made by the caller (the CLI's, shared with the job runners); wins over `logger`. */
  readonly loggerInstance?: FastifyBaseLogger
  /** Largest request body in bytes. (Default: BODY_LIMIT_BYTES, 5 MB) */
  readonly bodyLimitBytes?: number
  /** Routes added by later layers (VQL, connection), registered inside the session-guarded scope. */
  readonly guardedPlugins?: readonly ((scope: FastifyInstance) => Promise<void>)[]
  /**
   * The origin clients and connected vaults reach this vault at, when it is not the address the
   * server listens on (behind a proxy, `--public-url`). Absolute links and the default URL of a new
   * connection use it, never the request's Host header. (Default: the listening address)
   */
  readonly publicUrl?: string
  /**
   * The token a metrics scraper sends to `GET /metrics` as `Authorization: Bearer {token}`
   * (`serve --metrics-token`); without one, only an admin's session reads the metrics.
   */
  readonly metricsToken?: string
  /** Routes that authenticate themselves (signed connection traffic), registered unguarded. */
  readonly openPlugins?: readonly ((scope: FastifyInstance) => Promise<void>)[]
  /** The built web app served at `/` and `/ui/…`. (Default: web/dist of the checkout) */
  readonly webRoot?: string
}

/**
 * Request validation (ajv, against the TypeBox route schemas). Form fields and query parameters
 * are text, so values are coerced to the schema's type; unknown properties are refused where a
 * schema closes its object, never silently dropped; `verbose` gives the error mapping the value
 * and the schema it failed (validation-error.ts).
 */
const AJV_OPTIONS = { coerceTypes: true, removeAdditional: false, verbose: true } as const

/** The `{version}` path parameter, read before routing reaches validation (MALFORMED_URL). */
function pathVersion(request: FastifyRequest): string | undefined {
  const params: unknown = request.params
  return typeof params === 'object' &&
    params !== null &&
    'version' in params &&
    typeof params.version === 'string'
    ? params.version
    : undefined
}

/** Builds the REST API of one vault. Never listens: the CLI does, tests inject or listen themselves. */
export async function buildApp(vault: Vault, options: AppOptions = {}): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimitBytes ?? BODY_LIMIT_BYTES
  const publicUrl = options.publicUrl === undefined ? undefined : parsePublicUrl(options.publicUrl)
  const app = Fastify({
    ...(options.loggerInstance === undefined
      ? { logger: options.logger ?? false }
      : { loggerInstance: options.loggerInstance }),
    bodyLimit,
    genReqId: () => randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: AJV_OPTIONS },
  })
  app.decorate('vault', vault)
  app.decorate('publicOrigin', () => publicUrl ?? listeningOrigin(app.server))
  // Every route and whether it needs a session, for review: an unguarded route shows in the test.
  const routeTable: RouteEntry[] = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD')
        routeTable.push({ method, url: route.url, session: false, permission: undefined })
  })
  app.decorateRequest('session', undefined)
  app.decorateRequest('upload', undefined)

  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit }, (_req, body, done) =>
    done(null, body),
  )
  registerJsonParser(app, bodyLimit)
  await app.register(formbody, { bodyLimit, parser: parseFormBody })
  await app.register(multipart, { limits: { fileSize: vault.documents.maxFileBytes } })

  await app.register(swagger, {
    openapi: {
      info: {
        title: `Liaison ${vault.profile.label} REST API`,
        description:
          'Vault-compatible REST API of one Liaison vault. Every call but /api/ and /auth sends Authorization: {sessionId}.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'The sessionId that POST /api/{version}/auth answers.',
          },
        },
      },
      tags: [
        { name: 'auth', description: 'API versions, sessions' },
        { name: 'metadata', description: 'Objects, fields, picklists' },
        { name: 'records', description: 'Object records: bulk writes, actions, audit trail' },
        { name: 'documents', description: 'Documents, versions, files, binders, relationships' },
        { name: 'vql', description: 'Vault Query Language' },
        { name: 'connections', description: 'Connections between vaults, integration rules' },
        { name: 'queues', description: 'Outbound and inbound message queues' },
        { name: 'audit', description: 'Audit trails (System Administrator)' },
        {
          name: 'operations',
          description: 'Health, readiness and metrics for load balancers and monitoring',
        },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('X-VaultAPI-ExecutionId', request.id)
    void reply.header('X-VaultAPI-VaultId', String(vault.id))
  })

  app.addHook('preValidation', readMissingBody)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)

  // Created at the root, so its request timing hook sees every route.
  const metrics = vaultMetrics(app, vault)
  await app.register(
    operationsRoutes(
      metrics,
      options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken },
    ),
  )
  await app.register(rootRoutes)
  await app.register(webAppRoutes(options.webRoot))
  await app.register(
    async (versioned) => {
      versioned.addHook('onRequest', async (request) => {
        const version = pathVersion(request)
        if (version !== undefined) assertApiVersion(version)
      })
      await versioned.register(authRoutes)
      await versioned.register(connectionSignedRoutes)
      for (const plugin of options.openPlugins ?? []) await versioned.register(plugin)
      await versioned.register(async (guarded) => {
        guarded.addHook('onRoute', guardRoute(routeTable))
        // A signed callback (B2) keeps its raw body for the signature; who calls is settled
        // before the request's input is validated.
        guarded.addHook('preParsing', captureSignedBody)
        guarded.addHook('preValidation', requireSession)
        guarded.addHook('preValidation', applyBurstLimit)
        await guarded.register(sessionRoutes)
        await guarded.register(metadataRoutes)
        await guarded.register(vobjectsRoutes)
        await guarded.register(vobjectCollectionRoutes)
        await guarded.register(userRoutes)
        await guarded.register(vaultInfoRoutes)
        await guarded.register(documentRoutes)
        await guarded.register(documentTypeRoutes)
        await guarded.register(binderRoutes)
        await guarded.register(relationshipRoutes)
        await guarded.register(queryRoutes)
        await guarded.register(connectionRoutes)
        await guarded.register(queueRoutes)
        await guarded.register(ruleRoutes)
        await guarded.register(auditRoutes)
        await guarded.register(reportRoutes)
        await guarded.register(recalculateRoutes)
        for (const plugin of options.guardedPlugins ?? []) await guarded.register(plugin)
      })
    },
    { prefix: '/api/:version' },
  )
  return app
}

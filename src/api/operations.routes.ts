import { createHash, timingSafeEqual } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../platform/storage/index.js'
import { failureBody, send } from './envelope.js'
import { ERRORS, envelopeResponse, fileResponse, RESPONSE_STATUS } from './envelope-schema.js'
import { bearer } from './guards.js'
import type { VaultMetrics } from './vault-metrics.js'

export interface OperationsOptions {
  /**
   * A token a metrics scraper sends as `Authorization: Bearer {token}` (`--metrics-token`,
   * LIAISON_METRICS_TOKEN). Without one, only an admin's session reads /metrics.
   */
  readonly metricsToken?: string
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * What an operator's load balancer and monitoring call, outside `/api/{version}`: `GET /health`
 * (the process answers), `GET /ready` (the database answers and is migrated: send traffic here),
 * and `GET /metrics` (Prometheus text format). Health and readiness answer real HTTP statuses,
 * since a load balancer reads nothing else.
 */
export function operationsRoutes(metrics: VaultMetrics, options: OperationsOptions = {}) {
  const tokenDigest = options.metricsToken === undefined ? undefined : digest(options.metricsToken)
  return async (base: FastifyInstance): Promise<void> => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()

    app.get(
      '/health',
      {
        schema: {
          summary: 'Liveness: the process answers',
          tags: ['operations'],
          response: envelopeResponse(
            { status: Type.Literal('alive') },
            { responseStatus: 'SUCCESS', status: 'alive' },
          ),
        },
      },
      async (_request, reply) => send(reply, { responseStatus: 'SUCCESS', status: 'alive' as const }),
    )

    app.get(
      '/ready',
      {
        schema: {
          summary: 'Readiness: the database answers and its schema is this process’s',
          description:
            'HTTP 200 when the vault can serve; HTTP 503 with VAULT_NOT_READY (UNEXPECTED_ERROR) when its database does not answer or is not migrated.',
          tags: ['operations'],
          response: {
            ...envelopeResponse(
              { status: Type.Literal('ready'), schema_version: Type.Integer() },
              { responseStatus: 'SUCCESS', status: 'ready', schema_version: LATEST_SCHEMA_VERSION },
            ),
            503: Type.Object(
              { responseStatus: RESPONSE_STATUS, errors: ERRORS },
              { description: 'Not ready: VAULT_NOT_READY (UNEXPECTED_ERROR) says why.' },
            ),
          },
        },
      },
      async (request, reply) => {
        let version: number
        try {
          version = await schemaVersion(app.vault.storage)
        } catch (error) {
          request.log.warn({ err: error }, 'readiness: the database does not answer')
          return send(
            reply.status(503),
            failureBody(
              new LiaisonError(
                'VAULT_NOT_READY',
                `Vault ${app.vault.name} cannot reach its database; the process keeps trying. Check that the database server is up and reachable.`,
              ),
            ),
          )
        }
        if (version < LATEST_SCHEMA_VERSION)
          return send(
            reply.status(503),
            failureBody(
              new LiaisonError(
                'VAULT_NOT_READY',
                `Vault ${app.vault.name}'s database is at schema version ${version}, this process needs ${LATEST_SCHEMA_VERSION}: its migrations are not done yet.`,
              ),
            ),
          )
        return send(reply, { responseStatus: 'SUCCESS', status: 'ready' as const, schema_version: version })
      },
    )

    app.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics of this process and its vault',
          description:
            'Prometheus text format. Send Authorization: Bearer {metrics token} (liaison serve --metrics-token) or an admin session id.',
          tags: ['operations'],
          security: [{ session: [] }],
          // Text for a scraper, the Vault envelope for a refusal: each by its content type.
          response: fileResponse(
            'Prometheus text exposition format 0.0.4',
            '# TYPE liaison_queue_waiting_messages gauge\nliaison_queue_waiting_messages{vault="medical",connection="medical_crm__v_crm_na",queue="outbound",integration_point="case_request_outbound__v"} 0\n',
            {
              type: 'INVALID_SESSION_ID',
              message: 'GET /metrics needs Authorization: Bearer {metrics token} …',
            },
            true,
          ),
        },
      },
      async (request, reply) => {
        await assertMayReadMetrics(request, tokenDigest)
        await metrics.readVault()
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
      },
    )
  }
}

async function assertMayReadMetrics(request: FastifyRequest, tokenDigest: Buffer | undefined): Promise<void> {
  const presented = bearer(request)
  if (presented === undefined)
    throw new LiaisonError(
      'SESSION_MISSING',
      'GET /metrics needs Authorization: Bearer {metrics token} (liaison serve --metrics-token) or an admin session id.',
    )
  if (tokenDigest !== undefined && timingSafeEqual(digest(presented), tokenDigest)) return
  const user = await request.server.vault.sessions.resolve(presented)
  if (user.securityProfile !== 'admin__sys')
    throw new LiaisonError(
      'ACCESS_DENIED',
      `${user.username} may not read the metrics; this needs the System Administrator (admin__sys) security profile or the metrics token.`,
    )
}

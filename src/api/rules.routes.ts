import type { FastifyInstance } from 'fastify'
import { connectionSideOf, dryRunIntegrationRule } from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { assertAdmin, envelopeSchema } from './connections.routes.js'
import { send } from './envelope.js'

function field(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined
  const value = (source as Record<string, unknown>)[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

const OPEN_OBJECT = { type: 'object', additionalProperties: true } as const

/** Integration rules: the dry run (admin). Rules themselves are records (`/vobjects/integration_rule__sys`). */
export async function ruleRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/services/connections/:api_name/rules/:integration_rule/dry_run',
    {
      schema: {
        summary: 'Dry run of an integration rule for one source record; writes nothing (admin)',
        description:
          "Reads the source record (source_id, a record id in the remote vault) through the connection's signed callback, with the fields the rule's field rules need, applies the rule with the lookups the flow uses and answers what each target object and field would get, and every issue (no mapping, a field not read, an inactive rule). Nothing is written in either vault. Vault has no such endpoint.",
        tags: ['connections'],
        params: {
          type: 'object',
          properties: {
            version: { type: 'string' },
            api_name: { type: 'string', description: 'api_name__sys of the connection in this vault.' },
            integration_rule: {
              type: 'string',
              description: 'integration_rule_api_name__sys, e.g. medical_inquiries_integration_rule__v.',
            },
          },
        },
        body: {
          type: 'object',
          properties: {
            source_id: { type: 'string', description: 'Id of the source record in the remote vault.' },
          },
        },
        response: envelopeSchema({
          type: 'object',
          additionalProperties: true,
          properties: {
            rule: {
              type: 'object',
              additionalProperties: true,
              properties: {
                api_name: { type: 'string' },
                active: { type: 'boolean' },
                primary_query_object: { type: 'string' },
                connection: { type: 'string' },
              },
            },
            source: { ...OPEN_OBJECT, description: 'The source record as read from the remote vault.' },
            target: {
              type: 'object',
              description: 'Target object → field → value that the rule would write.',
              additionalProperties: OPEN_OBJECT,
            },
            issues: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  target_object: { type: ['string', 'null'] },
                  target_field: { type: ['string', 'null'] },
                  message: { type: 'string' },
                },
              },
            },
          },
        }),
      },
    },
    async (request, reply) => {
      assertAdmin(request)
      const params = request.params as { api_name: string; integration_rule: string }
      const sourceId = field(request.body, 'source_id') ?? field(request.query, 'source_id')
      if (sourceId === undefined)
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send source_id: the id of the source record in the remote vault (e.g. a medical_inquiry__v id for an inquiry rule).',
        )
      const data = await dryRunIntegrationRule(app.vault, connectionSideOf(app.vault.profile.name), {
        connectionApiName: params.api_name,
        ruleApiName: params.integration_rule,
        sourceId,
      })
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )
}

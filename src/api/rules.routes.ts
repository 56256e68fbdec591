import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { connectionSideOf, dryRunIntegrationRule } from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { API_NAME } from './connection-schemas.js'
import { send } from './envelope.js'
import { dataResponse, NULLABLE_TEXT, openObject } from './envelope-schema.js'
import { CONNECTION_ADMIN } from './guards.js'
import { pathParams, trimmedText } from './request-schemas.js'

const SOURCE_ID = Type.Optional(
  Type.String({
    description: 'Id of the source record in the remote vault.',
    examples: ['V0M000000001001'],
  }),
)

/** Integration rules: the dry run (admin). Rules themselves are records (`/vobjects/integration_rule__sys`). */
export async function ruleRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/services/connections/:api_name/rules/:integration_rule/dry_run',
    {
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'Dry run of an integration rule for one source record; writes nothing (admin)',
        description:
          "Reads the source record (source_id, a record id in the remote vault, in the body or the query string) through the connection's signed callback, with the fields the rule's field rules need, applies the rule with the lookups the flow uses and answers what each target object and field would get, and every issue (no mapping, a field not read, an inactive rule). Nothing is written in either vault. Vault has no such endpoint.",
        tags: ['connections'],
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        params: pathParams({
          api_name: API_NAME,
          integration_rule: Type.String({
            description: 'integration_rule_api_name__sys, e.g. medical_inquiries_integration_rule__v.',
            examples: ['medical_inquiries_integration_rule__v'],
          }),
        }),
        querystring: Type.Object({ source_id: SOURCE_ID }),
        body: Type.Object({ source_id: SOURCE_ID }, { examples: [{ source_id: 'V0M000000001001' }] }),
        response: dataResponse(
          openObject({
            rule: openObject({
              api_name: Type.String(),
              active: Type.Boolean(),
              primary_query_object: Type.String(),
              connection: Type.String(),
            }),
            source: openObject({}, { description: 'The source record as read from the remote vault.' }),
            target: openObject(
              {},
              { description: 'Target object → field → value that the rule would write.' },
            ),
            issues: Type.Array(
              openObject({
                target_object: NULLABLE_TEXT,
                target_field: NULLABLE_TEXT,
                message: Type.String(),
              }),
            ),
          }),
          {
            responseStatus: 'SUCCESS',
            data: {
              rule: {
                api_name: 'medical_inquiries_integration_rule__v',
                active: true,
                primary_query_object: 'medical_inquiry__v',
                connection: 'medical_crm__v',
              },
              source: { id: 'V0M000000001001', inquiry_text__v: 'Dosing in renal impairment?' },
              target: {
                case__v: { origin__v: 'crm__v' },
                case_request__v: { request__v: 'Dosing in renal impairment?' },
              },
              issues: [],
            },
          },
        ),
      },
    },
    async (request, reply) => {
      const sourceId = trimmedText(request.body.source_id) ?? trimmedText(request.query.source_id)
      if (sourceId === undefined)
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send source_id: the id of the source record in the remote vault (e.g. a medical_inquiry__v id for an inquiry rule).',
        )
      const data = await dryRunIntegrationRule(app.vault, connectionSideOf(app.vault.profile.name), {
        connectionApiName: request.params.api_name,
        ruleApiName: request.params.integration_rule,
        sourceId,
      })
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )
}

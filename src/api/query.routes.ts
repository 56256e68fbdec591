import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import { runVql, runVqlPage } from '../platform/vql/index.js'
import { envelopeResponse, openObject, WARNINGS } from './envelope-schema.js'
import { answerFormatOf, sendVqlAnswer, vqlContextOf } from './query-answer.js'
import { pathParams } from './request-schemas.js'

const VQL = Type.String({
  minLength: 1,
  description: 'The VQL query.',
  examples: ["SELECT id, name__v FROM case__v WHERE state__v = 'new_state__v'"],
})

const PAGING = {
  pagesize: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows per page. (Default: 1000)' })),
  pageoffset: Type.Optional(Type.Integer({ minimum: 0, description: 'Rows to skip. (Default: 0)' })),
}

const QUERY_HEADERS = Type.Object({
  'x-vaultapi-describequery': Type.Optional(
    Type.String({ description: 'true adds queryDescribe: the target and the fields of the answer.' }),
  ),
  'x-vaultapi-recordproperties': Type.Optional(
    Type.String({
      description:
        'all, or any of hidden, redacted, weblink: adds record_properties, per row the fields of each kind.',
    }),
  ),
  accept: Type.Optional(
    Type.String({ description: 'text/csv answers the rows as CSV, a header row of field names.' }),
  ),
})

const VQL_ANSWER = envelopeResponse(
  {
    responseDetails: openObject({
      pagesize: Type.Integer(),
      pageoffset: Type.Integer(),
      size: Type.Integer(),
      total: Type.Integer(),
      next_page: Type.String({ description: 'POST or GET it for the next page.' }),
      previous_page: Type.String(),
    }),
    data: Type.Array(
      openObject({}, { description: 'A row: field → value; subqueries nest their own answer.' }),
    ),
    queryDescribe: openObject(),
    record_properties: Type.Array(
      openObject({ id: Type.String(), field_properties: openObject(), field_additional_data: openObject() }),
    ),
    warnings: WARNINGS,
  },
  {
    responseStatus: 'SUCCESS',
    responseDetails: { pagesize: 1000, pageoffset: 0, size: 1, total: 1 },
    data: [{ id: 'V0C000000000101', name__v: 'CASE-000101' }],
  },
)

/** VQL: POST /query with form field q; next_page and previous_page links are fetched from /query/{cursor} (POST or GET). */
export async function queryRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const describe = (request: FastifyRequest) => request.headers['x-vaultapi-describequery'] === 'true'

  app.post(
    '/query',
    {
      schema: {
        summary: 'Run a VQL query (form field q)',
        tags: ['vql'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        produces: ['application/json', 'text/csv'],
        params: pathParams({}),
        querystring: Type.Object({ q: Type.Optional(VQL), ...PAGING }),
        headers: QUERY_HEADERS,
        body: Type.Object(
          { q: Type.Optional(VQL) },
          {
            examples: [{ q: 'SELECT id, name__v FROM case__v' }],
            description: 'q here or in the query string.',
          },
        ),
        response: VQL_ANSWER,
      },
    },
    async (request, reply) => {
      const { version } = request.params
      const q = request.body.q ?? request.query.q
      if (q === undefined)
        throw new LiaisonError('PARAMETER_MISSING', 'Send the VQL query in the form field q.')
      const { pagesize, pageoffset } = request.query
      const format = answerFormatOf(request)
      const response = await runVql(vqlContextOf(request), {
        q,
        apiVersion: version,
        describe: describe(request),
        ...(pagesize === undefined ? {} : { pagesize }),
        ...(pageoffset === undefined ? {} : { pageoffset }),
      })
      return sendVqlAnswer(reply, response, format)
    },
  )

  // Vault's next_page links are POSTed by some clients and fetched with GET by others (VAPIL, vapi).
  for (const method of ['POST', 'GET'] as const)
    app.route({
      method,
      url: '/query/:cursor',
      schema: {
        summary: `Fetch another page of a VQL result (next_page / previous_page) by ${method}`,
        tags: ['vql'],
        produces: ['application/json', 'text/csv'],
        params: pathParams({ cursor: Type.String({ description: 'From next_page or previous_page.' }) }),
        querystring: Type.Object(PAGING),
        headers: QUERY_HEADERS,
        response: VQL_ANSWER,
      },
      handler: async (request, reply) => {
        const { version, cursor } = request.params
        const { pagesize, pageoffset } = request.query
        const format = answerFormatOf(request)
        const response = await runVqlPage(vqlContextOf(request), cursor, {
          apiVersion: version,
          describe: describe(request),
          ...(pagesize === undefined ? {} : { pagesize }),
          ...(pageoffset === undefined ? {} : { pageoffset }),
        })
        return sendVqlAnswer(reply, response, format)
      },
    })
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import { runVql, runVqlPage, type VqlContext } from '../platform/vql/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject, WARNINGS } from './envelope-schema.js'
import { sessionOf } from './guards.js'
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

const DESCRIBE_HEADER = Type.Object({
  'x-vaultapi-describequery': Type.Optional(
    Type.String({ description: 'true adds queryDescribe: the target and the fields of the answer.' }),
  ),
})

const VQL_ANSWER = envelopeResponse(
  {
    responseDetails: openObject({
      pagesize: Type.Integer(),
      pageoffset: Type.Integer(),
      size: Type.Integer(),
      total: Type.Integer(),
      next_page: Type.String({ description: 'POST it for the next page.' }),
      previous_page: Type.String(),
    }),
    data: Type.Array(
      openObject({}, { description: 'A row: field → value; subqueries nest their own answer.' }),
    ),
    queryDescribe: openObject(),
    warnings: WARNINGS,
  },
  {
    responseStatus: 'SUCCESS',
    responseDetails: { pagesize: 1000, pageoffset: 0, size: 1, total: 1 },
    data: [{ id: 'V0C000000000101', name__v: 'CASE-000101' }],
  },
)

/** VQL: POST /query with form field q; next_page and previous_page links are POSTed to /query/{cursor}. */
export async function queryRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const context = (request: FastifyRequest): VqlContext => {
    const { actor } = sessionOf(request)
    const vault = app.vault
    return {
      storage: vault.storage,
      metadata: vault.metadata.current,
      clock: vault.clock,
      userId: actor.userId,
      canRead: (objectName) => vault.records.canAccess(actor, objectName, 'read'),
      recordScope: (objectName) => vault.records.recordScope(actor, objectName),
      readRefusal: (objectName) => vault.records.accessRefusal(actor, objectName, 'read'),
      targetProviders: vault.vqlTargets,
    }
  }
  const describe = (request: FastifyRequest) => request.headers['x-vaultapi-describequery'] === 'true'

  app.post(
    '/query',
    {
      schema: {
        summary: 'Run a VQL query (form field q)',
        tags: ['vql'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: pathParams({}),
        querystring: Type.Object({ q: Type.Optional(VQL), ...PAGING }),
        headers: DESCRIBE_HEADER,
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
      const response = await runVql(context(request), {
        q,
        apiVersion: version,
        describe: describe(request),
        ...(pagesize === undefined ? {} : { pagesize }),
        ...(pageoffset === undefined ? {} : { pageoffset }),
      })
      return send(reply, response)
    },
  )

  app.post(
    '/query/:cursor',
    {
      schema: {
        summary: 'Fetch another page of a VQL result (next_page / previous_page)',
        tags: ['vql'],
        params: pathParams({ cursor: Type.String({ description: 'From next_page or previous_page.' }) }),
        querystring: Type.Object(PAGING),
        headers: DESCRIBE_HEADER,
        response: VQL_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, cursor } = request.params
      const { pagesize, pageoffset } = request.query
      const response = await runVqlPage(context(request), cursor, {
        apiVersion: version,
        describe: describe(request),
        ...(pagesize === undefined ? {} : { pagesize }),
        ...(pageoffset === undefined ? {} : { pageoffset }),
      })
      return send(reply, response)
    },
  )
}

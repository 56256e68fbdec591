import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import type { CompiledObject } from '../platform/metadata/index.js'
import { runVql } from '../platform/vql/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { sendCsv, vqlContextOf, wantsCsv } from './query-answer.js'
import { pathParams } from './request-schemas.js'

/** Vault's page of a record collection: 200 by default, 1000 at most. */
const DEFAULT_LIMIT = 200
const MAX_LIMIT = 1000

/** A field of the object or of a lookup (`product__vr.name__v`); nothing else may reach the VQL text. */
const FIELD_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/i

function fieldList(object: CompiledObject, fields: string | undefined): string[] {
  if (fields === undefined || fields.trim() === '')
    return object.fieldByName.has('name__v') ? ['id', 'name__v'] : ['id']
  const names = fields.split(',').map((f) => f.trim())
  for (const name of names)
    if (!FIELD_NAME.test(name))
      throw new LiaisonError(
        'PARAMETER_INVALID',
        `fields names "${name}", which is not a field name; send names such as fields=id,name__v.`,
      )
  return names
}

function orderBy(sort: string | undefined): string {
  if (sort === undefined || sort.trim() === '') return ''
  const [field, direction = 'asc', ...rest] = sort.trim().split(/\s+/)
  if (field === undefined || !FIELD_NAME.test(field) || !/^(asc|desc)$/i.test(direction) || rest.length > 0)
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `sort "${sort}" is not a field and a direction; send one such as sort=name__v desc.`,
    )
  return ` ORDER BY ${field} ${direction.toUpperCase()}`
}

/**
 * Retrieve Object Record Collection (`GET /vobjects/{object}`): a page of the object's records
 * run as a VQL query, so the caller's read permission and record scope (own user, a connection's
 * own records) hold exactly as on POST /query.
 */
export async function vobjectCollectionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()

  app.get(
    '/vobjects/:object',
    {
      schema: {
        summary: 'Retrieve Object Record Collection: a page of records (fields, limit, offset, sort)',
        tags: ['records'],
        produces: ['application/json', 'text/csv'],
        params: pathParams({
          object: Type.String({ description: 'Object API name, e.g. case__v.', examples: ['case__v'] }),
        }),
        querystring: Type.Object({
          fields: Type.Optional(
            Type.String({ description: 'Comma-separated field names. (Default: id,name__v)' }),
          ),
          limit: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_LIMIT, description: 'Records per page. (Default: 200)' }),
          ),
          offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Records to skip. (Default: 0)' })),
          sort: Type.Optional(Type.String({ description: 'A field and asc or desc, e.g. name__v desc.' })),
        }),
        response: envelopeResponse(
          {
            responseDetails: openObject({
              limit: Type.Integer(),
              offset: Type.Integer(),
              size: Type.Integer(),
              total: Type.Integer(),
              url: Type.String(),
              object: openObject(),
              next_page: Type.String(),
              previous_page: Type.String(),
            }),
            data: Type.Array(openObject({}, { description: 'A record: field name → value.' })),
          },
          {
            responseStatus: 'SUCCESS',
            responseDetails: {
              limit: 1,
              offset: 0,
              size: 1,
              total: 2,
              url: '/api/v25.2/vobjects/case__v',
              object: {
                name: 'case__v',
                label: 'Case',
                url: '/api/v25.2/metadata/vobjects/case__v',
                label_plural: 'Cases',
              },
              next_page: '/api/v25.2/vobjects/case__v?limit=1&offset=1',
            },
            data: [{ id: 'V0C000000000101', name__v: 'CASE-000101' }],
          },
        ),
      },
    },
    async (request, reply) => {
      const { version, object: objectName } = request.params
      const object = app.vault.metadata.object(objectName)
      const { fields, sort, limit = DEFAULT_LIMIT, offset = 0 } = request.query
      const answer = await runVql(vqlContextOf(request), {
        q: `SELECT ${fieldList(object, fields).join(', ')} FROM ${object.name}${orderBy(sort)}`,
        apiVersion: version,
        pagesize: limit,
        pageoffset: offset,
      })
      if (wantsCsv(request)) return sendCsv(reply, answer.data)
      const { total, size } = answer.responseDetails
      const url = `/api/${version}/vobjects/${object.name}`
      const pageLink = (at: number) => {
        const params = new URLSearchParams({ limit: String(limit), offset: String(at) })
        if (fields !== undefined) params.set('fields', fields)
        if (sort !== undefined) params.set('sort', sort)
        return `${url}?${params.toString()}`
      }
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: {
          limit,
          offset,
          size,
          total,
          url,
          object: {
            name: object.name,
            label: object.label,
            url: `/api/${version}/metadata/vobjects/${object.name}`,
            label_plural: object.definition.labelPlural,
          },
          ...(offset > 0 ? { previous_page: pageLink(Math.max(0, offset - limit)) } : {}),
          ...(offset + size < total ? { next_page: pageLink(offset + limit) } : {}),
        },
        data: answer.data,
      })
    },
  )
}

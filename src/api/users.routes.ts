import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import type { CompiledObject } from '../platform/metadata/index.js'
import { runVql } from '../platform/vql/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { sessionOf } from './guards.js'
import { vqlContextOf } from './query-answer.js'
import { pathParams } from './request-schemas.js'

const USER_OBJECT = 'user__sys'

/** Vault's users__v property → the field of our user__sys it is read from. */
const USER_PROPERTIES: readonly (readonly [vaultName: string, field: string])[] = [
  ['id', 'id'],
  ['user_name__v', 'username__sys'],
  ['user_email__v', 'email__sys'],
  ['user_first_name__v', 'first_name__sys'],
  ['user_last_name__v', 'last_name__sys'],
  ['security_profile__v', 'security_profile__sys'],
  ['user_locale__v', 'locale__sys'],
  ['user_timezone__v', 'timezone__sys'],
  ['active__v', 'status__v'],
  ['created_date__v', 'created_date__v'],
  ['created_by__v', 'created_by__v'],
  ['modified_date__v', 'modified_date__v'],
  ['modified_by__v', 'modified_by__v'],
]

const USERS_DEFAULT_LIMIT = 200
const USERS_MAX_LIMIT = 1000

function single(value: unknown): unknown {
  return Array.isArray(value) ? (value[0] ?? null) : value
}

/** One user__sys row (API shape) as Vault's user: users__v property names, picklists as one value. */
function vaultUser(row: Record<string, unknown>, vaultId: number): Record<string, unknown> {
  const user: Record<string, unknown> = {}
  for (const [vaultName, field] of USER_PROPERTIES) {
    if (!(field in row)) continue
    user[vaultName] = field === 'status__v' ? single(row[field]) === 'active__v' : single(row[field] ?? null)
  }
  const domain = typeof row.username__sys === 'string' ? row.username__sys.split('@')[1] : undefined
  return {
    ...user,
    ...(domain === undefined ? {} : { domain_name__v: domain }),
    vault_id__v: [vaultId],
  }
}

/** Vault's type names for the metadata of users. */
function vaultType(type: string): string {
  switch (type) {
    case 'ID':
      return 'id'
    case 'Picklist':
      return 'enum'
    case 'DateTime':
      return 'DateTime'
    default:
      return type
  }
}

function userFields(object: CompiledObject): string[] {
  return USER_PROPERTIES.map(([, field]) => field).filter((f) => object.fieldByName.has(f))
}

const USERS_ANSWER = envelopeResponse(
  {
    size: Type.Integer(),
    start: Type.Integer(),
    limit: Type.Integer(),
    sort: Type.String(),
    users: Type.Array(openObject({ user: openObject() })),
  },
  {
    responseStatus: 'SUCCESS',
    size: 1,
    start: 0,
    limit: 200,
    sort: 'id asc',
    users: [
      {
        user: {
          id: 'V0U000000000001',
          user_name__v: 'admin@medical.liaison.local',
          user_first_name__v: 'Ada',
          user_last_name__v: 'Admin',
          security_profile__v: 'admin__sys',
          active__v: true,
          domain_name__v: 'medical.liaison.local',
          vault_id__v: [1001],
        },
      },
    ],
  },
)

/**
 * Users as Vault's users__v (`/objects/users`, `/objects/users/me`, `/objects/users/{id}`,
 * `/metadata/objects/users`), read from user__sys through the record service and VQL, so a person
 * who is not an admin sees only their own user (finding 9, `OWN_RECORD_OBJECTS`).
 */
export async function userRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const userObject = () => app.vault.metadata.object(USER_OBJECT)

  app.get(
    '/objects/users',
    {
      schema: {
        summary: 'Retrieve All Users (a person who is not an admin: only themselves)',
        tags: ['auth'],
        params: pathParams({}),
        querystring: Type.Object({
          limit: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: USERS_MAX_LIMIT,
              description: 'Users per page. (Default: 200)',
            }),
          ),
          start: Type.Optional(Type.Integer({ minimum: 0, description: 'Users to skip. (Default: 0)' })),
          sort: Type.Optional(
            Type.String({ pattern: '^id (asc|desc)$', description: 'id asc or id desc. (Default: id asc)' }),
          ),
        }),
        response: USERS_ANSWER,
      },
    },
    async (request, reply) => {
      const { version } = request.params
      const { limit = USERS_DEFAULT_LIMIT, start = 0, sort = 'id asc' } = request.query
      const answer = await runVql(vqlContextOf(request), {
        q: `SELECT ${userFields(userObject()).join(', ')} FROM ${USER_OBJECT} ORDER BY id ${sort.endsWith('desc') ? 'DESC' : 'ASC'}`,
        apiVersion: version,
        pagesize: limit,
        pageoffset: start,
      })
      return send(reply, {
        responseStatus: 'SUCCESS',
        size: answer.data.length,
        start,
        limit,
        sort,
        users: answer.data.map((row) => ({ user: vaultUser(row, app.vault.id) })),
      })
    },
  )

  for (const [url, summary] of [
    ['/objects/users/me', 'Retrieve the signed-in user (Vault clients check their session with it)'],
    ['/objects/users/:id', 'Retrieve User (a person who is not an admin: only themselves)'],
  ] as const)
    app.get(
      url,
      {
        schema: {
          summary,
          tags: ['auth'],
          params: pathParams(url.endsWith(':id') ? { id: Type.String({ description: 'User id.' }) } : {}),
          response: USERS_ANSWER,
        },
      },
      async (request, reply) => {
        const { actor } = sessionOf(request)
        const params: { id?: string } = request.params
        const row = await app.vault.records.getRecord(actor, USER_OBJECT, params.id ?? actor.userId)
        return send(reply, { responseStatus: 'SUCCESS', users: [{ user: vaultUser(row, app.vault.id) }] })
      },
    )

  app.get(
    '/objects/users/me/permissions',
    {
      schema: {
        summary:
          'Retrieve My User Permissions: what the signed-in user may do with each object and with documents',
        description:
          'One entry per object (`object.{name}.object_actions`) and one for documents (`documents.object_actions`), each with read, create, edit and delete. `filter=name__v::object.{name}` answers one object. Clients hide what the user may not do; the API still checks every call.',
        tags: ['auth'],
        params: pathParams({}),
        querystring: Type.Object({
          filter: Type.Optional(Type.String({ description: 'name__v::object.{object}: only this object' })),
        }),
        response: envelopeResponse(
          {
            data: Type.Array(
              openObject({
                name__v: Type.String(),
                permissions: openObject({
                  read: Type.Boolean(),
                  create: Type.Boolean(),
                  edit: Type.Boolean(),
                  delete: Type.Boolean(),
                }),
              }),
            ),
          },
          {
            responseStatus: 'SUCCESS',
            data: [
              {
                name__v: 'object.medical_inquiry__v.object_actions',
                permissions: { read: true, create: true, edit: true, delete: true },
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      const filter = request.query.filter
      const only = filter === undefined ? undefined : /^name__v::object\.([a-z0-9_]+)$/.exec(filter)?.[1]
      if (filter !== undefined && only === undefined)
        throw new LiaisonError(
          'PARAMETER_INVALID',
          `filter must be name__v::object.{object name}, e.g. name__v::object.case__v, not "${filter}".`,
        )
      const names = [
        ...app.vault.metadata.current.objects
          .map((o) => o.name)
          .filter((n) => only === undefined || n === only),
        ...(only === undefined ? ['documents'] : []),
      ]
      if (only !== undefined && names.length === 0)
        throw new LiaisonError('OBJECT_UNKNOWN', `This vault has no object ${only}.`)
      const data = names.map((name) => ({
        name__v: name === 'documents' ? 'documents.object_actions' : `object.${name}.object_actions`,
        permissions: Object.fromEntries(
          (['read', 'create', 'edit', 'delete'] as const).map((access) => [
            access,
            app.vault.records.canAccess(actor, name, access),
          ]),
        ),
      }))
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )

  app.get(
    '/metadata/objects/users',
    {
      schema: {
        summary: 'Retrieve User Metadata: the properties of users__v',
        tags: ['metadata'],
        params: pathParams({}),
        response: envelopeResponse(
          { properties: Type.Array(openObject({ name: Type.String(), type: Type.String() })) },
          {
            responseStatus: 'SUCCESS',
            properties: [
              {
                name: 'user_name__v',
                label: 'User Name',
                type: 'String',
                required: true,
                unique: true,
                editable: true,
                queryable: true,
                maxLength: 255,
              },
            ],
          },
        ),
      },
    },
    async (_request, reply) => {
      const object = userObject()
      const properties = USER_PROPERTIES.flatMap(([vaultName, fieldName]) => {
        const field = object.fieldByName.get(fieldName)
        if (field === undefined) return []
        return [
          {
            name: vaultName,
            label: field.label,
            type: fieldName === 'status__v' ? 'Boolean' : vaultType(field.type),
            required: field.required === true,
            unique: field.unique === true,
            editable: field.system !== true,
            queryable: true,
            ...(field.maxLength === undefined ? {} : { maxLength: field.maxLength }),
          },
        ]
      })
      return send(reply, { responseStatus: 'SUCCESS', properties })
    },
  )
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import { LISTED_API_VERSIONS } from './api-version.js'
import { send, sendFailure } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { sessionOf } from './guards.js'
import { publicLink } from './public-origin.js'
import { pathParams } from './request-schemas.js'

const EXAMPLE_ORIGIN = 'http://127.0.0.1:4100'

/** `GET /api/`: the versions this vault answers. */
export async function rootRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/api',
    {
      schema: {
        summary: 'List API versions',
        tags: ['auth'],
        response: envelopeResponse(
          { values: openObject({}, { description: 'Version → base URL.' }) },
          { responseStatus: 'SUCCESS', values: { 'v25.2': `${EXAMPLE_ORIGIN}/api/v25.2` } },
        ),
      },
    },
    async (_request, reply) =>
      send(reply, {
        responseStatus: 'SUCCESS',
        values: Object.fromEntries(
          LISTED_API_VERSIONS.map((v) => [v, publicLink(app.publicOrigin(), `/api/${v}`)]),
        ),
      }),
  )
}

const LOGIN = Type.Object(
  {
    username: Type.String({ minLength: 1, description: 'User name, e.g. admin@medical.liaison.local.' }),
    password: Type.String({ minLength: 1 }),
  },
  { examples: [{ username: 'admin@medical.liaison.local', password: 'from .liaison/world.json' }] },
)

/** `POST /api/{v}/auth`: username and password (form or JSON) for a session id. */
export async function authRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/auth',
    {
      schema: {
        summary: 'Log in with username and password',
        description: 'Send the sessionId answered here as Authorization: {sessionId} on every other call.',
        tags: ['auth'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: pathParams({}),
        body: LOGIN,
        response: envelopeResponse(
          {
            sessionId: Type.String(),
            userId: Type.String(),
            vaultId: Type.Integer(),
            vaultIds: Type.Array(openObject({ id: Type.Integer(), name: Type.String(), url: Type.String() })),
            errorType: Type.String({ description: 'AUTHENTICATION_FAILED when the login is refused.' }),
          },
          {
            responseStatus: 'SUCCESS',
            sessionId: '3f0c…e91a',
            userId: 'V1U000000000001',
            vaultIds: [{ id: 1001, name: 'medical', url: `${EXAMPLE_ORIGIN}/api` }],
            vaultId: 1001,
          },
        ),
      },
    },
    async (request, reply) => {
      const vault = app.vault
      try {
        const { sessionId, user } = await vault.sessions.login(
          request.body.username,
          request.body.password,
          request.ip,
        )
        void reply.header('X-VaultAPI-UserId', user.userId)
        return send(reply, {
          responseStatus: 'SUCCESS',
          sessionId,
          userId: user.userId,
          vaultIds: [{ id: vault.id, name: vault.name, url: publicLink(app.publicOrigin(), '/api') }],
          vaultId: vault.id,
        })
      } catch (error) {
        if (!(error instanceof LiaisonError)) throw error
        return sendFailure(request, reply, error, { errorType: 'AUTHENTICATION_FAILED' })
      }
    },
  )
}

const STATUS_ONLY = envelopeResponse({}, { responseStatus: 'SUCCESS' })

/** Ending and keeping sessions alive; registered in the session-guarded scope. */
export async function sessionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.delete(
    '/session',
    {
      schema: { summary: 'End this session', tags: ['auth'], params: pathParams({}), response: STATUS_ONLY },
    },
    async (request, reply) => {
      await app.vault.sessions.logout(sessionOf(request).sessionId)
      return send(reply, { responseStatus: 'SUCCESS' })
    },
  )
  app.post(
    '/keep-alive',
    {
      schema: {
        summary: 'Keep this session alive',
        tags: ['auth'],
        params: pathParams({}),
        response: STATUS_ONLY,
      },
    },
    async (_request, reply) => send(reply, { responseStatus: 'SUCCESS' }),
  )
}

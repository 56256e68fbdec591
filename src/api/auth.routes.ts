import type { FastifyInstance } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import { LISTED_API_VERSIONS } from './api-version.js'
import { failureBody, httpStatusFor, send, sessionOf } from './envelope.js'

function origin(request: { protocol: string; host: string }): string {
  return `${request.protocol}://${request.host}`
}

/** `GET /api/`: the versions this vault answers. */
export async function rootRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api', { schema: { summary: 'List API versions', tags: ['auth'] } }, async (request, reply) =>
    send(reply, {
      responseStatus: 'SUCCESS',
      values: Object.fromEntries(LISTED_API_VERSIONS.map((v) => [v, `${origin(request)}/api/${v}`])),
    }),
  )
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** `POST /api/{v}/auth`: username and password (form or JSON) for a session id. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    '/auth',
    {
      schema: {
        summary: 'Log in with username and password',
        tags: ['auth'],
        consumes: ['application/x-www-form-urlencoded'],
      },
    },
    async (request, reply) => {
      const vault = app.vault
      const username = field(request.body, 'username')
      const password = field(request.body, 'password')
      if (username === undefined || username === '')
        throw new LiaisonError('PARAMETER_MISSING', 'Send the username form field.')
      if (password === undefined || password === '')
        throw new LiaisonError('PARAMETER_MISSING', 'Send the password form field.')
      try {
        const { sessionId, user } = await vault.sessions.login(username, password)
        void reply.header('X-VaultAPI-UserId', user.userId)
        return send(reply, {
          responseStatus: 'SUCCESS',
          sessionId,
          userId: user.userId,
          vaultIds: [{ id: vault.id, name: vault.name, url: `${origin(request)}/api` }],
          vaultId: vault.id,
        })
      } catch (error) {
        if (!(error instanceof LiaisonError)) throw error
        const body = { ...failureBody(error), errorType: 'AUTHENTICATION_FAILED' }
        return reply
          .status(httpStatusFor(request, error.code))
          .header('X-VaultAPI-Status', body.responseStatus)
          .send(body)
      }
    },
  )
}

/** Ending and keeping sessions alive; registered in the session-guarded scope. */
export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  app.delete(
    '/session',
    { schema: { summary: 'End this session', tags: ['auth'] } },
    async (request, reply) => {
      await app.vault.sessions.logout(sessionOf(request).sessionId)
      return send(reply, { responseStatus: 'SUCCESS' })
    },
  )
  app.post(
    '/keep-alive',
    { schema: { summary: 'Keep this session alive', tags: ['auth'] } },
    async (_request, reply) => send(reply, { responseStatus: 'SUCCESS' }),
  )
}

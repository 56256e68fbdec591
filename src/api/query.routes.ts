import type { FastifyInstance, FastifyRequest } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import { runVql, runVqlPage, type VqlContext } from '../platform/vql/index.js'
import { send, sessionOf } from './envelope.js'

function param(source: unknown, key: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined
  const value = (source as Record<string, unknown>)[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new LiaisonError('FIELD_TYPE', `${name} must be a whole number.`)
  return n
}

/** VQL: POST /query with form field q; next_page and previous_page links are POSTed to /query/{cursor}. */
export async function queryRoutes(app: FastifyInstance): Promise<void> {
  const context = (request: FastifyRequest): VqlContext => {
    const { actor } = sessionOf(request)
    const vault = app.vault
    return {
      storage: vault.storage,
      metadata: vault.metadata.current,
      clock: vault.clock,
      userId: actor.userId,
      canRead: (objectName) => vault.records.canAccess(actor, objectName, 'read'),
      targetProviders: vault.vqlTargets,
    }
  }
  const describe = (request: FastifyRequest) => request.headers['x-vaultapi-describequery'] === 'true'

  app.post(
    '/query',
    { schema: { summary: 'Run a VQL query (form field q)', tags: ['vql'] } },
    async (request, reply) => {
      const { version } = request.params as { version: string }
      const q = param(request.body, 'q') ?? param(request.query, 'q')
      if (q === undefined)
        throw new LiaisonError('PARAMETER_MISSING', 'Send the VQL query in the form field q.')
      const pagesize = whole(param(request.query, 'pagesize'), 'pagesize')
      const pageoffset = whole(param(request.query, 'pageoffset'), 'pageoffset')
      const response = await runVql(context(request), {
        q,
        apiVersion: version,
        describe: describe(request),
        ...(pagesize === undefined ? {} : { pagesize }),
        ...(pageoffset === undefined ? {} : { pageoffset }),
      })
      return send(reply, response as unknown as Record<string, unknown>)
    },
  )

  app.post(
    '/query/:cursor',
    { schema: { summary: 'Fetch another page of a VQL result (next_page / previous_page)', tags: ['vql'] } },
    async (request, reply) => {
      const { version, cursor } = request.params as { version: string; cursor: string }
      const pagesize = whole(param(request.query, 'pagesize'), 'pagesize')
      const pageoffset = whole(param(request.query, 'pageoffset'), 'pageoffset')
      const response = await runVqlPage(context(request), cursor, {
        apiVersion: version,
        describe: describe(request),
        ...(pagesize === undefined ? {} : { pagesize }),
        ...(pageoffset === undefined ? {} : { pageoffset }),
      })
      return send(reply, response as unknown as Record<string, unknown>)
    },
  )
}

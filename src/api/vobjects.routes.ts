import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readRecordAudit } from '../platform/audit/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { auditEntryBody, bulkBody, send, sessionOf } from './envelope.js'
import { readIds, readRecordInput } from './record-input.js'

interface ObjectParams {
  version: string
  object: string
}

function optionalString(query: unknown, key: string): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined
  const value = (query as Record<string, unknown>)[key]
  return typeof value === 'string' && value !== '' ? value : undefined
}

function boundedInt(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LiaisonError('FIELD_TYPE', `${name} must be a whole number from ${min} to ${max}.`)
  return n
}

/** Object records: bulk create/upsert/update/delete, one record, lifecycle actions, audit trail. */
export async function vobjectsRoutes(app: FastifyInstance): Promise<void> {
  const records = () => app.vault.records
  const urlOf = (version: string, object: string) => (id: string) =>
    `/api/${version}/vobjects/${object}/${id}`

  /** Create/upsert and update share their input handling; only the record service call differs. */
  const bulkWrite =
    (write: 'create' | 'update') =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const { version, object } = request.params as ObjectParams
      app.vault.metadata.object(object)
      const input = readRecordInput(request)
      const idParam = optionalString(request.query, 'idParam')
      const results = await records()[write](sessionOf(request).actor, object, input.records, {
        origin: input.origin,
        ...(idParam === undefined ? {} : { idParam }),
      })
      return send(reply, bulkBody(results, urlOf(version, object)))
    }

  app.post(
    '/vobjects/:object',
    { schema: { summary: 'Create or upsert (idParam) up to 500 records', tags: ['records'] } },
    bulkWrite('create'),
  )
  app.put(
    '/vobjects/:object',
    { schema: { summary: 'Update up to 500 records', tags: ['records'] } },
    bulkWrite('update'),
  )

  app.delete(
    '/vobjects/:object',
    { schema: { summary: 'Delete up to 500 records', tags: ['records'] } },
    async (request, reply) => {
      const { version, object } = request.params as ObjectParams
      app.vault.metadata.object(object)
      const results = await records().delete(sessionOf(request).actor, object, readIds(request))
      return send(reply, bulkBody(results, urlOf(version, object)))
    },
  )

  app.get(
    '/vobjects/:object/:id',
    { schema: { summary: 'Retrieve one record', tags: ['records'] } },
    async (request, reply) => {
      const { version, object, id } = request.params as ObjectParams & { id: string }
      const data = await records().getRecord(sessionOf(request).actor, object, id)
      const compiled = app.vault.metadata.object(object)
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: {
          url: urlOf(version, object)(id),
          object: {
            name: compiled.name,
            label: compiled.label,
            label_plural: compiled.definition.labelPlural,
            prefix: compiled.prefix,
          },
        },
        data,
      })
    },
  )

  app.get(
    '/vobjects/:object/:id/actions',
    { schema: { summary: 'List the actions available on a record', tags: ['records'] } },
    async (request, reply) => {
      const { version, object, id } = request.params as ObjectParams & { id: string }
      const actions = await records().availableActions(sessionOf(request).actor, object, id)
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: actions.map((a) => ({
          ...a,
          links: [
            {
              rel: 'execute',
              href: `/api/${version}/vobjects/${object}/${id}/actions/${a.name}`,
              method: 'POST',
            },
          ],
        })),
      })
    },
  )

  app.post(
    '/vobjects/:object/:id/actions/:action',
    { schema: { summary: 'Run an action on one record', tags: ['records'] } },
    async (request, reply) => {
      const { version, object, id, action } = request.params as ObjectParams & { id: string; action: string }
      const [result] = await records().runAction(sessionOf(request).actor, object, [id], action)
      if (result?.responseStatus === 'FAILURE')
        return send(reply, { responseStatus: 'FAILURE', errors: result.errors ?? [] })
      return send(reply, { responseStatus: 'SUCCESS', data: { id, url: urlOf(version, object)(id) } })
    },
  )

  app.post(
    '/vobjects/:object/actions/:action',
    { schema: { summary: 'Run an action on up to 500 records (form field ids)', tags: ['records'] } },
    async (request, reply) => {
      const { version, object, action } = request.params as ObjectParams & { action: string }
      app.vault.metadata.object(object)
      const results = await records().runAction(sessionOf(request).actor, object, readIds(request), action)
      return send(reply, bulkBody(results, urlOf(version, object)))
    },
  )

  app.get(
    '/vobjects/:object/:id/audittrail',
    { schema: { summary: 'Audit history of one record', tags: ['records'] } },
    async (request, reply) => {
      const { object, id } = request.params as ObjectParams & { id: string }
      const compiled = app.vault.metadata.object(object)
      records().assertAccess(sessionOf(request).actor, object, 'read')
      const limit = boundedInt(optionalString(request.query, 'limit'), 'limit', 200, 1, 1000)
      const offset = boundedInt(
        optionalString(request.query, 'offset'),
        'offset',
        0,
        0,
        Number.MAX_SAFE_INTEGER,
      )
      const events = optionalString(request.query, 'events')
      const startDate = optionalString(request.query, 'start_date')
      const endDate = optionalString(request.query, 'end_date')
      const { total, entries } = await readRecordAudit(app.vault.storage.db, {
        objectName: compiled.name,
        recordId: id,
        limit,
        offset,
        ...(events === undefined ? {} : { events: events.split(',').map((e) => e.trim()) }),
        ...(startDate === undefined ? {} : { startDate }),
        ...(endDate === undefined ? {} : { endDate }),
      })
      const labelOf = (name: string | null) =>
        name === null ? null : (compiled.fieldByName.get(name)?.label ?? name)
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: {
          total,
          size: entries.length,
          limit,
          offset,
          object: { name: compiled.name, label: compiled.label },
        },
        data: entries.map((e) => ({
          ...auditEntryBody(e),
          item: compiled.name,
          record_id: e.record_id,
          field_label: labelOf(e.field_name),
        })),
      })
    },
  )
}

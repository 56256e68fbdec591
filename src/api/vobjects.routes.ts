import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { readRecordAudit } from '../platform/audit/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import type { AvailableAction } from '../platform/records/index.js'
import { auditEntryBody, bulkBody, send } from './envelope.js'
import { ERRORS, envelopeResponse, openObject, WARNINGS } from './envelope-schema.js'
import { sessionOf } from './guards.js'
import { shortActionName, vaultActionName, vaultActionType } from './object-action-names.js'
import { IDS_BODY, RECORDS_BODY, readIds, readRecordInput } from './record-input.js'
import { pathParams } from './request-schemas.js'

const OBJECT = Type.String({
  description: 'Object API name, e.g. case_contact__v.',
  examples: ['case_contact__v'],
})
const RECORD_ID = Type.String({ description: 'Record id.', examples: ['V0M000000001001'] })
const ACTION = Type.String({
  description:
    "Action name: Vault's (Objectlifecyclestateuseraction.case__v.new_state__v.start__v) or short (start__v).",
  examples: ['start__v'],
})

const ACTION_ANSWER = openObject({
  name: Type.String({
    description: 'Objectaction.{object}.{action} or Objectlifecyclestateuseraction.{object}.{state}.{action}',
  }),
  label: Type.String(),
  type: Type.String({ description: 'object_action or state_change' }),
  links: Type.Array(openObject({ rel: Type.String(), href: Type.String(), method: Type.String() })),
})
const ACTION_EXAMPLE = {
  name: 'Objectlifecyclestateuseraction.case__v.new_state__v.start__v',
  label: 'Start',
  type: 'state_change',
  links: [
    {
      rel: 'metadata',
      href: '/api/v25.2/vobjects/case__v/V0C000000000101/actions/Objectlifecyclestateuseraction.case__v.new_state__v.start__v',
      method: 'GET',
      accept: 'application/json',
    },
    {
      rel: 'execute',
      href: '/api/v25.2/vobjects/case__v/V0C000000000101/actions/Objectlifecyclestateuseraction.case__v.new_state__v.start__v',
      method: 'POST',
      accept: 'application/json',
    },
  ],
}

const BULK_QUERY = Type.Object({
  idParam: Type.Optional(
    Type.String({ minLength: 1, description: 'A unique field to upsert by, e.g. external_id__v.' }),
  ),
})

const BULK_ANSWER = envelopeResponse(
  {
    data: Type.Array(
      openObject({
        responseStatus: Type.String(),
        data: openObject({
          id: Type.String(),
          url: Type.String(),
          event: Type.String({ description: 'Upserts: created__sys or updated__sys.' }),
        }),
        errors: ERRORS,
        warnings: WARNINGS,
      }),
      { description: 'One result per record, in input order.' },
    ),
  },
  {
    responseStatus: 'SUCCESS',
    data: [
      {
        responseStatus: 'SUCCESS',
        data: { id: 'V0M000000001001', url: '/api/v25.2/vobjects/case_contact__v/V0M000000001001' },
      },
      {
        responseStatus: 'FAILURE',
        errors: [{ type: 'INVALID_DATA', message: 'Unknown field nonsense__c.' }],
      },
    ],
  },
)

const AUDIT_QUERY = Type.Object({
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'Entries per page. (Default: 200)' }),
  ),
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'Entries to skip. (Default: 0)',
    }),
  ),
  events: Type.Optional(Type.String({ description: 'Comma-separated actions, e.g. Create,Edit.' })),
  start_date: Type.Optional(Type.String({ description: 'Earliest timestamp, ISO 8601.' })),
  end_date: Type.Optional(Type.String({ description: 'Latest timestamp, ISO 8601.' })),
})

/** Object records: bulk create/upsert/update/delete, one record, lifecycle actions, audit trail. */
export async function vobjectsRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const records = () => app.vault.records
  const urlOf = (version: string, object: string) => (id: string) =>
    `/api/${version}/vobjects/${object}/${id}`

  // Create/upsert and update share their input handling; only the record service call differs.
  for (const [method, write, summary] of [
    ['POST', 'create', 'Create or upsert (idParam) up to 500 records'],
    ['PUT', 'update', 'Update up to 500 records (each with id, or idParam given)'],
  ] as const)
    app.route({
      method,
      url: '/vobjects/:object',
      schema: {
        summary,
        tags: ['records'],
        consumes: ['application/json', 'text/csv'],
        params: pathParams({ object: OBJECT }),
        querystring: BULK_QUERY,
        body: RECORDS_BODY,
        response: BULK_ANSWER,
      },
      handler: async (request, reply) => {
        const { version, object } = request.params
        app.vault.metadata.object(object)
        const input = readRecordInput(request, request.body)
        const { idParam } = request.query
        const results = await records()[write](sessionOf(request).actor, object, input.records, {
          origin: input.origin,
          ...(idParam === undefined ? {} : { idParam }),
        })
        return send(reply, bulkBody(results, urlOf(version, object)))
      },
    })

  app.delete(
    '/vobjects/:object',
    {
      schema: {
        summary: 'Delete up to 500 records',
        tags: ['records'],
        consumes: ['application/json', 'text/csv', 'application/x-www-form-urlencoded'],
        params: pathParams({ object: OBJECT }),
        body: IDS_BODY,
        response: BULK_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, object } = request.params
      app.vault.metadata.object(object)
      const results = await records().delete(sessionOf(request).actor, object, readIds(request, request.body))
      return send(reply, bulkBody(results, urlOf(version, object)))
    },
  )

  app.get(
    '/vobjects/:object/:id',
    {
      schema: {
        summary: 'Retrieve one record',
        tags: ['records'],
        params: pathParams({ object: OBJECT, id: RECORD_ID }),
        response: envelopeResponse(
          {
            responseDetails: openObject({ url: Type.String(), object: openObject() }),
            data: openObject({}, { description: 'The record: field name → value.' }),
          },
          {
            responseStatus: 'SUCCESS',
            responseDetails: {
              url: '/api/v25.2/vobjects/case_contact__v/V0M000000001001',
              object: {
                name: 'case_contact__v',
                label: 'Case Contact',
                label_plural: 'Case Contacts',
                prefix: 'V0M',
              },
            },
            data: { id: 'V0M000000001001', name__v: 'Ada Lovelace', status__v: ['active__v'] },
          },
        ),
      },
    },
    async (request, reply) => {
      const { version, object, id } = request.params
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

  const actionLinks = (version: string, object: string, id: string, name: string) => {
    const href = `/api/${version}/vobjects/${object}/${id}/actions/${name}`
    return [
      { rel: 'metadata', href, method: 'GET', accept: 'application/json' },
      { rel: 'execute', href, method: 'POST', accept: 'application/json' },
    ]
  }
  const actionBody = (version: string, object: string, id: string, action: AvailableAction) => {
    const name = vaultActionName(object, action)
    return {
      name,
      label: action.label,
      type: vaultActionType(action),
      links: actionLinks(version, object, id, name),
    }
  }

  app.get(
    '/vobjects/:object/:id/actions',
    {
      schema: {
        summary: 'Retrieve Object Record User Actions',
        tags: ['records'],
        params: pathParams({ object: OBJECT, id: RECORD_ID }),
        response: envelopeResponse(
          { data: Type.Array(ACTION_ANSWER) },
          { responseStatus: 'SUCCESS', data: [ACTION_EXAMPLE] },
        ),
      },
    },
    async (request, reply) => {
      const { version, object, id } = request.params
      const actions = await records().availableActions(sessionOf(request).actor, object, id)
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: actions.map((a) => actionBody(version, object, id, a)),
      })
    },
  )

  app.get(
    '/vobjects/:object/:id/actions/:action',
    {
      schema: {
        summary: 'Retrieve Object User Action Details',
        description:
          'The action by its Vault name (Objectaction.…, Objectlifecyclestateuseraction.…) or short name.',
        tags: ['records'],
        params: pathParams({ object: OBJECT, id: RECORD_ID, action: ACTION }),
        response: envelopeResponse(
          { data: ACTION_ANSWER },
          { responseStatus: 'SUCCESS', data: ACTION_EXAMPLE },
        ),
      },
    },
    async (request, reply) => {
      const { version, object, id, action } = request.params
      app.vault.metadata.object(object)
      const short = shortActionName(object, action)
      const actions = await records().availableActions(sessionOf(request).actor, object, id)
      const found = actions.find((a) => a.name === short)
      if (found === undefined)
        throw new LiaisonError(
          'ACTION_UNKNOWN',
          `Record ${id} of ${object} offers no action ${action} to you now${actions.length === 0 ? '' : `; it offers ${actions.map((a) => vaultActionName(object, a)).join(', ')}`}.`,
        )
      return send(reply, { responseStatus: 'SUCCESS', data: actionBody(version, object, id, found) })
    },
  )

  app.post(
    '/vobjects/:object/:id/actions/:action',
    {
      schema: {
        summary: 'Initiate Object Action on a Single Record',
        description:
          'The action by its Vault name (Objectaction.…, Objectlifecyclestateuseraction.…) or short name.',
        tags: ['records'],
        params: pathParams({ object: OBJECT, id: RECORD_ID, action: ACTION }),
        response: envelopeResponse(
          { data: openObject({ id: Type.String(), url: Type.String() }) },
          {
            responseStatus: 'SUCCESS',
            data: { id: 'V0C000000000101', url: '/api/v25.2/vobjects/case__v/V0C000000000101' },
          },
        ),
      },
    },
    async (request, reply) => {
      const { version, object, id, action } = request.params
      const short = shortActionName(object, action)
      const [result] = await records().runAction(sessionOf(request).actor, object, [id], short)
      if (result?.responseStatus === 'FAILURE')
        return send(reply, { responseStatus: 'FAILURE', errors: result.errors ?? [] })
      return send(reply, { responseStatus: 'SUCCESS', data: { id, url: urlOf(version, object)(id) } })
    },
  )

  app.post(
    '/vobjects/:object/actions/:action',
    {
      schema: {
        summary: 'Run an action on up to 500 records (form field ids)',
        tags: ['records'],
        consumes: ['application/x-www-form-urlencoded', 'application/json', 'text/csv'],
        params: pathParams({ object: OBJECT, action: ACTION }),
        body: IDS_BODY,
        response: BULK_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, object, action } = request.params
      app.vault.metadata.object(object)
      const ids = readIds(request, request.body)
      const results = await records().runAction(
        sessionOf(request).actor,
        object,
        ids,
        shortActionName(object, action),
      )
      return send(reply, bulkBody(results, urlOf(version, object)))
    },
  )

  app.get(
    '/vobjects/:object/:id/audittrail',
    {
      schema: {
        summary: 'Audit history of one record',
        tags: ['records'],
        params: pathParams({ object: OBJECT, id: RECORD_ID }),
        querystring: AUDIT_QUERY,
        response: envelopeResponse(
          {
            responseDetails: openObject({
              total: Type.Integer(),
              size: Type.Integer(),
              limit: Type.Integer(),
              offset: Type.Integer(),
              object: openObject(),
            }),
            data: Type.Array(openObject()),
          },
          {
            responseStatus: 'SUCCESS',
            responseDetails: {
              total: 1,
              size: 1,
              limit: 200,
              offset: 0,
              object: { name: 'case_contact__v', label: 'Case Contact' },
            },
            data: [
              {
                id: '1',
                timestamp: '2025-05-01T09:30:00.000Z',
                user_name: 'agent@medical.liaison.local',
                action: 'Edit',
                field_name: 'first_name__v',
                field_label: 'First Name',
                old_value: 'Katherine',
                new_value: 'Kate',
                item: 'case_contact__v',
                record_id: 'V0M000000001001',
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const { object, id } = request.params
      const compiled = app.vault.metadata.object(object)
      records().assertAccess(sessionOf(request).actor, object, 'read')
      const { limit = 200, offset = 0, events, start_date: startDate, end_date: endDate } = request.query
      const { total, entries } = await readRecordAudit(app.vault.storage.db, {
        objectName: compiled.name,
        recordId: id,
        limit,
        offset,
        ...(events === undefined || events === '' ? {} : { events: events.split(',').map((e) => e.trim()) }),
        ...(startDate === undefined || startDate === '' ? {} : { startDate }),
        ...(endDate === undefined || endDate === '' ? {} : { endDate }),
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

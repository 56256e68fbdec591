import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import {
  type AuditEntry,
  type AuditObjectFilter,
  readAuditTrail,
  readDeletions,
  readLoginAudit,
} from '../platform/audit/index.js'
import { DOCUMENTS_AUDIT_OBJECT } from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { pageDetails, readWindow, sendCsv, startOfPreviousDayMs, wantsCsv } from './audit-window.js'
import { documentAccess } from './document-form.js'
import { auditEntryBody, send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import type { RoutePermission } from './fastify-types.js'
import { sessionOf } from './guards.js'
import { pathParams } from './request-schemas.js'

/** Audit trails are the System Administrator's (Vault: the Audit Trail permission of Admin: Logs). */
const AUDIT_ADMIN: RoutePermission = { kind: 'admin', to: 'read the audit trails' }

const DAY_MS = 86_400_000
/** Vault keeps deleted ids 30 days; a read with no start_date looks back as far. */
const DELETIONS_DEFAULT_DAYS = 30

interface AuditField {
  readonly name: string
  readonly label: string
  readonly type: 'Number' | 'String' | 'DateTime'
}

const f = (name: string, label: string, type: AuditField['type'] = 'String'): AuditField => ({
  name,
  label,
  type,
})

/** The fields every record and document entry carries (auditEntryBody). */
const CHANGE_FIELDS: readonly AuditField[] = [
  f('id', 'ID', 'Number'),
  f('timestamp', 'Timestamp', 'DateTime'),
  f('user_id', 'User ID'),
  f('user_name', 'User Name'),
  f('action', 'Action'),
  f('object_name', 'Object Name'),
  f('field_name', 'Field Name'),
  f('old_value', 'Old Value'),
  f('new_value', 'New Value'),
  f('event_description', 'Event Description'),
  f('grouping_id', 'Grouping ID'),
  f('connection', 'Connection'),
  f('message_id', 'Message ID'),
]

/**
 * The audit trail types this vault keeps, as Vault names them. Documents are the `documents`
 * entries; objects every record's entries; system the platform's own objects (users, connections,
 * integration rules: the vault's configuration), which the object trail shows too; logins every
 * login attempt.
 */
const AUDIT_TRAIL_TYPES = {
  document_audit_trail: {
    label: 'Document Audit Trail',
    fields: [...CHANGE_FIELDS, f('doc_id', 'Document ID', 'Number')],
    objects: { in: [DOCUMENTS_AUDIT_OBJECT] },
  },
  object_audit_trail: {
    label: 'Object Audit Trail',
    fields: [
      ...CHANGE_FIELDS,
      f('item', 'Item'),
      f('record_id', 'Record ID'),
      f('object_label', 'Object Label'),
    ],
    objects: { notIn: [DOCUMENTS_AUDIT_OBJECT] },
  },
  system_audit_trail: {
    label: 'System Audit Trail',
    fields: [
      ...CHANGE_FIELDS,
      f('item', 'Item'),
      f('record_id', 'Record ID'),
      f('object_label', 'Object Label'),
    ],
    objects: { suffix: '__sys' },
  },
  login_audit_trail: {
    label: 'Login Audit Trail',
    fields: [
      f('id', 'ID', 'Number'),
      f('timestamp', 'Timestamp', 'DateTime'),
      f('user_name', 'User Name'),
      f('source_ip', 'Source IP'),
      f('type', 'Type'),
      f('status', 'Status'),
      f('browser', 'Browser'),
      f('platform', 'Platform'),
    ],
    objects: undefined,
  },
} as const satisfies Record<
  string,
  { label: string; fields: readonly AuditField[]; objects: AuditObjectFilter | undefined }
>
type AuditTrailType = keyof typeof AUDIT_TRAIL_TYPES

function auditTrailType(name: string): AuditTrailType {
  if (Object.hasOwn(AUDIT_TRAIL_TYPES, name)) return name as AuditTrailType
  throw new LiaisonError(
    'PARAMETER_INVALID',
    `"${name}" is not an audit trail type; this vault keeps ${Object.keys(AUDIT_TRAIL_TYPES).join(', ')} (GET /api/{version}/metadata/audittrail).`,
  )
}

const TYPE_PARAM = Type.String({ description: 'Audit trail type.', examples: ['login_audit_trail'] })
const PAGE = {
  offset: Type.Optional(
    Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: '(Default: 0)' }),
  ),
  start_date: Type.Optional(
    Type.String({ description: 'YYYY-MM-DDTHH:MM:SSZ (UTC); a date alone means midnight.' }),
  ),
  end_date: Type.Optional(Type.String({ description: 'YYYY-MM-DDTHH:MM:SSZ (UTC). (Default: now)' })),
}
const AUDIT_QUERY = Type.Object({
  ...PAGE,
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1000, description: 'Entries per page. (Default: 200)' }),
  ),
  events: Type.Optional(
    Type.String({ description: 'Comma-separated actions (documents, objects), e.g. Edit,Delete.' }),
  ),
  objects: Type.Optional(Type.String({ description: 'Comma-separated object names (object_audit_trail).' })),
  format_result: Type.Optional(
    Type.String({ description: 'csv: answer the page as CSV (also Accept: text/csv).' }),
  ),
})
const DELETIONS_QUERY = Type.Object({
  ...PAGE,
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 5000, description: 'Ids per page. (Default: 1000)' }),
  ),
})

const PAGED_ANSWER = {
  responseDetails: openObject({
    total: Type.Integer(),
    size: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    next_page: Type.Optional(Type.String()),
    previous_page: Type.Optional(Type.String()),
  }),
  data: Type.Array(openObject()),
}

const commaList = (value: string | undefined): string[] | undefined =>
  value === undefined || value.trim() === ''
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')

/** Audit trail types and details, deleted record and document ids (incremental sync). */
export async function auditRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const db = () => app.vault.storage.db
  const now = () => app.vault.clock.now()

  app.get(
    '/metadata/audittrail',
    {
      config: { permission: AUDIT_ADMIN },
      schema: {
        summary: 'Retrieve Audit Types',
        tags: ['audit'],
        params: pathParams({}),
        response: envelopeResponse(
          {
            audittrail: Type.Array(
              openObject({ name: Type.String(), label: Type.String(), url: Type.String() }),
            ),
          },
          {
            responseStatus: 'SUCCESS',
            audittrail: [
              {
                name: 'login_audit_trail',
                label: 'Login Audit Trail',
                url: '/api/v25.2/metadata/audittrail/login_audit_trail',
              },
            ],
          },
        ),
      },
    },
    async (request, reply) =>
      send(reply, {
        responseStatus: 'SUCCESS',
        audittrail: Object.entries(AUDIT_TRAIL_TYPES).map(([name, t]) => ({
          name,
          label: t.label,
          url: `/api/${request.params.version}/metadata/audittrail/${name}`,
        })),
      }),
  )

  app.get(
    '/metadata/audittrail/:type',
    {
      config: { permission: AUDIT_ADMIN },
      schema: {
        summary: 'Retrieve Audit Metadata',
        tags: ['audit'],
        params: pathParams({ type: TYPE_PARAM }),
        response: envelopeResponse(
          {
            data: openObject({ name: Type.String(), label: Type.String(), fields: Type.Array(openObject()) }),
          },
          {
            responseStatus: 'SUCCESS',
            data: {
              name: 'login_audit_trail',
              label: 'Login Audit Trail',
              fields: [{ name: 'source_ip', label: 'Source IP', type: 'String' }],
            },
          },
        ),
      },
    },
    async (request, reply) => {
      const type = auditTrailType(request.params.type)
      const { label, fields } = AUDIT_TRAIL_TYPES[type]
      return send(reply, { responseStatus: 'SUCCESS', data: { name: type, label, fields } })
    },
  )

  app.get(
    '/audittrail/:type',
    {
      config: { permission: AUDIT_ADMIN },
      schema: {
        summary: 'Retrieve Audit Details',
        description:
          'One page of an audit trail in a window of at most the last 30 days (default: from the start of the previous day to now). format_result=csv or Accept: text/csv answers the page as CSV at once (Vault starts a job instead).',
        tags: ['audit'],
        params: pathParams({ type: TYPE_PARAM }),
        querystring: AUDIT_QUERY,
        response: envelopeResponse(PAGED_ANSWER, {
          responseStatus: 'SUCCESS',
          responseDetails: {
            total: 1,
            size: 1,
            limit: 200,
            offset: 0,
            object: {
              name: 'login_audit_trail',
              label: 'Login Audit Trail',
              url: '/api/v25.2/metadata/audittrail/login_audit_trail',
            },
          },
          data: [
            {
              id: '1',
              timestamp: '2026-01-15T07:00:00.000Z',
              user_name: 'admin@medical.liaison.local',
              source_ip: '127.0.0.1',
              type: 'User Login',
              status: 'Success',
              browser: 'Unknown',
              platform: 'Unknown',
            },
          ],
        }),
      },
    },
    async (request, reply) => {
      const { version } = request.params
      const type = auditTrailType(request.params.type)
      const definition = AUDIT_TRAIL_TYPES[type]
      const nowMs = now()
      const page = readWindow(request.query, {
        nowMs,
        defaultStartMs: startOfPreviousDayMs(nowMs),
        defaultLimit: 200,
        enforceLookback: true,
      })
      const events = commaList(request.query.events)
      const objectNames = commaList(request.query.objects)
      let total: number
      let data: Record<string, unknown>[]
      if (definition.objects === undefined) {
        const read = await readLoginAudit(db(), page)
        total = read.total
        data = read.entries.map((e) => ({
          id: String(e.id),
          timestamp: e.timestamp,
          user_name: e.user_name,
          source_ip: e.source_ip,
          type: 'User Login',
          status: e.status,
          browser: 'Unknown',
          platform: 'Unknown',
        }))
      } else {
        const filter: AuditObjectFilter =
          objectNames === undefined || type !== 'object_audit_trail'
            ? definition.objects
            : { ...definition.objects, in: objectNames }
        const read = await readAuditTrail(db(), page, filter, events)
        total = read.total
        data = read.entries.map((e) => entryBody(type, e))
      }
      const path = `/api/${version}/audittrail/${type}`
      if (wantsCsv(request, request.query.format_result))
        return sendCsv(
          reply,
          `${type}.csv`,
          definition.fields.map((field) => field.name),
          data,
        )
      const extra: Record<string, string> = {
        ...(events === undefined ? {} : { events: events.join(',') }),
        ...(objectNames === undefined ? {} : { objects: objectNames.join(',') }),
      }
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: {
          ...pageDetails(path, page, total, data.length, extra),
          object: { name: type, label: definition.label, url: `/api/${version}/metadata/audittrail/${type}` },
        },
        data,
      })
    },
  )

  const entryBody = (type: AuditTrailType, e: AuditEntry): Record<string, unknown> => {
    if (type === 'document_audit_trail') return { ...auditEntryBody(e), doc_id: Number(e.record_id) }
    const label = app.vault.metadata.current.objectByName.get(e.object_name)?.label ?? e.object_name
    return { ...auditEntryBody(e), item: e.object_name, record_id: e.record_id, object_label: label }
  }

  app.get(
    '/objects/deletions/vobjects/:object',
    {
      schema: {
        summary: 'Retrieve Deleted Object Record ID',
        description:
          'Ids of records of the object deleted in a window (default: the last 30 days), oldest first, from the audit trail.',
        tags: ['records'],
        params: pathParams({
          object: Type.String({ description: 'Object API name.', examples: ['case__v'] }),
        }),
        querystring: DELETIONS_QUERY,
        response: envelopeResponse(PAGED_ANSWER, {
          responseStatus: 'SUCCESS',
          responseDetails: { total: 1, size: 1, limit: 1000, offset: 0 },
          data: [{ id: 'V0M000000001001', date_deleted: '2026-01-15T07:00:00.000Z' }],
        }),
      },
    },
    async (request, reply) => {
      const { version, object } = request.params
      const compiled = app.vault.metadata.object(object)
      app.vault.records.assertAccess(sessionOf(request).actor, compiled.name, 'read')
      const page = deletionWindow(request.query)
      const { total, deletions } = await readDeletions(db(), compiled.name, page)
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: pageDetails(
          `/api/${version}/objects/deletions/vobjects/${compiled.name}`,
          page,
          total,
          deletions.length,
        ),
        data: deletions,
      })
    },
  )

  const deletionWindow = (query: {
    start_date?: string | undefined
    end_date?: string | undefined
    limit?: number | undefined
    offset?: number | undefined
  }) => {
    const nowMs = now()
    return readWindow(query, {
      nowMs,
      defaultStartMs: nowMs - DELETIONS_DEFAULT_DAYS * DAY_MS,
      defaultLimit: 1000,
      enforceLookback: false,
    })
  }

  // Vault's path is /objects/deletions/documents; clients also call /objects/documents/deletions,
  // which must not be read as the document id "deletions" (a static route wins over :id).
  for (const url of ['/objects/deletions/documents', '/objects/documents/deletions'])
    app.get(
      url,
      {
        config: documentAccess('read'),
        schema: {
          summary: 'Retrieve Deleted Document IDs',
          description: 'Documents deleted in a window (default: the last 30 days), oldest first.',
          tags: ['documents'],
          params: pathParams({}),
          querystring: DELETIONS_QUERY,
          response: envelopeResponse(PAGED_ANSWER, {
            responseStatus: 'SUCCESS',
            responseDetails: { total: 1, size: 1, limit: 1000, offset: 0 },
            data: [
              {
                id: 101,
                major_version_number__v: '',
                minor_version_number__v: '',
                date_deleted: '2026-01-15T07:00:00.000Z',
                global_id__sys: '1001_101',
                global_version_id__sys: '',
                external_id__v: null,
                deletion_type: 'document__sys',
              },
            ],
          }),
        },
      },
      async (request, reply) => {
        const page = deletionWindow(request.query)
        const { total, deletions } = await readDeletions(db(), DOCUMENTS_AUDIT_OBJECT, page)
        const vaultId = String(app.vault.id)
        return send(reply, {
          responseStatus: 'SUCCESS',
          responseDetails: pageDetails(`/api/${request.params.version}${url}`, page, total, deletions.length),
          data: deletions.map((d) => ({
            id: Number(d.id),
            major_version_number__v: '',
            minor_version_number__v: '',
            date_deleted: d.date_deleted,
            global_id__sys: `${vaultId}_${d.id}`,
            global_version_id__sys: '',
            external_id__v: null,
            deletion_type: 'document__sys',
          })),
        })
      },
    )
}

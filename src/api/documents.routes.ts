import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { clmMetricsReport, connectionSideOf } from '../connection/index.js'
import { DOCUMENT_FILES_PER_CALL_MAX } from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { sendDocumentFile, sendDocumentFiles } from './document-file-reply.js'
import { DOCUMENT_FORM_TYPES, documentAccess, documentFields, readDocumentForm } from './document-form.js'
import {
  AUDIT_ANSWER,
  AUDIT_QUERY,
  DOCUMENT_ACTION_PARAMS,
  DOCUMENT_FIELDS,
  DOCUMENT_FORM,
  DOCUMENT_PARAMS,
  FILES_QUERY,
  filesResponse,
  idAnswer,
  LIST_ANSWER,
  LIST_QUERY,
  parseVersionIds,
  RENDITIONS_ANSWER,
  VERSION_PARAMS,
  VERSIONS_ANSWER,
  VIEW_ANSWER,
} from './document-schemas.js'
import { viewBody } from './document-view.js'
import { auditEntryBody, send } from './envelope.js'
import { envelopeResponse, fileResponse, openObject } from './envelope-schema.js'
import { sessionOf } from './guards.js'
import { pathParams } from './request-schemas.js'

/** Documents per page of GET /objects/documents, as in Vault. */
const DOCUMENT_PAGE_MAX = 200

/** Audit entries per page of GET /objects/documents/{id}/audittrail. */
const AUDIT_PAGE_MAX = 1000

const PDF_EXAMPLE = '%PDF-1.4 …'

/** Documents: create (file, placeholder or CrossLink), read, update, new versions, lifecycle actions, files, audit. */
export async function documentRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const documents = () => app.vault.documents

  app.post(
    '/objects/documents',
    {
      config: documentAccess('create'),
      preValidation: readDocumentForm,
      schema: {
        summary: 'Create a document (multipart: file, name__v, type__v, lifecycle__v, fields)',
        description:
          'Without a file the document is a placeholder; with source_vault_id__v and source_document_id__v (CRM document types) a CrossLink.',
        tags: ['documents'],
        consumes: DOCUMENT_FORM_TYPES,
        params: pathParams({}),
        body: DOCUMENT_FORM,
        response: idAnswer({ responseMessage: 'successfully created document', id: 1 }),
      },
    },
    async (request, reply) => {
      const file = request.upload
      const id = await documents().create(sessionOf(request).actor, {
        fields: documentFields(request.body),
        ...(file === undefined ? {} : { file }),
      })
      return send(reply, { responseStatus: 'SUCCESS', responseMessage: 'successfully created document', id })
    },
  )

  app.get(
    '/objects/documents',
    {
      schema: {
        summary: 'Retrieve all documents (latest versions), by id; start and limit (at most 200) page them',
        tags: ['documents'],
        params: pathParams({}),
        querystring: LIST_QUERY,
        response: LIST_ANSWER,
      },
    },
    async (request, reply) => {
      const limit = Math.min(DOCUMENT_PAGE_MAX, request.query.limit ?? DOCUMENT_PAGE_MAX)
      const start = request.query.start ?? 0
      const { version } = request.params
      const page = await documents().list({ start, limit })
      return send(reply, {
        responseStatus: 'SUCCESS',
        size: page.documents.length,
        start,
        limit,
        total: page.total,
        ...(start + page.documents.length < page.total
          ? { next_page: `/api/${version}/objects/documents?start=${start + limit}&limit=${limit}` }
          : {}),
        documents: page.documents.map((document) => ({ document })),
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions',
    {
      schema: {
        summary: 'Retrieve the versions of a document',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: VERSIONS_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, id } = request.params
      const { versions } = viewBody(version, id, await documents().get(id))
      return send(reply, { responseStatus: 'SUCCESS', versions })
    },
  )

  app.get(
    '/objects/documents/:id/renditions',
    {
      schema: {
        summary: 'Retrieve the rendition types of a document (latest version)',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: RENDITIONS_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, id } = request.params
      const view = await documents().get(id)
      return send(reply, {
        responseStatus: 'SUCCESS',
        renditionTypes: view.renditions,
        renditions: viewBody(version, id, view).renditions,
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor/lifecycle_actions',
    {
      schema: {
        summary: 'Retrieve the lifecycle actions of a version and whether each can run now',
        tags: ['documents'],
        params: VERSION_PARAMS,
        response: envelopeResponse(
          { lifecycle_actions__v: Type.Array(openObject()) },
          {
            responseStatus: 'SUCCESS',
            lifecycle_actions__v: [
              {
                name__v: 'submit__v',
                label__v: 'Submit',
                lifecycle_action_type__v: 'stateChange',
                lifecycle__v: 'medical_content_lifecycle__v',
                state__v: 'draft__v',
                target_state__v: 'in_review__v',
                executable__v: true,
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const { id, major, minor } = request.params
      const view = await documents().getVersion(id, major, minor)
      const actions = await documents().lifecycleActions(id, { major, minor })
      return send(reply, {
        responseStatus: 'SUCCESS',
        lifecycle_actions__v: actions.map((a) => ({
          name__v: a.name,
          label__v: a.label,
          lifecycle_action_type__v: 'stateChange',
          lifecycle__v: view.document.lifecycle__v,
          state__v: view.document.state__v,
          target_state__v: a.to,
          executable__v: a.executable,
        })),
      })
    },
  )

  app.get(
    '/objects/documents/:id',
    {
      schema: {
        summary: 'Retrieve a document (latest version)',
        description:
          '`include=metrics` adds `clm_content_metrics`: the CLM Content Metrics of a presentation or slide added across CRMs (B21), as the report answers them.',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        querystring: Type.Object({
          include: Type.Optional(
            Type.String({ enum: ['metrics'], description: 'metrics: add the CLM Content Metrics.' }),
          ),
        }),
        response: VIEW_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, id } = request.params
      const body = viewBody(version, id, await documents().get(id))
      if (request.query.include !== 'metrics') return send(reply, body)
      if (connectionSideOf(app.vault.profile.name) !== 'medical')
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          'CLM Content Metrics of documents are kept by the Medical Vault: ask it for the Medical document.',
        )
      const report = await clmMetricsReport(app.vault.storage.db, id, 'none')
      return send(reply, {
        ...body,
        clm_content_metrics: { object_type__v: report.objectType ?? null, ...report.rows[0] },
      })
    },
  )

  app.put(
    '/objects/documents/:id',
    {
      config: documentAccess('edit'),
      schema: {
        summary: 'Update fields of the latest version',
        tags: ['documents'],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        params: DOCUMENT_PARAMS,
        body: DOCUMENT_FIELDS,
        response: idAnswer({ id: 1 }),
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const outcome = await documents().update(sessionOf(request).actor, id, documentFields(request.body))
      if (outcome === 'unchanged')
        return send(reply, {
          responseStatus: 'WARNING',
          warnings: [{ warning_type: 'NO_DATA_CHANGES', message: `Document ${id} had no changes.` }],
          id,
        })
      return send(reply, { responseStatus: 'SUCCESS', id })
    },
  )

  app.post(
    '/objects/documents/:id',
    {
      config: documentAccess('edit'),
      preValidation: readDocumentForm,
      schema: {
        summary: 'Create the next minor version from an uploaded file',
        tags: ['documents'],
        consumes: ['multipart/form-data'],
        params: DOCUMENT_PARAMS,
        body: DOCUMENT_FORM,
        response: idAnswer({
          responseMessage: 'New draft successfully created',
          major_version_number__v: 0,
          minor_version_number__v: 2,
        }),
      },
    },
    async (request, reply) => {
      const file = request.upload
      if (file === undefined)
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send the new version\'s file as the multipart part "file".',
        )
      const next = await documents().addVersion(sessionOf(request).actor, request.params.id, file)
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseMessage: 'New draft successfully created',
        major_version_number__v: next.major,
        minor_version_number__v: next.minor,
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor',
    {
      schema: {
        summary: 'Retrieve one version of a document',
        tags: ['documents'],
        params: VERSION_PARAMS,
        response: VIEW_ANSWER,
      },
    },
    async (request, reply) => {
      const { version, id, major, minor } = request.params
      return send(reply, viewBody(version, id, await documents().getVersion(id, major, minor)))
    },
  )

  app.post(
    '/objects/documents/:id/actions/:action',
    {
      // A document action makes documents (create_presentation__v makes a binder and its slides).
      config: documentAccess('create'),
      schema: {
        summary: 'Run a document action (create_presentation__v: a binder of one-page slides from a PDF)',
        tags: ['documents'],
        params: DOCUMENT_ACTION_PARAMS,
        response: envelopeResponse({}, { responseStatus: 'SUCCESS', binder_id: 12 }),
      },
    },
    async (request, reply) => {
      const { id, action } = request.params
      const answer = await documents().runDocumentAction(sessionOf(request).actor, id, action)
      return send(reply, { responseStatus: 'SUCCESS', ...answer })
    },
  )

  app.put(
    '/objects/documents/:id/versions/:major/:minor/lifecycle_actions/:action',
    {
      config: documentAccess('edit'),
      schema: {
        summary: 'Run a lifecycle action on a document version',
        tags: ['documents'],
        params: pathParams({
          ...VERSION_PARAMS.properties,
          action: Type.String({ description: 'Lifecycle action, e.g. submit__v.', examples: ['submit__v'] }),
        }),
        response: idAnswer({ id: 1, major_version_number__v: 0, minor_version_number__v: 2 }),
      },
    },
    async (request, reply) => {
      const { id, major, minor, action } = request.params
      const result = await documents().runAction(sessionOf(request).actor, id, { major, minor }, action)
      return send(reply, {
        responseStatus: 'SUCCESS',
        id,
        major_version_number__v: result.major,
        minor_version_number__v: result.minor,
      })
    },
  )

  app.get(
    '/objects/documents/:id/file',
    {
      // People read every document; a connected vault only what its connection is granted.
      config: { permission: { kind: 'object', object: 'documents', access: 'read' } },
      schema: {
        summary: 'Download the source file of the latest version',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: fileResponse('The source file, with its own Content-Type.', PDF_EXAMPLE),
      },
    },
    async (request, reply) => sendDocumentFile(reply, await documents().readFile(request.params.id)),
  )

  app.get(
    '/objects/documents/batch/files',
    {
      // As the single download: a batch reads nothing one download of each version could not.
      config: { permission: { kind: 'object', object: 'documents', access: 'read' } },
      schema: {
        summary: `Download the source files of several versions at once (at most ${DOCUMENT_FILES_PER_CALL_MAX}), multipart/mixed`,
        description:
          "A Liaison extension (Vault has no synchronous batch download): versions is a comma-separated list of version ids {id}_{major}_{minor}. The answer has one part per version, in the order asked: the file with Content-ID <{version id}>, Content-Length, Content-Type, Content-Disposition and X-Liaison-SHA256, or, for a version whose file cannot be read, Vault's failure envelope as application/json with X-Liaison-Http-Status.",
        tags: ['documents'],
        params: pathParams({}),
        querystring: FILES_QUERY,
        response: filesResponse(),
      },
    },
    async (request, reply) => {
      const versions = parseVersionIds(request.query.versions)
      return sendDocumentFiles(reply, documents().readFiles(versions))
    },
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor/file',
    {
      // People read every document; a connected vault only what its connection is granted.
      config: { permission: { kind: 'object', object: 'documents', access: 'read' } },
      schema: {
        summary: 'Download the source file of one version',
        tags: ['documents'],
        params: VERSION_PARAMS,
        response: fileResponse('The source file of the version, with its own Content-Type.', PDF_EXAMPLE),
      },
    },
    async (request, reply) => {
      const { id, major, minor } = request.params
      return sendDocumentFile(reply, await documents().readFile(id, { major, minor }))
    },
  )

  app.delete(
    '/objects/documents/:id',
    {
      config: documentAccess('delete'),
      schema: {
        summary: 'Delete a document with all its versions',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        response: idAnswer({ id: 1 }),
      },
    },
    async (request, reply) => {
      const { id } = request.params
      await documents().delete(sessionOf(request).actor, id)
      return send(reply, { responseStatus: 'SUCCESS', id })
    },
  )

  app.get(
    '/objects/documents/:id/renditions/:type',
    {
      schema: {
        summary: 'Download a rendition of the latest version (PDFs are their own viewable rendition)',
        tags: ['documents'],
        params: pathParams({
          ...DOCUMENT_PARAMS.properties,
          type: Type.String({ description: 'Rendition type.', examples: ['viewable_rendition__v'] }),
        }),
        response: fileResponse('The rendition, a PDF.', PDF_EXAMPLE),
      },
    },
    async (request, reply) => {
      const { id, type } = request.params
      return sendDocumentFile(reply, await documents().readRendition(id, type))
    },
  )

  app.get(
    '/objects/documents/:id/audittrail',
    {
      schema: {
        summary: 'Audit history of one document',
        tags: ['documents'],
        params: DOCUMENT_PARAMS,
        querystring: AUDIT_QUERY,
        response: AUDIT_ANSWER,
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const limit = Math.min(AUDIT_PAGE_MAX, request.query.limit ?? 200)
      const offset = request.query.offset ?? 0
      const { total, entries } = await documents().audit(id, { limit, offset })
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: { total, size: entries.length, limit, offset },
        data: entries.map((e) => ({ ...auditEntryBody(e), document_id: Number(e.record_id) })),
      })
    },
  )
}

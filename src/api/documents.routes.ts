import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  DOCUMENTS_AUDIT_OBJECT,
  type DocumentFile,
  type DocumentVersionNumber,
  type DocumentView,
  STANDARD_DOCUMENT_FIELDS,
} from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { auditEntryBody, send, sessionOf } from './envelope.js'

interface DocumentParams {
  version: string
  id: string
}

interface VersionParams extends DocumentParams {
  major: string
  minor: string
}

interface DocumentForm {
  readonly fields: Record<string, string>
  readonly file?: DocumentFile
}

/** Documents per page of GET /objects/documents, as in Vault. */
const DOCUMENT_PAGE_MAX = 200

function documentId(raw: string): number {
  const id = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id <= 0)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `"${raw}" is not a document id; document ids are whole numbers.`,
    )
  return id
}

function versionNumber(params: VersionParams): DocumentVersionNumber {
  const major = Number(params.major)
  const minor = Number(params.minor)
  if (!/^\d+$/.test(params.major) || !/^\d+$/.test(params.minor))
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `"${params.major}.${params.minor}" is not a version number; use whole numbers, e.g. /versions/0/1.`,
    )
  return { major, minor }
}

function isFileTooLarge(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE'
  )
}

/** Fields as given in a JSON or form body (no file). */
function plainFields(body: unknown): Record<string, string> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body))
    throw new LiaisonError('BODY_MALFORMED', 'Send the document fields as form fields or one JSON object.')
  const fields: Record<string, string> = {}
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (value === null) fields[key] = ''
    else if (Array.isArray(value)) fields[key] = value.map(String).join(',')
    else fields[key] = String(value)
  }
  return fields
}

/** A multipart body's fields and its `file` part (read up to the vault's limit), or a plain body's fields. */
async function readDocumentForm(app: FastifyInstance, request: FastifyRequest): Promise<DocumentForm> {
  if (!request.isMultipart()) return { fields: plainFields(request.body) }
  const documents = app.vault.documents
  const fields: Record<string, string> = {}
  let file: DocumentFile | undefined
  try {
    for await (const part of request.parts({ limits: { fileSize: documents.maxFileBytes } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file')
          throw new LiaisonError(
            'BODY_MALFORMED',
            `Send the document file in the part named "file", not "${part.fieldname}".`,
          )
        const bytes = await part.toBuffer()
        file = { bytes, name: part.filename || 'file', mime: part.mimetype || 'application/octet-stream' }
      } else fields[part.fieldname] = String(part.value)
    }
  } catch (error) {
    if (isFileTooLarge(error)) documents.refuseOversizedFile()
    throw error
  }
  return file === undefined ? { fields } : { fields, file }
}

function viewBody(version: string, id: number, view: DocumentView): Record<string, unknown> {
  const base = `/api/${version}/objects/documents/${id}`
  return {
    responseStatus: 'SUCCESS',
    document: view.document,
    versions: view.versions.map((v) => ({
      number: `${v.major}.${v.minor}`,
      value: `${base}/versions/${v.major}/${v.minor}`,
    })),
    renditions: Object.fromEntries(view.renditions.map((r) => [r, `${base}/renditions/${r}`])),
  }
}

function sendFile(reply: FastifyReply, file: DocumentFile): FastifyReply {
  void reply.header('Content-Type', file.mime)
  void reply.header('Content-Disposition', `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`)
  void reply.header('X-VaultAPI-Status', 'SUCCESS')
  return reply.send(Buffer.from(file.bytes))
}

/** Documents: create (file, placeholder or CrossLink), read, update, new versions, lifecycle actions, files, audit. */
export async function documentsRoutes(app: FastifyInstance): Promise<void> {
  const documents = () => app.vault.documents
  const assertAccess = (request: FastifyRequest, access: 'read' | 'create' | 'edit' | 'delete') =>
    app.vault.records.assertAccess(sessionOf(request).actor, DOCUMENTS_AUDIT_OBJECT, access)

  app.post(
    '/objects/documents',
    {
      schema: {
        summary: 'Create a document (multipart: file, name__v, type__v, lifecycle__v, fields)',
        tags: ['documents'],
      },
    },
    async (request, reply) => {
      assertAccess(request, 'create')
      const form = await readDocumentForm(app, request)
      const id = await documents().create(sessionOf(request).actor, {
        fields: form.fields,
        ...(form.file === undefined ? {} : { file: form.file }),
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
      },
    },
    async (request, reply) => {
      const query = (request.query ?? {}) as Record<string, unknown>
      const limit = Math.min(
        DOCUMENT_PAGE_MAX,
        Math.max(1, Number(query.limit ?? DOCUMENT_PAGE_MAX) || DOCUMENT_PAGE_MAX),
      )
      const start = Math.max(0, Math.floor(Number(query.start ?? 0) || 0))
      const { version } = request.params as { version: string }
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
    '/metadata/objects/documents/types',
    { schema: { summary: 'Retrieve the document types of this vault', tags: ['documents'] } },
    async (request, reply) => {
      const { version } = request.params as { version: string }
      return send(reply, {
        responseStatus: 'SUCCESS',
        types: documents().types.map((t) => ({
          name: t.name,
          label: t.label,
          value: `/api/${version}/metadata/objects/documents/types/${t.name}`,
        })),
      })
    },
  )

  app.get(
    '/metadata/objects/documents/types/:type',
    { schema: { summary: 'Retrieve one document type: its fields and lifecycles', tags: ['documents'] } },
    async (request, reply) => {
      const { type: name } = request.params as { type: string }
      const type = documents().types.find((t) => t.name === name)
      if (type === undefined)
        throw new LiaisonError(
          'DOCUMENT_TYPE_UNKNOWN',
          `This vault has no document type ${name}; list them with GET /api/{version}/metadata/objects/documents/types.`,
        )
      return send(reply, {
        responseStatus: 'SUCCESS',
        name: type.name,
        label: type.label,
        crosslink: type.crosslink === true,
        properties: [...STANDARD_DOCUMENT_FIELDS, ...type.fields].map((f) => ({
          name: f.name,
          label: f.label,
          type: f.type,
          required: f.required === true,
          editable: f.system !== true,
          multi_value: f.multiValue === true,
          ...(f.object === undefined ? {} : { object: f.object }),
          ...(f.picklist === undefined ? {} : { picklist: f.picklist }),
          ...(f.maxLength === undefined ? {} : { max_length: f.maxLength }),
        })),
        availableLifecycles: documents()
          .lifecycles.filter((l) => type.lifecycles.includes(l.name))
          .map((l) => ({
            name: l.name,
            label: l.label,
            states: l.states.map((st) => ({
              name: st.name,
              label: st.label,
              state_type: st.stateType ?? null,
            })),
            actions: l.actions.map((a) => ({ name: a.name, label: a.label, from: a.from, to: a.to })),
          })),
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions',
    { schema: { summary: 'Retrieve the versions of a document', tags: ['documents'] } },
    async (request, reply) => {
      const { version, id: raw } = request.params as DocumentParams
      const id = documentId(raw)
      const { versions } = viewBody(version, id, await documents().get(id))
      return send(reply, { responseStatus: 'SUCCESS', versions })
    },
  )

  app.get(
    '/objects/documents/:id/renditions',
    {
      schema: { summary: 'Retrieve the rendition types of a document (latest version)', tags: ['documents'] },
    },
    async (request, reply) => {
      const { version, id: raw } = request.params as DocumentParams
      const id = documentId(raw)
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
      },
    },
    async (request, reply) => {
      const params = request.params as VersionParams
      const id = documentId(params.id)
      const at = versionNumber(params)
      const view = await documents().getVersion(id, at.major, at.minor)
      const actions = await documents().lifecycleActions(id, at)
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
    { schema: { summary: 'Retrieve a document (latest version)', tags: ['documents'] } },
    async (request, reply) => {
      const { version, id: raw } = request.params as DocumentParams
      const id = documentId(raw)
      return send(reply, viewBody(version, id, await documents().get(id)))
    },
  )

  app.put(
    '/objects/documents/:id',
    { schema: { summary: 'Update fields of the latest version', tags: ['documents'] } },
    async (request, reply) => {
      assertAccess(request, 'edit')
      const id = documentId((request.params as DocumentParams).id)
      const outcome = await documents().update(sessionOf(request).actor, id, plainFields(request.body))
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
    { schema: { summary: 'Create the next minor version from an uploaded file', tags: ['documents'] } },
    async (request, reply) => {
      assertAccess(request, 'edit')
      const id = documentId((request.params as DocumentParams).id)
      const form = await readDocumentForm(app, request)
      if (form.file === undefined)
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send the new version\'s file as the multipart part "file".',
        )
      const next = await documents().addVersion(sessionOf(request).actor, id, form.file)
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
    { schema: { summary: 'Retrieve one version of a document', tags: ['documents'] } },
    async (request, reply) => {
      const params = request.params as VersionParams
      const id = documentId(params.id)
      const { major, minor } = versionNumber(params)
      return send(reply, viewBody(params.version, id, await documents().getVersion(id, major, minor)))
    },
  )

  app.put(
    '/objects/documents/:id/versions/:major/:minor/lifecycle_actions/:action',
    { schema: { summary: 'Run a lifecycle action on a document version', tags: ['documents'] } },
    async (request, reply) => {
      assertAccess(request, 'edit')
      const params = request.params as VersionParams & { action: string }
      const id = documentId(params.id)
      const result = await documents().runAction(
        sessionOf(request).actor,
        id,
        versionNumber(params),
        params.action,
      )
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
    { schema: { summary: 'Download the source file of the latest version', tags: ['documents'] } },
    async (request, reply) =>
      sendFile(reply, await documents().readFile(documentId((request.params as DocumentParams).id))),
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor/file',
    { schema: { summary: 'Download the source file of one version', tags: ['documents'] } },
    async (request, reply) => {
      const params = request.params as VersionParams
      return sendFile(reply, await documents().readFile(documentId(params.id), versionNumber(params)))
    },
  )

  app.delete(
    '/objects/documents/:id',
    { schema: { summary: 'Delete a document with all its versions', tags: ['documents'] } },
    async (request, reply) => {
      assertAccess(request, 'delete')
      const id = documentId((request.params as DocumentParams).id)
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
      },
    },
    async (request, reply) => {
      const { id, type } = request.params as DocumentParams & { type: string }
      return sendFile(reply, await documents().readRendition(documentId(id), type))
    },
  )

  // Binders (platform/documents/binder-service.ts): a binder is a document with ordered nodes.
  app.post(
    '/objects/binders',
    {
      schema: {
        summary: 'Create a binder (name__v, type__v, lifecycle__v, fields; like a document without a file)',
        tags: ['documents'],
      },
    },
    async (request, reply) => {
      assertAccess(request, 'create')
      const form = await readDocumentForm(app, request)
      if (form.file !== undefined)
        throw new LiaisonError('BODY_MALFORMED', 'A binder has no file of its own; send its fields only.')
      const id = await app.vault.binders.create(sessionOf(request).actor, { fields: form.fields })
      return send(reply, { responseStatus: 'SUCCESS', responseMessage: 'successfully created binder', id })
    },
  )

  app.get(
    '/objects/binders/:id',
    { schema: { summary: 'Retrieve a binder (latest version) and its nodes in order', tags: ['documents'] } },
    async (request, reply) => {
      const { version, id: raw } = request.params as DocumentParams
      const id = documentId(raw)
      const view = await app.vault.binders.get(id)
      return send(reply, { ...viewBody(version, id, view), binder: { nodes: view.nodes } })
    },
  )

  app.post(
    '/objects/binders/:id/documents',
    { schema: { summary: 'Add a document to a binder (document_id__v, order__v)', tags: ['documents'] } },
    async (request, reply) => {
      assertAccess(request, 'edit')
      const id = documentId((request.params as DocumentParams).id)
      const form = await readDocumentForm(app, request)
      const node = await app.vault.binders.addDocument(sessionOf(request).actor, id, form.fields)
      return send(reply, { responseStatus: 'SUCCESS', id: node.id, order__v: node.order })
    },
  )

  // Relationships (platform/documents/relationship-service.ts), audited on the source document.
  app.post(
    '/objects/documents/:id/versions/:major/:minor/relationships',
    {
      schema: {
        summary: 'Relate a document version to another document (target_doc_id__v, relationship_type__v)',
        tags: ['documents'],
      },
    },
    async (request, reply) => {
      assertAccess(request, 'edit')
      const params = request.params as VersionParams
      const form = await readDocumentForm(app, request)
      const id = await app.vault.documentRelationships.create(
        sessionOf(request).actor,
        documentId(params.id),
        versionNumber(params),
        form.fields,
      )
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseMessage: 'Relationship successfully created.',
        id,
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor/relationships',
    { schema: { summary: 'List the relationships of a document version', tags: ['documents'] } },
    async (request, reply) => {
      const params = request.params as VersionParams
      const relationships = await app.vault.documentRelationships.list(
        documentId(params.id),
        versionNumber(params),
      )
      return send(reply, {
        responseStatus: 'SUCCESS',
        relationships: relationships.map((relationship) => ({ relationship })),
      })
    },
  )

  app.get(
    '/objects/documents/:id/audittrail',
    { schema: { summary: 'Audit history of one document', tags: ['documents'] } },
    async (request, reply) => {
      const id = documentId((request.params as DocumentParams).id)
      const query = (request.query ?? {}) as Record<string, unknown>
      const limit = Math.min(1000, Math.max(1, Number(query.limit ?? 200) || 200))
      const offset = Math.max(0, Number(query.offset ?? 0) || 0)
      const { total, entries } = await documents().audit(id, { limit, offset })
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: { total, size: entries.length, limit, offset },
        data: entries.map((e) => ({ ...auditEntryBody(e), document_id: Number(e.record_id) })),
      })
    },
  )
}

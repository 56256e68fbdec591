import { type TSchema, Type } from 'typebox'
import {
  DOCUMENT_FILES_PER_CALL_MAX,
  DOCUMENT_RELATIONSHIP_TYPES,
  type DocumentVersionRef,
} from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { pathParams } from './request-schemas.js'

/** The route schemas of documents.routes.ts and binders.routes.ts, and the examples they document. */

const documentId = (description: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description, examples: [1] })
const versionNumber = (description: string, example: number) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description, examples: [example] })

export const DOCUMENT_PARAMS = pathParams({ id: documentId('Document id (a whole number).') })

/** One version of a document: `/objects/documents/{id}/versions/{major}/{minor}`. */
export const VERSION_PARAMS = pathParams({
  id: documentId('Document id (a whole number).'),
  major: versionNumber('Major version number.', 0),
  minor: versionNumber('Minor version number.', 1),
})

const FIELDS_DESCRIPTION =
  'Document fields: name__v, type__v, lifecycle__v and the fields of the type (GET /metadata/objects/documents/types/{type}); a list as an array or comma-separated.'

const DOCUMENT_FIELD_PROPERTIES = {
  name__v: Type.Optional(Type.String()),
  type__v: Type.Optional(Type.String({ description: 'A document type, e.g. reference_document__v.' })),
  lifecycle__v: Type.Optional(Type.String({ description: 'e.g. medical_content_lifecycle__v.' })),
}

const FIELDS_EXAMPLE = {
  name__v: 'Dosing guide',
  type__v: 'reference_document__v',
  lifecycle__v: 'medical_content_lifecycle__v',
  country__v: 'US',
}

/** The fields of a document or binder, as form fields, multipart fields or one JSON object. */
export const DOCUMENT_FIELDS = Type.Object(DOCUMENT_FIELD_PROPERTIES, {
  additionalProperties: true,
  description: FIELDS_DESCRIPTION,
  examples: [FIELDS_EXAMPLE],
})

/** Fields and, in a multipart body, the document's source file as the part named `file`. */
export const DOCUMENT_FORM = Type.Object(
  {
    ...DOCUMENT_FIELD_PROPERTIES,
    file: Type.Optional(Type.String({ format: 'binary', description: 'The source file (multipart only).' })),
  },
  { additionalProperties: true, description: FIELDS_DESCRIPTION, examples: [FIELDS_EXAMPLE] },
)

/** `POST /objects/binders/{id}/documents`. */
/** One node of a binder: `/objects/binders/{id}/documents/{node_id}`. */
export const BINDER_NODE_PARAMS = pathParams({
  id: documentId('Binder id (a whole number).'),
  node_id: documentId('Node id, as GET /objects/binders/{id} lists them.'),
})

/** Moving a node: its new position. */
export const BINDER_NODE_MOVE = Type.Object(
  {
    order__v: Type.Optional(
      Type.Integer({ minimum: 1, description: 'The new position, from 1 (past the end: last).' }),
    ),
  },
  { examples: [{ order__v: 1 }] },
)

/** A document action: `/objects/documents/{id}/actions/{action}`. */
export const DOCUMENT_ACTION_PARAMS = pathParams({
  id: documentId('Document id (a whole number).'),
  action: Type.String({
    description: 'Document action, e.g. create_presentation__v.',
    examples: ['create_presentation__v'],
  }),
})

export const BINDER_NODE = Type.Object(
  {
    document_id__v: documentId('The document to add.'),
    order__v: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Its position, from 1. (Default: after the last)' }),
    ),
  },
  { examples: [{ document_id__v: 2, order__v: 1 }] },
)

/** `POST /objects/documents/{id}/versions/{major}/{minor}/relationships`. */
export const RELATIONSHIP = Type.Object(
  {
    target_doc_id__v: documentId('The related document.'),
    relationship_type__v: Type.Enum(DOCUMENT_RELATIONSHIP_TYPES),
  },
  { examples: [{ target_doc_id__v: 2, relationship_type__v: 'supporting_documents__v' }] },
)

export const DOCUMENT_EXAMPLE = {
  id: 1,
  name__v: 'Dosing guide',
  type__v: 'reference_document__v',
  lifecycle__v: 'medical_content_lifecycle__v',
  status__v: 'Draft',
  state__v: 'draft__v',
  major_version_number__v: 0,
  minor_version_number__v: 1,
  country__v: ['US'],
  filename__v: 'dosing.pdf',
}

const VERSION_LINKS = Type.Array(openObject({ number: Type.String(), value: Type.String() }))
const VERSION_LINKS_EXAMPLE = [{ number: '0.1', value: '/api/v25.2/objects/documents/1/versions/0/1' }]
const RENDITION_LINKS_EXAMPLE = {
  viewable_rendition__v: '/api/v25.2/objects/documents/1/renditions/viewable_rendition__v',
}

const VIEW_PROPERTIES = {
  document: openObject({}, { description: 'The document fields.' }),
  versions: VERSION_LINKS,
  renditions: openObject({}, { description: 'Rendition type → download URL.' }),
}

const VIEW_EXAMPLE = {
  responseStatus: 'SUCCESS',
  document: DOCUMENT_EXAMPLE,
  versions: VERSION_LINKS_EXAMPLE,
  renditions: RENDITION_LINKS_EXAMPLE,
} as const

/** A document (one version) with its version and rendition links. */
export const VIEW_ANSWER = envelopeResponse(VIEW_PROPERTIES, VIEW_EXAMPLE)

/** A binder: a document view and its nodes in order. */
export const BINDER_ANSWER = envelopeResponse(
  { ...VIEW_PROPERTIES, binder: openObject({ nodes: Type.Array(openObject()) }) },
  {
    ...VIEW_EXAMPLE,
    document: { ...DOCUMENT_EXAMPLE, name__v: 'Cholecap deck', binder__v: true },
    binder: {
      nodes: [
        {
          id: 1,
          parent_id__sys: 'rootNode',
          order__v: 1,
          type__v: 'document',
          document_id__v: 2,
          name__v: 'Cholecap dosing',
        },
      ],
    },
  },
)

export const VERSIONS_ANSWER = envelopeResponse(
  { versions: VERSION_LINKS },
  { responseStatus: 'SUCCESS', versions: VERSION_LINKS_EXAMPLE },
)

export const RENDITIONS_ANSWER = envelopeResponse(
  { renditionTypes: Type.Array(Type.String()), renditions: openObject() },
  {
    responseStatus: 'SUCCESS',
    renditionTypes: ['viewable_rendition__v'],
    renditions: RENDITION_LINKS_EXAMPLE,
  },
)

/** An answer naming the document (or binder, node, relationship) it created or changed. */
export function idAnswer(example: Readonly<Record<string, unknown>>): ReturnType<typeof envelopeResponse> {
  return envelopeResponse(
    {
      id: Type.Integer(),
      responseMessage: Type.String(),
      major_version_number__v: Type.Integer(),
      minor_version_number__v: Type.Integer(),
      order__v: Type.Integer(),
    },
    { responseStatus: 'SUCCESS', ...example },
  )
}

export const LIST_QUERY = Type.Object({
  start: Type.Optional(Type.Integer({ minimum: 0, description: 'Documents to skip. (Default: 0)' })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'Documents per page; more than 200 reads as 200. (Default: 200)',
    }),
  ),
})

export const LIST_ANSWER = envelopeResponse(
  {
    size: Type.Integer(),
    start: Type.Integer(),
    limit: Type.Integer(),
    total: Type.Integer(),
    next_page: Type.String(),
    documents: Type.Array(openObject({ document: openObject() })),
  },
  {
    responseStatus: 'SUCCESS',
    size: 1,
    start: 0,
    limit: 1,
    total: 2,
    next_page: '/api/v25.2/objects/documents?start=1&limit=1',
    documents: [{ document: DOCUMENT_EXAMPLE }],
  },
)

export const AUDIT_QUERY = Type.Object({
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'Entries per page; more than 1000 reads as 1000. (Default: 200)',
    }),
  ),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Entries to skip. (Default: 0)' })),
})

export const AUDIT_ANSWER = envelopeResponse(
  {
    responseDetails: openObject({
      total: Type.Integer(),
      size: Type.Integer(),
      limit: Type.Integer(),
      offset: Type.Integer(),
    }),
    data: Type.Array(openObject()),
  },
  {
    responseStatus: 'SUCCESS',
    responseDetails: { total: 1, size: 1, limit: 200, offset: 0 },
    data: [
      {
        id: '1',
        timestamp: '2025-05-01T09:30:00.000Z',
        user_name: 'content@medical.liaison.local',
        action: 'Create',
        object_name: 'documents',
        document_id: 1,
        event_description: 'Created document 1 version 0.1',
      },
    ],
  },
)

/** GET /objects/documents/batch/files: the versions whose files to send. */
export const FILES_QUERY = Type.Object({
  versions: Type.String({
    minLength: 1,
    maxLength: 2_000,
    description: `Comma-separated version ids {id}_{major}_{minor}, at most ${DOCUMENT_FILES_PER_CALL_MAX}.`,
    examples: ['1_0_1,2_1_0'],
  }),
})

const VERSION_ID = /^([1-9]\d{0,15})_(0|[1-9]\d{0,8})_(0|[1-9]\d{0,8})$/

/** The versions of FILES_QUERY, checked: PARAMETER_INVALID names the first bad one, or too many. */
export function parseVersionIds(list: string): DocumentVersionRef[] {
  const ids = list.split(',').map((v) => v.trim())
  if (ids.length > DOCUMENT_FILES_PER_CALL_MAX)
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `versions names ${ids.length} versions; at most ${DOCUMENT_FILES_PER_CALL_MAX} files are sent at once. Ask in several calls.`,
    )
  return ids.map((id) => {
    const match = VERSION_ID.exec(id)
    if (match === null)
      throw new LiaisonError(
        'PARAMETER_INVALID',
        `versions: "${id}" is not a version id; write {id}_{major}_{minor}, e.g. 12_1_0.`,
      )
    return { id: Number(match[1]), major: Number(match[2]), minor: Number(match[3]) }
  })
}

/** The answer of GET /objects/documents/batch/files. */
export function filesResponse(): { readonly 200: TSchema } {
  return {
    200: {
      description:
        "multipart/mixed, one part per version asked, or Vault's envelope as JSON when the request is refused.",
      content: {
        'multipart/mixed': { schema: Type.String({ format: 'binary' }) },
        'application/json': {
          schema: openObject({}),
          example: {
            responseStatus: 'FAILURE',
            errors: [{ type: 'INVALID_DATA', message: 'versions: "12" is not a version id.' }],
          },
        },
      },
    },
  }
}

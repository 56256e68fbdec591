import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { DOCUMENT_FORM_TYPES, documentAccess, readDocumentForm } from './document-form.js'
import { idAnswer, RELATIONSHIP, VERSION_PARAMS } from './document-schemas.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { sessionOf } from './guards.js'

/** Document relationships (platform/documents/relationship-service.ts), audited on the source document. */
export async function relationshipRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()

  app.post(
    '/objects/documents/:id/versions/:major/:minor/relationships',
    {
      config: documentAccess('edit'),
      preValidation: readDocumentForm,
      schema: {
        summary: 'Relate a document version to another document (target_doc_id__v, relationship_type__v)',
        tags: ['documents'],
        consumes: DOCUMENT_FORM_TYPES,
        params: VERSION_PARAMS,
        body: RELATIONSHIP,
        response: idAnswer({ responseMessage: 'Relationship successfully created.', id: 1 }),
      },
    },
    async (request, reply) => {
      const { id, major, minor } = request.params
      const relationship = await app.vault.documentRelationships.create(
        sessionOf(request).actor,
        id,
        { major, minor },
        request.body,
      )
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseMessage: 'Relationship successfully created.',
        id: relationship,
      })
    },
  )

  app.get(
    '/objects/documents/:id/versions/:major/:minor/relationships',
    {
      schema: {
        summary: 'List the relationships of a document version',
        tags: ['documents'],
        params: VERSION_PARAMS,
        response: envelopeResponse(
          { relationships: Type.Array(openObject({ relationship: openObject() })) },
          {
            responseStatus: 'SUCCESS',
            relationships: [
              {
                relationship: {
                  id: 1,
                  source_doc_id__v: 1,
                  source_major_version__v: 0,
                  source_minor_version__v: 1,
                  target_doc_id__v: 2,
                  relationship_type__v: 'supporting_documents__v',
                },
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const { id, major, minor } = request.params
      const relationships = await app.vault.documentRelationships.list(id, { major, minor })
      return send(reply, {
        responseStatus: 'SUCCESS',
        relationships: relationships.map((relationship) => ({ relationship })),
      })
    },
  )
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { STANDARD_DOCUMENT_FIELDS } from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { pathParams } from './request-schemas.js'

/** Document metadata: the document types of this vault, their fields and lifecycles. */
export async function documentTypeRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const documents = () => app.vault.documents

  app.get(
    '/metadata/objects/documents/types',
    {
      schema: {
        summary: 'Retrieve the document types of this vault',
        tags: ['documents'],
        params: pathParams({}),
        response: envelopeResponse(
          {
            types: Type.Array(
              openObject({ name: Type.String(), label: Type.String(), value: Type.String() }),
            ),
          },
          {
            responseStatus: 'SUCCESS',
            types: [
              {
                name: 'reference_document__v',
                label: 'Reference Document',
                value: '/api/v25.2/metadata/objects/documents/types/reference_document__v',
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const { version } = request.params
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
    {
      schema: {
        summary: 'Retrieve one document type: its fields and lifecycles',
        tags: ['documents'],
        params: pathParams({ type: Type.String({ examples: ['reference_document__v'] }) }),
        response: envelopeResponse(
          {
            name: Type.String(),
            label: Type.String(),
            crosslink: Type.Boolean(),
            properties: Type.Array(openObject()),
            availableLifecycles: Type.Array(openObject()),
          },
          {
            responseStatus: 'SUCCESS',
            name: 'reference_document__v',
            label: 'Reference Document',
            crosslink: false,
            properties: [
              {
                name: 'name__v',
                label: 'Name',
                type: 'String',
                required: true,
                editable: true,
                multi_value: false,
              },
            ],
            availableLifecycles: [
              {
                name: 'medical_content_lifecycle__v',
                label: 'Medical Content',
                states: [{ name: 'draft__v', label: 'Draft', state_type: 'initial_state__sys' }],
                actions: [{ name: 'submit__v', label: 'Submit', from: 'draft__v', to: 'in_review__v' }],
              },
            ],
          },
        ),
      },
    },
    async (request, reply) => {
      const name = request.params.type
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
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { type Static, Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import {
  type CompiledField,
  type CompiledObject,
  CUSTOM_FIELD_TYPES,
  type FieldDefinition,
} from '../platform/metadata/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { nullable, pathParams } from './request-schemas.js'

function fieldMetadata(field: CompiledField): Record<string, unknown> {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    required: field.required === true,
    unique: field.unique === true,
    // For people: a field only the connection writes is read-only to them (finding 8).
    editable:
      field.editableBy === undefined &&
      (field.system !== true ||
        ['name__v', 'status__v', 'external_id__v', 'link__sys', 'object_type__v'].includes(field.name)),
    system_managed: field.system === true,
    source: field.custom ? 'custom' : 'standard',
    ...(field.maxLength === undefined ? {} : { max_length: field.maxLength }),
    ...(field.type === 'Picklist'
      ? { picklist: field.picklist, multi_value: field.multiValue === true }
      : {}),
    ...(field.type === 'Object' ? { object: field.object, relationship_name: field.relationshipName } : {}),
  }
}

function objectMetadata(object: CompiledObject): Record<string, unknown> {
  const def = object.definition
  return {
    name: object.name,
    label: object.label,
    label_plural: def.labelPlural,
    prefix: object.prefix,
    fields: object.fields.map(fieldMetadata),
    relationships: [...object.outbound, ...object.inbound].map((r) => ({
      relationship_name: r.relationship_name,
      relationship_type: r.relationship_type,
      object: r.object,
      field: r.field,
    })),
    ...(def.objectTypes === undefined
      ? {}
      : { object_types: def.objectTypes.map((t) => ({ name: t.name, label: t.label })) }),
    ...(object.lifecycle === undefined
      ? {}
      : {
          lifecycle: {
            name: object.lifecycle.name,
            label: object.lifecycle.label,
            states: object.lifecycle.states.map((s) => ({
              name: s.name,
              label: s.label,
              state_type: s.stateType ?? null,
            })),
            actions: object.lifecycle.actions.map((a) => ({
              name: a.name,
              label: a.label,
              from: a.from,
              to: a.to,
            })),
          },
        }),
  }
}

const OBJECT_NAME = Type.String({ description: 'Object API name, e.g. case__v.', examples: ['case__v'] })

/** The JSON body of a new custom field; unknown attributes are refused, null reads as absent. */
const CUSTOM_FIELD = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'API name ending in __c, e.g. priority__c.' }),
    label: Type.String({ minLength: 1 }),
    type: Type.Enum(CUSTOM_FIELD_TYPES),
    max_length: Type.Optional(nullable(Type.Integer({ minimum: 1 }))),
    required: Type.Optional(nullable(Type.Boolean())),
    unique: Type.Optional(nullable(Type.Boolean())),
    picklist: Type.Optional(nullable(Type.String({ description: 'Picklist name, for Picklist fields.' }))),
    object: Type.Optional(nullable(Type.String({ description: 'Referenced object, for Object fields.' }))),
    multi_value: Type.Optional(nullable(Type.Boolean())),
  },
  {
    additionalProperties: false,
    examples: [{ name: 'priority__c', label: 'Priority', type: 'String', max_length: 10 }],
  },
)

/** The field definition the metadata service takes, from the checked body. */
function customField(body: Static<typeof CUSTOM_FIELD>): FieldDefinition {
  return {
    name: body.name,
    label: body.label,
    type: body.type,
    ...(typeof body.max_length === 'number' ? { maxLength: body.max_length } : {}),
    ...(typeof body.required === 'boolean' ? { required: body.required } : {}),
    ...(typeof body.unique === 'boolean' ? { unique: body.unique } : {}),
    ...(typeof body.picklist === 'string' ? { picklist: body.picklist } : {}),
    ...(typeof body.object === 'string' ? { object: body.object } : {}),
    ...(typeof body.multi_value === 'boolean' ? { multiValue: body.multi_value } : {}),
  }
}

const FIELD_EXAMPLE = {
  name: 'name__v',
  label: 'Name',
  type: 'String',
  required: true,
  unique: false,
  editable: true,
  system_managed: false,
  source: 'standard',
  max_length: 128,
}

/** Object and field metadata; admins add custom `__c` fields here without a restart. */
export async function metadataRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/metadata/vobjects',
    {
      schema: {
        summary: 'List objects',
        tags: ['metadata'],
        params: pathParams({}),
        response: envelopeResponse(
          {
            objects: Type.Array(
              openObject({
                name: Type.String(),
                label: Type.String(),
                prefix: Type.String(),
                url: Type.String(),
              }),
            ),
          },
          {
            responseStatus: 'SUCCESS',
            objects: [
              {
                name: 'case__v',
                label: 'Case',
                label_plural: 'Cases',
                prefix: 'V0C',
                url: '/api/v25.2/metadata/vobjects/case__v',
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
        objects: app.vault.metadata.current.objects.map((o) => ({
          name: o.name,
          label: o.label,
          label_plural: o.definition.labelPlural,
          prefix: o.prefix,
          url: `/api/${version}/metadata/vobjects/${o.name}`,
        })),
      })
    },
  )

  app.get(
    '/metadata/vobjects/:object',
    {
      schema: {
        summary: 'Retrieve object metadata',
        tags: ['metadata'],
        params: pathParams({ object: OBJECT_NAME }),
        response: envelopeResponse(
          {
            object: openObject({ fields: Type.Array(openObject()), relationships: Type.Array(openObject()) }),
          },
          {
            responseStatus: 'SUCCESS',
            object: {
              name: 'case__v',
              label: 'Case',
              label_plural: 'Cases',
              prefix: 'V0C',
              fields: [FIELD_EXAMPLE],
              relationships: [
                {
                  relationship_name: 'case_contact__vr',
                  relationship_type: 'reference_outbound',
                  object: 'case_contact__v',
                  field: 'case_contact__v',
                },
              ],
            },
          },
        ),
      },
    },
    async (request, reply) =>
      send(reply, {
        responseStatus: 'SUCCESS',
        object: objectMetadata(app.vault.metadata.object(request.params.object)),
      }),
  )

  app.get(
    '/metadata/vobjects/:object/fields/:field',
    {
      schema: {
        summary: 'Retrieve field metadata',
        tags: ['metadata'],
        params: pathParams({ object: OBJECT_NAME, field: Type.String({ examples: ['name__v'] }) }),
        response: envelopeResponse(
          { field: openObject() },
          { responseStatus: 'SUCCESS', field: FIELD_EXAMPLE },
        ),
      },
    },
    async (request, reply) => {
      const object = app.vault.metadata.object(request.params.object)
      const field = object.fieldByName.get(request.params.field)
      if (field === undefined)
        throw new LiaisonError('FIELD_UNKNOWN', `Object ${object.name} has no field ${request.params.field}.`)
      return send(reply, { responseStatus: 'SUCCESS', field: fieldMetadata(field) })
    },
  )

  app.post(
    '/metadata/vobjects/:object/fields',
    {
      config: { permission: { kind: 'admin', to: 'add fields' } },
      schema: {
        summary: 'Add a custom __c field (admin)',
        description: 'The field works at once, without a restart. Unknown attributes are refused.',
        tags: ['metadata'],
        params: pathParams({ object: OBJECT_NAME }),
        body: CUSTOM_FIELD,
        response: envelopeResponse(
          { data: openObject({ name: Type.String(), object: Type.String(), field: openObject() }) },
          {
            responseStatus: 'SUCCESS',
            data: {
              name: 'priority__c',
              object: 'case__v',
              field: {
                ...FIELD_EXAMPLE,
                name: 'priority__c',
                label: 'Priority',
                required: false,
                max_length: 10,
              },
            },
          },
        ),
      },
    },
    async (request, reply) => {
      const objectName = request.params.object
      app.vault.metadata.object(objectName)
      const definition = customField(request.body)
      const object = await app.vault.metadata.addCustomField(objectName, definition)
      const added = object.fieldByName.get(definition.name)
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: {
          name: definition.name,
          object: objectName,
          field: added === undefined ? undefined : fieldMetadata(added),
        },
      })
    },
  )

  app.get(
    '/objects/picklists',
    {
      schema: {
        summary: 'List picklists',
        tags: ['metadata'],
        params: pathParams({}),
        response: envelopeResponse(
          { picklists: Type.Array(openObject({ name: Type.String(), label: Type.String() })) },
          { responseStatus: 'SUCCESS', picklists: [{ name: 'country__v', label: 'Country' }] },
        ),
      },
    },
    async (_request, reply) =>
      send(reply, {
        responseStatus: 'SUCCESS',
        picklists: [...app.vault.metadata.current.picklistByName.values()]
          .filter((p) => !p.name.includes('.'))
          .map((p) => ({ name: p.name, label: p.label })),
      }),
  )

  app.get(
    '/objects/picklists/:name',
    {
      schema: {
        summary: 'Retrieve picklist values',
        tags: ['metadata'],
        params: pathParams({ name: Type.String({ examples: ['country__v'] }) }),
        response: envelopeResponse(
          { picklistValues: Type.Array(openObject()) },
          { responseStatus: 'SUCCESS', picklistValues: [{ name: 'us__v', label: 'United States' }] },
        ),
      },
    },
    async (request, reply) => {
      const { name } = request.params
      const picklist = app.vault.metadata.current.picklistByName.get(name)
      if (picklist === undefined)
        throw new LiaisonError('FIELD_UNKNOWN', `There is no picklist named ${name}.`)
      return send(reply, { responseStatus: 'SUCCESS', picklistValues: picklist.values })
    },
  )
}

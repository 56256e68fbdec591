import type { FastifyInstance } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import {
  type CompiledField,
  type CompiledObject,
  CUSTOM_FIELD_TYPES,
  type FieldDefinition,
  type FieldType,
} from '../platform/metadata/index.js'
import { send, sessionOf } from './envelope.js'

function fieldMetadata(field: CompiledField): Record<string, unknown> {
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    required: field.required === true,
    unique: field.unique === true,
    editable:
      field.system !== true ||
      ['name__v', 'status__v', 'external_id__v', 'link__sys', 'object_type__v'].includes(field.name),
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

const CUSTOM_FIELD_KEYS = new Set([
  'name',
  'label',
  'type',
  'max_length',
  'required',
  'unique',
  'picklist',
  'object',
  'multi_value',
])

/** Checks the JSON body of a new custom field; every problem is named, nothing is half-applied. */
function parseCustomField(body: unknown): FieldDefinition {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new LiaisonError(
      'BODY_MALFORMED',
      'Send the field as a JSON object: {"name":"x__c","label":"…","type":"String"}.',
    )
  const b = body as Record<string, unknown>
  const problems: string[] = []
  for (const key of Object.keys(b))
    if (!CUSTOM_FIELD_KEYS.has(key)) problems.push(`Unknown attribute "${key}".`)
  const text = (key: string, required: boolean): string | undefined => {
    const v = b[key]
    if (v === undefined || v === null) {
      if (required) problems.push(`"${key}" is required.`)
      return undefined
    }
    if (typeof v !== 'string') {
      problems.push(`"${key}" must be a string.`)
      return undefined
    }
    return v
  }
  const flag = (key: string): boolean | undefined => {
    const v = b[key]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') {
      problems.push(`"${key}" must be true or false.`)
      return undefined
    }
    return v
  }
  const name = text('name', true)
  const label = text('label', true)
  const type = text('type', true)
  if (type !== undefined && !(CUSTOM_FIELD_TYPES as readonly string[]).includes(type))
    problems.push(`"type" must be one of ${CUSTOM_FIELD_TYPES.join(', ')}.`)
  const maxLength = b.max_length
  if (
    maxLength !== undefined &&
    maxLength !== null &&
    (typeof maxLength !== 'number' || !Number.isInteger(maxLength))
  )
    problems.push('"max_length" must be a whole number.')
  const picklist = text('picklist', false)
  const object = text('object', false)
  const required = flag('required')
  const unique = flag('unique')
  const multiValue = flag('multi_value')
  if (problems.length > 0) throw new LiaisonError('METADATA_INVALID', problems.join(' '))
  return {
    name: name!,
    label: label!,
    type: type as FieldType,
    ...(typeof maxLength === 'number' ? { maxLength } : {}),
    ...(required === undefined ? {} : { required }),
    ...(unique === undefined ? {} : { unique }),
    ...(picklist === undefined ? {} : { picklist }),
    ...(object === undefined ? {} : { object }),
    ...(multiValue === undefined ? {} : { multiValue }),
  }
}

/** Object and field metadata; admins add custom `__c` fields here without a restart. */
export async function metadataRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/metadata/vobjects',
    { schema: { summary: 'List objects', tags: ['metadata'] } },
    async (request, reply) => {
      const { version } = request.params as { version: string }
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
    { schema: { summary: 'Retrieve object metadata', tags: ['metadata'] } },
    async (request, reply) => {
      const { object } = request.params as { object: string }
      return send(reply, {
        responseStatus: 'SUCCESS',
        object: objectMetadata(app.vault.metadata.object(object)),
      })
    },
  )

  app.get(
    '/metadata/vobjects/:object/fields/:field',
    { schema: { summary: 'Retrieve field metadata', tags: ['metadata'] } },
    async (request, reply) => {
      const params = request.params as { object: string; field: string }
      const object = app.vault.metadata.object(params.object)
      const field = object.fieldByName.get(params.field)
      if (field === undefined)
        throw new LiaisonError('FIELD_UNKNOWN', `Object ${object.name} has no field ${params.field}.`)
      return send(reply, { responseStatus: 'SUCCESS', field: fieldMetadata(field) })
    },
  )

  app.post(
    '/metadata/vobjects/:object/fields',
    { schema: { summary: 'Add a custom __c field (admin)', tags: ['metadata'] } },
    async (request, reply) => {
      const { object: objectName } = request.params as { object: string }
      const session = sessionOf(request)
      if (session.user.securityProfile !== 'admin__sys')
        throw new LiaisonError(
          'ACCESS_DENIED',
          `Only admins may add fields; ${session.user.username} has the ${session.user.securityProfile} profile.`,
        )
      app.vault.metadata.object(objectName)
      const definition = parseCustomField(request.body)
      const object = await app.vault.metadata.addCustomField(objectName, definition)
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: {
          name: definition.name,
          object: objectName,
          field: fieldMetadata(object.fieldByName.get(definition.name)!),
        },
      })
    },
  )

  app.get(
    '/objects/picklists',
    { schema: { summary: 'List picklists', tags: ['metadata'] } },
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
    { schema: { summary: 'Retrieve picklist values', tags: ['metadata'] } },
    async (request, reply) => {
      const { name } = request.params as { name: string }
      const picklist = app.vault.metadata.current.picklistByName.get(name)
      if (picklist === undefined)
        throw new LiaisonError('FIELD_UNKNOWN', `There is no picklist named ${name}.`)
      return send(reply, { responseStatus: 'SUCCESS', picklistValues: picklist.values })
    },
  )
}

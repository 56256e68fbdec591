import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { documentQueryTargets, STANDARD_DOCUMENT_FIELDS } from '../platform/documents/index.js'
import type { FieldType } from '../platform/metadata/index.js'
import { send } from './envelope.js'
import { envelopeResponse, openObject } from './envelope-schema.js'
import { sessionOf } from './guards.js'
import { pathParams } from './request-schemas.js'

/** Vault's name of the type every document type inherits its standard fields from. */
const BASE_DOCUMENT = 'base_document__v'

/** Vault's document property types by ours. */
const DOCUMENT_PROPERTY_TYPE: Record<FieldType, string> = {
  ID: 'id',
  String: 'String',
  LongText: 'String',
  Number: 'Number',
  Boolean: 'Boolean',
  Date: 'Date',
  DateTime: 'DateTime',
  Picklist: 'Picklist',
  Object: 'ObjectReference',
  Document: 'ObjectReference',
}

const DATA_LIST = (example: Record<string, unknown>) =>
  envelopeResponse({ data: Type.Array(openObject()) }, { responseStatus: 'SUCCESS', data: [example] })

/**
 * What a Vault client reads about the vault itself: document fields, API limits, object types,
 * the domain and its vaults, and delegated vaults (none: Liaison has no delegated access).
 */
export async function vaultInfoRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  const vault = () => app.vault

  app.get(
    '/metadata/objects/documents/properties',
    {
      schema: {
        summary: 'Retrieve All Document Fields, over every document type of this vault',
        tags: ['documents'],
        params: pathParams({}),
        response: envelopeResponse(
          { properties: Type.Array(openObject({ name: Type.String(), type: Type.String() })) },
          {
            responseStatus: 'SUCCESS',
            properties: [
              {
                name: 'name__v',
                label: 'Name',
                type: 'String',
                required: true,
                editable: true,
                repeating: false,
                systemAttribute: false,
                queryable: true,
                hidden: false,
                maxLength: 100,
                usedIn: [{ key: BASE_DOCUMENT, type: 'type' }],
              },
            ],
          },
        ),
      },
    },
    async (_request, reply) => {
      const v = vault()
      const [documents] = documentQueryTargets({
        profile: v.profile,
        dialect: v.storage.dialect,
        vaultId: v.id,
      })
      const standard = new Set(STANDARD_DOCUMENT_FIELDS.map((f) => f.name))
      const properties = (documents?.fields ?? []).map((f) => {
        const definedBy = v.documents.types.filter((t) => t.fields.some((tf) => tf.name === f.name))
        const definition = definedBy[0]?.fields.find((tf) => tf.name === f.name)
        const fromType = definedBy.length > 0 && !standard.has(f.name)
        return {
          name: f.name,
          label: f.label,
          type: DOCUMENT_PROPERTY_TYPE[f.type],
          required: definition?.required === true || f.name === 'name__v',
          // Fields of the document itself (id, versions, status, file) are the vault's to set.
          editable: fromType ? definition?.system !== true : standard.has(f.name),
          repeating: f.multiValue,
          systemAttribute: !fromType && !standard.has(f.name),
          queryable: true,
          hidden: false,
          ...(f.maxLength === undefined ? {} : { maxLength: f.maxLength }),
          ...(definition?.picklist === undefined ? {} : { picklist: definition.picklist }),
          ...(f.object === undefined ? {} : { objectType: f.object }),
          usedIn: fromType
            ? definedBy.map((t) => ({ key: t.name, type: 'type' }))
            : [{ key: BASE_DOCUMENT, type: 'type' }],
        }
      })
      return send(reply, { responseStatus: 'SUCCESS', properties })
    },
  )

  app.get(
    '/limits',
    {
      schema: {
        summary: 'Retrieve Limits: the API burst limit and the calls of the day, with what is left',
        tags: ['auth'],
        params: pathParams({}),
        response: DATA_LIST({ name: 'api_burst_calls', max: 2000, remaining: 1987 }),
      },
    },
    async (_request, reply) => {
      // This call has been counted already (the burst hook runs first), as Vault's headers count it.
      const usage = vault().burst.usage()
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: [
          {
            name: 'api_burst_calls',
            max: usage.burstLimit,
            remaining: usage.burstRemaining,
            window_ends: new Date(usage.burstWindowEndsMs).toISOString(),
          },
          // Vault enforces no daily limit since v21.1: -1 says "no limit"; used is what was counted.
          { name: 'api_daily_calls', max: -1, remaining: -1, used: usage.dailyCalls },
        ],
      })
    },
  )

  app.get(
    '/configuration/Objecttype',
    {
      schema: {
        summary: 'Retrieve Component Records of Objecttype: the object types of every object',
        tags: ['metadata'],
        params: pathParams({}),
        response: DATA_LIST({
          name: 'case_contact__v.hcp__v',
          label: 'HCP',
          object: 'case_contact__v',
          active: true,
        }),
      },
    },
    async (_request, reply) => {
      const data = vault().metadata.current.objects.flatMap((object) =>
        (object.definition.objectTypes ?? []).map((type) => ({
          name: `${object.name}.${type.name}`,
          label: type.label,
          object: object.name,
          active: true,
        })),
      )
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )

  app.get(
    '/objects/domain',
    {
      schema: {
        summary: 'Retrieve Domain Information: this vault, alone in its domain',
        tags: ['auth'],
        params: pathParams({}),
        response: envelopeResponse(
          { domain__v: openObject() },
          {
            responseStatus: 'SUCCESS',
            domain__v: {
              domain_name__v: 'medical.liaison.local',
              domain_type__v: 'Production',
              vaults__v: [
                {
                  id: '1001',
                  vault_name__v: 'medical',
                  vault_status__v: 'Active',
                  vault_application__v: [{ name: 'medical', label: 'Medical' }],
                  vault_family__v: { name__v: 'medical', label__v: 'Medical' },
                },
              ],
            },
          },
        ),
      },
    },
    async (request, reply) => {
      const v = vault()
      return send(reply, {
        responseStatus: 'SUCCESS',
        domain__v: {
          domain_name__v: domainOf(sessionOf(request).user.username),
          domain_type__v: v.environment === 'sandbox' ? 'Sandbox' : 'Production',
          vaults__v: [
            {
              id: String(v.id),
              vault_name__v: v.name,
              vault_status__v: 'Active',
              vault_application__v: [{ name: v.profile.name, label: v.profile.label }],
              vault_family__v: { name__v: v.profile.name, label__v: v.profile.label },
            },
          ],
        },
      })
    },
  )

  app.get(
    '/objects/domains',
    {
      config: { permission: { kind: 'admin', to: 'list the domains' } },
      schema: {
        summary: 'Retrieve Domains (admins): the domain of this vault',
        tags: ['auth'],
        params: pathParams({}),
        response: envelopeResponse(
          { domains: Type.Array(openObject({ name: Type.String(), type: Type.String() })) },
          { responseStatus: 'SUCCESS', domains: [{ name: 'medical.liaison.local', type: 'Production' }] },
        ),
      },
    },
    async (request, reply) =>
      send(reply, {
        responseStatus: 'SUCCESS',
        domains: [
          {
            name: domainOf(sessionOf(request).user.username),
            type: vault().environment === 'sandbox' ? 'Sandbox' : 'Production',
          },
        ],
      }),
  )

  app.get(
    '/delegation/vaults',
    {
      schema: {
        summary: 'Retrieve Delegations: always none (Liaison has no delegated access)',
        tags: ['auth'],
        params: pathParams({}),
        response: envelopeResponse(
          { delegated_vaults: Type.Array(openObject()) },
          { responseStatus: 'SUCCESS', delegated_vaults: [] },
        ),
      },
    },
    async (_request, reply) => send(reply, { responseStatus: 'SUCCESS', delegated_vaults: [] }),
  )
}

/** A vault's domain is what follows the @ of its users' names (admin@medical.liaison.local). */
function domainOf(username: string): string {
  const at = username.lastIndexOf('@')
  return at < 0 ? username : username.slice(at + 1)
}

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import {
  acceptConnectionToken,
  completeHandshake,
  createPendingConnection,
} from '../connection/handshake/index.js'
import { connectionSideOf, connectionVaultOf, runPull } from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { type ConnectionInfo, queueName } from '../platform/messaging/index.js'
import {
  ACCEPT_CONNECTION_BODY,
  CONNECTION,
  CONNECTION_EXAMPLE,
  CONNECTION_PROPERTIES,
  CREATE_CONNECTION_BODY,
  HANDSHAKE_ANSWER,
  HANDSHAKE_BODY,
  INBOUND_BODY,
  RUN_PULL_PARAMS,
  SIGNED_HEADERS,
} from './connection-schemas.js'
import { send } from './envelope.js'
import { dataResponse, openObject } from './envelope-schema.js'
import { CONNECTION_ADMIN, sessionOf } from './guards.js'
import { pathParams, trimmedText } from './request-schemas.js'
import { captureSignedBody, incomingSignedRequest } from './signed-callback.js'

/**
 * This vault's origin as the remote vault will call it back: the admin's `url`, else the vault's
 * configured origin (public-origin.ts), never the Host header of the request.
 */
function localUrlOf(app: FastifyInstance, url: string | undefined): string {
  const given = trimmedText(url)
  if (given !== undefined) return given
  const origin = app.publicOrigin()
  if (origin === undefined)
    throw new LiaisonError(
      'PARAMETER_MISSING',
      'This vault does not know the URL other vaults reach it at: send url (its origin, such as https://medical.example.com), or start it with --public-url.',
    )
  return origin
}

/** A connection in API shape: field names as on `connection__sys`, plus its queues. */
function connectionBody(connection: ConnectionInfo): Record<string, unknown> {
  return {
    id: connection.id,
    name__v: connection.name,
    api_name__sys: connection.apiName,
    connection_type__sys: 'vault_to_vault__sys',
    status__v: connection.status,
    remote_vault_id__sys: connection.remoteVaultId || null,
    remote_vault_url__sys: connection.remoteUrl || null,
    remote_vault_name__sys: connection.remoteName || null,
    remote_environment__sys:
      connection.remotePublicKey === '' ? null : `${connection.remoteEnvironment}__sys`,
    authorized_connection_user__sys: connection.localIntegrationUserId || null,
    authorized_connection_username: connection.localIntegrationUserName || null,
    remote_connection_user__sys: connection.remoteIntegrationUser || null,
    established_date__sys: connection.establishedDate,
    queues: { outbound: queueName(connection, 'outbound'), inbound: queueName(connection, 'inbound') },
  }
}

/** Optional settings of the admin's forms, without the blank ones. */
function namedOptions(body: {
  readonly api_name__sys?: string
  readonly name__v?: string
  readonly integration_user?: string
}): { apiName?: string; name?: string; integrationUser?: string } {
  const apiName = trimmedText(body.api_name__sys)
  const name = trimmedText(body.name__v)
  const integrationUser = trimmedText(body.integration_user)
  return {
    ...(apiName === undefined ? {} : { apiName }),
    ...(name === undefined ? {} : { name }),
    ...(integrationUser === undefined ? {} : { integrationUser }),
  }
}

/**
 * Unauthenticated by session, authenticated by signature (B2): the handshake and the inbound
 * endpoint that remote vaults post messages to. Registered outside the session guard.
 */
export async function connectionSignedRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.addHook('preParsing', captureSignedBody)

  app.post(
    '/services/connections/handshake',
    {
      schema: {
        summary: 'Complete a connection handshake (signed by the accepting vault)',
        description:
          'B1. The vault that accepted a connection token posts here, signed with its own key (X-Liaison-* headers). The token secret must match a pending connection and is used once; both connections become active__v.',
        tags: ['connections'],
        params: pathParams({}),
        headers: SIGNED_HEADERS,
        body: HANDSHAKE_BODY,
        response: dataResponse(HANDSHAKE_ANSWER, {
          responseStatus: 'SUCCESS',
          data: {
            connection_id: 'V4C000000000101',
            api_name: 'medical_crm__v',
            vault_id: '1001',
            vault_name: 'medical',
            environment: 'production',
            integration_user: 'integration@medical.liaison.local',
          },
        }),
      },
    },
    async (request, reply) => {
      const answer = await completeHandshake(app.vault, incomingSignedRequest(request))
      return send(reply, { responseStatus: 'SUCCESS', data: answer })
    },
  )

  app.post(
    '/services/connections/inbound',
    {
      schema: {
        summary: 'Receive a message from a connected vault (signed)',
        description:
          'The inbound queue. A connected vault posts one message, signed (B2). Refused: unknown or inactive connections, and a sandbox sending to production (B3, recorded as a User Exception Message here). A message id already received is acknowledged and ignored.',
        tags: ['connections'],
        params: pathParams({}),
        headers: SIGNED_HEADERS,
        body: INBOUND_BODY,
        response: dataResponse(openObject({ message_id: Type.String(), duplicate: Type.Boolean() }), {
          responseStatus: 'SUCCESS',
          data: { message_id: '0f8e6c1a-6b1e-4d43-9d2e-0c7f1a2b3c4d', duplicate: false },
        }),
      },
    },
    async (request, reply) => {
      const received = await app.vault.messaging.receiveInbound(incomingSignedRequest(request))
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: { message_id: received.messageId, duplicate: received.duplicate },
      })
    },
  )
}

/** Connections: list, create pending with a token, accept a token, run a pull now (session-guarded). */
export async function connectionRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/services/connections',
    {
      schema: {
        summary: 'List connections',
        tags: ['connections'],
        params: pathParams({}),
        response: dataResponse(Type.Array(CONNECTION), {
          responseStatus: 'SUCCESS',
          data: [CONNECTION_EXAMPLE],
        }),
      },
    },
    async (_request, reply) => {
      const connections = await app.vault.messaging.listConnections()
      return send(reply, { responseStatus: 'SUCCESS', data: connections.map(connectionBody) })
    },
  )

  app.post(
    '/services/connections',
    {
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'Create a pending connection and its one-time connection token (admin)',
        description:
          'B1, first step. Give connection_token (or connection_file) to the admin of the remote vault, who accepts it with POST /services/connections/accept there.',
        tags: ['connections'],
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        params: pathParams({}),
        body: CREATE_CONNECTION_BODY,
        response: dataResponse(
          openObject({
            ...CONNECTION_PROPERTIES,
            connection_token: Type.String({ description: 'One-time token for the remote admin.' }),
            connection_file: openObject({}, { description: 'The token as JSON.' }),
          }),
          {
            responseStatus: 'SUCCESS',
            data: {
              ...CONNECTION_EXAMPLE,
              status__v: 'pending__sys',
              connection_token: 'eyJmb3JtYXQiOiJsaWFpc29uLWNvbm5lY3Rpb24tMSIs…',
              connection_file: { format: 'liaison-connection-1', connection_id: 'V4C000000000101' },
            },
          },
        ),
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      const { body } = request
      const remoteUrl = trimmedText(body.remote_vault_url__sys)
      const remoteVaultId = trimmedText(body.remote_vault_id__sys)
      const pending = await createPendingConnection(app.vault, actor, {
        localUrl: localUrlOf(app, body.url),
        ...(remoteUrl === undefined ? {} : { remoteUrl }),
        ...(remoteVaultId === undefined ? {} : { remoteVaultId }),
        ...namedOptions(body),
      })
      return send(reply, {
        responseStatus: 'SUCCESS',
        data: {
          ...connectionBody(pending.connection),
          connection_token: pending.token,
          connection_file: pending.file,
        },
      })
    },
  )

  app.post(
    '/services/connections/accept',
    {
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'Accept a connection token from another vault (admin)',
        description:
          'B1, second step. Creates this vault connection, completes the handshake with the issuing vault (signed), and answers the active connection.',
        tags: ['connections'],
        consumes: ['application/json', 'application/x-www-form-urlencoded'],
        params: pathParams({}),
        body: ACCEPT_CONNECTION_BODY,
        response: dataResponse(CONNECTION, { responseStatus: 'SUCCESS', data: CONNECTION_EXAMPLE }),
      },
    },
    async (request, reply) => {
      const { actor } = sessionOf(request)
      const { body } = request
      const token = body.connection_token ?? body.connection_file
      if (token === undefined || token === '')
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send connection_token (or connection_file) from the other vault.',
        )
      const connection = await acceptConnectionToken(app.vault, actor, {
        token,
        localUrl: localUrlOf(app, body.url),
        ...namedOptions(body),
      })
      return send(reply, { responseStatus: 'SUCCESS', data: connectionBody(connection) })
    },
  )

  app.post(
    '/services/connections/:api_name/actions/run/:integration_point',
    {
      config: { permission: CONNECTION_ADMIN },
      schema: {
        summary: 'Run a scheduled pull now (admin)',
        tags: ['connections'],
        params: RUN_PULL_PARAMS,
        response: dataResponse(openObject({}, { description: 'What the pull did.' }), {
          responseStatus: 'SUCCESS',
          data: {
            integration_point: 'case_request_inbound__v',
            integration_point_id: 'V4P000000000101',
            queued: true,
          },
        }),
      },
    },
    async (request, reply) => {
      const params = request.params
      const data = await runPull(connectionVaultOf(app.vault), connectionSideOf(app.vault.profile.name), {
        connectionApiName: params.api_name,
        integrationPoint: params.integration_point,
      })
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )
}

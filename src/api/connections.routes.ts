import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  acceptConnectionToken,
  completeHandshake,
  createPendingConnection,
} from '../connection/handshake/index.js'
import { connectionSideOf, connectionVaultOf, runPull } from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import {
  type ConnectionInfo,
  type IncomingSignedRequest,
  isSignedRequest,
  queueName,
} from '../platform/messaging/index.js'
import { send, sessionOf } from './envelope.js'
import type { RequestSession } from './fastify-types.js'

/**
 * The exact bytes of signed requests' bodies, which their signatures cover. Keyed by request, so
 * it holds nothing beyond a request's life and nothing shared between vaults.
 */
const RAW_BODIES = new WeakMap<FastifyRequest, Buffer>()

/** Largest signed body kept for verification (messages carry ids only; callbacks are small). */
const SIGNED_BODY_LIMIT_BYTES = 10 * 1024 * 1024

/**
 * `preParsing` hook: keeps the raw body of a signed request (X-Liaison-Signature) for
 * verification and hands the parser an identical stream. Unsigned requests pass untouched.
 */
export async function captureSignedBody(
  request: FastifyRequest,
  _reply: FastifyReply,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  if (!isSignedRequest(request)) return payload
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of payload) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array)
    size += buffer.length
    if (size > SIGNED_BODY_LIMIT_BYTES)
      throw new LiaisonError(
        'BODY_TOO_LARGE',
        `A signed request body may be at most ${SIGNED_BODY_LIMIT_BYTES} bytes.`,
      )
    chunks.push(buffer)
  }
  const raw = Buffer.concat(chunks)
  RAW_BODIES.set(request, raw)
  const stream = Readable.from(raw.length === 0 ? [] : [raw]) as Readable & { receivedEncodedLength?: number }
  stream.receivedEncodedLength = raw.length
  return stream
}

/** The request as signature verification sees it: method, path with query, headers, raw body. */
export function incomingSignedRequest(request: FastifyRequest): IncomingSignedRequest {
  return {
    method: request.method,
    path: request.url,
    headers: request.headers,
    body: RAW_BODIES.get(request) ?? Buffer.alloc(0),
  }
}

/** True when the request is signed by a vault (and so needs no session). */
export function isSignedCallback(request: FastifyRequest): boolean {
  return isSignedRequest(request)
}

/**
 * B2: verifies a signed callback from a connected vault and answers the session it runs under:
 * the connection's authorised integration user, naming the connection for the audit trail.
 */
export async function authenticateSignedCallback(request: FastifyRequest): Promise<RequestSession> {
  const identity = await request.server.vault.messaging.authenticateCallback(incomingSignedRequest(request))
  return {
    sessionId: '',
    user: { ...identity.user, status: 'active__v' },
    actor: {
      userId: identity.user.userId,
      userName: identity.user.username,
      securityProfile: identity.user.securityProfile,
      connection: identity.connection.apiName,
    },
  }
}

/** Admin endpoints (connections, queues) need the System Administrator profile. */
export function assertAdmin(request: FastifyRequest): RequestSession {
  const session = sessionOf(request)
  if (session.user.securityProfile !== 'admin__sys')
    throw new LiaisonError(
      'ACCESS_DENIED',
      `${session.user.username} may not manage connections and queues; this needs the System Administrator (admin__sys) security profile.`,
    )
  return session
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function bodyField(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** A connection in API shape: field names as on `connection__sys`, plus its queues. */
export function connectionBody(connection: ConnectionInfo): Record<string, unknown> {
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

const CONNECTION_SCHEMA = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    name__v: { type: 'string' },
    api_name__sys: { type: 'string' },
    connection_type__sys: { type: 'string' },
    status__v: { type: 'string', enum: ['pending__sys', 'active__v', 'inactive__v'] },
    remote_vault_id__sys: { type: ['string', 'null'] },
    remote_vault_url__sys: { type: ['string', 'null'] },
    remote_vault_name__sys: { type: ['string', 'null'] },
    remote_environment__sys: { type: ['string', 'null'], enum: ['production__sys', 'sandbox__sys', null] },
    authorized_connection_user__sys: { type: ['string', 'null'] },
    authorized_connection_username: { type: ['string', 'null'] },
    remote_connection_user__sys: { type: ['string', 'null'] },
    established_date__sys: { type: ['string', 'null'] },
    queues: {
      type: 'object',
      additionalProperties: true,
      properties: { outbound: { type: 'string' }, inbound: { type: 'string' } },
    },
  },
} as const

/**
 * The documented answer: Vault's envelope around `data`. Open (additionalProperties) so the
 * serializer never drops a field, and so failures (`errors`) fit the same schema.
 */
export function envelopeSchema(data: Record<string, unknown>): Record<string, unknown> {
  return {
    200: {
      type: 'object',
      additionalProperties: true,
      properties: {
        responseStatus: { type: 'string', enum: ['SUCCESS', 'WARNING', 'FAILURE', 'EXCEPTION'] },
        data,
        errors: {
          type: 'array',
          items: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  }
}

const SIGNED_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'x-liaison-vault-id': { type: 'string', description: 'Vault id of the sender.' },
    'x-liaison-timestamp': { type: 'string', description: 'UTC ISO-8601 with milliseconds; ±5 minutes.' },
    'x-liaison-message-id': { type: 'string', description: 'A fresh id per request; replays are refused.' },
    'x-liaison-signature': {
      type: 'string',
      description:
        'Base64 Ed25519 signature of "LIAISON-ED25519-V1\\nMETHOD\\nPATH?QUERY\\nTIMESTAMP\\nMESSAGE-ID\\nVAULT-ID\\nSHA256-HEX(BODY)".',
    },
  },
} as const

/**
 * Unauthenticated by session, authenticated by signature (B2): the handshake and the inbound
 * endpoint that remote vaults post messages to. Registered outside the session guard.
 */
export async function connectionSignedRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preParsing', captureSignedBody)

  app.post(
    '/services/connections/handshake',
    {
      schema: {
        summary: 'Complete a connection handshake (signed by the accepting vault)',
        description:
          'B1. The vault that accepted a connection token posts here, signed with its own key (X-Liaison-* headers). The token secret must match a pending connection and is used once; both connections become active__v.',
        tags: ['connections'],
        headers: SIGNED_HEADERS_SCHEMA,
        body: {
          type: 'object',
          required: ['connection_id', 'secret', 'vault_id', 'vault_name', 'url', 'environment', 'public_key'],
          properties: {
            format: { type: 'string' },
            connection_id: { type: 'string', description: 'The issuing vault connection id from the token.' },
            secret: { type: 'string', description: 'The token secret.' },
            vault_id: { type: 'string' },
            vault_name: { type: 'string' },
            url: { type: 'string', description: 'Origin of the accepting vault.' },
            environment: { type: 'string', enum: ['production', 'sandbox'] },
            public_key: { type: 'string', description: 'PEM of the accepting vault Ed25519 public key.' },
            integration_user: { type: 'string' },
            remote_connection_id: { type: 'string' },
            api_name: { type: 'string' },
          },
        },
        response: envelopeSchema({
          type: 'object',
          additionalProperties: true,
          properties: {
            connection_id: { type: 'string' },
            api_name: { type: 'string' },
            vault_id: { type: 'string' },
            vault_name: { type: 'string' },
            environment: { type: 'string' },
            integration_user: { type: 'string' },
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
        headers: SIGNED_HEADERS_SCHEMA,
        body: {
          type: 'object',
          required: ['message_id', 'integration_point', 'ordering_key', 'message'],
          properties: {
            message_id: { type: 'string', description: 'UUID; the receiver de-duplicates on it.' },
            vault_id: { type: 'string' },
            vault_name: { type: 'string' },
            integration_point: { type: 'string' },
            ordering_key: { type: 'string' },
            enter_queue_timestamp: { type: 'string' },
            send_message_timestamp: { type: 'string' },
            send_attempt: { type: 'integer' },
            message: {
              type: 'object',
              required: ['items'],
              properties: {
                items: { type: 'array', maxItems: 500, items: { type: 'string' } },
                attributes: { type: 'object', additionalProperties: true },
              },
            },
          },
        },
        response: envelopeSchema({
          type: 'object',
          additionalProperties: true,
          properties: { message_id: { type: 'string' }, duplicate: { type: 'boolean' } },
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
export async function connectionRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/services/connections',
    {
      schema: {
        summary: 'List connections',
        tags: ['connections'],
        response: envelopeSchema({ type: 'array', items: CONNECTION_SCHEMA }),
      },
    },
    async (request, reply) => {
      sessionOf(request)
      const connections = await app.vault.messaging.listConnections()
      return send(reply, { responseStatus: 'SUCCESS', data: connections.map(connectionBody) })
    },
  )

  app.post(
    '/services/connections',
    {
      schema: {
        summary: 'Create a pending connection and its one-time connection token (admin)',
        description:
          'B1, first step. Give connection_token (or connection_file) to the admin of the remote vault, who accepts it with POST /services/connections/accept there.',
        tags: ['connections'],
        body: {
          type: 'object',
          properties: {
            api_name__sys: { type: 'string', description: 'Default: medical_crm__v, or a free variant.' },
            name__v: { type: 'string' },
            remote_vault_url__sys: { type: 'string' },
            remote_vault_id__sys: { type: 'string', description: 'Only this vault may accept the token.' },
            integration_user: { type: 'string', description: 'Username the remote vault calls back as.' },
            url: {
              type: 'string',
              description: 'This vault origin as the remote reaches it. Default: as called.',
            },
          },
        },
        response: envelopeSchema({
          type: 'object',
          additionalProperties: true,
          properties: {
            ...CONNECTION_SCHEMA.properties,
            connection_token: { type: 'string', description: 'One-time token for the remote admin.' },
            connection_file: {
              type: 'object',
              additionalProperties: true,
              description: 'The token as JSON.',
            },
          },
        }),
      },
    },
    async (request, reply) => {
      const { actor } = assertAdmin(request)
      const body = request.body
      const remoteUrl = bodyField(body, 'remote_vault_url__sys')
      const remoteVaultId = bodyField(body, 'remote_vault_id__sys')
      const apiName = bodyField(body, 'api_name__sys')
      const name = bodyField(body, 'name__v')
      const integrationUser = bodyField(body, 'integration_user')
      const pending = await createPendingConnection(app.vault, actor, {
        localUrl: bodyField(body, 'url') ?? origin(request),
        ...(remoteUrl === undefined ? {} : { remoteUrl }),
        ...(remoteVaultId === undefined ? {} : { remoteVaultId }),
        ...(apiName === undefined ? {} : { apiName }),
        ...(name === undefined ? {} : { name }),
        ...(integrationUser === undefined ? {} : { integrationUser }),
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
      schema: {
        summary: 'Accept a connection token from another vault (admin)',
        description:
          'B1, second step. Creates this vault connection, completes the handshake with the issuing vault (signed), and answers the active connection.',
        tags: ['connections'],
        body: {
          type: 'object',
          properties: {
            connection_token: { type: 'string' },
            connection_file: { description: 'The connection file, as a JSON object or its text.' },
            api_name__sys: { type: 'string' },
            name__v: { type: 'string' },
            integration_user: { type: 'string' },
            url: {
              type: 'string',
              description: 'This vault origin as the remote reaches it. Default: as called.',
            },
          },
        },
        response: envelopeSchema(CONNECTION_SCHEMA),
      },
    },
    async (request, reply) => {
      const { actor } = assertAdmin(request)
      const body = (request.body ?? {}) as Record<string, unknown>
      const token = body.connection_token ?? body.connection_file
      if (token === undefined || token === '')
        throw new LiaisonError(
          'PARAMETER_MISSING',
          'Send connection_token (or connection_file) from the other vault.',
        )
      const apiName = bodyField(body, 'api_name__sys')
      const name = bodyField(body, 'name__v')
      const integrationUser = bodyField(body, 'integration_user')
      const connection = await acceptConnectionToken(app.vault, actor, {
        token,
        localUrl: bodyField(body, 'url') ?? origin(request),
        ...(apiName === undefined ? {} : { apiName }),
        ...(name === undefined ? {} : { name }),
        ...(integrationUser === undefined ? {} : { integrationUser }),
      })
      return send(reply, { responseStatus: 'SUCCESS', data: connectionBody(connection) })
    },
  )

  app.post(
    '/services/connections/:api_name/actions/run/:integration_point',
    {
      schema: {
        summary: 'Run a scheduled pull now (admin)',
        tags: ['connections'],
        params: {
          type: 'object',
          properties: {
            version: { type: 'string' },
            api_name: { type: 'string' },
            integration_point: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      assertAdmin(request)
      const params = request.params as { api_name: string; integration_point: string }
      const data = await runPull(connectionVaultOf(app.vault), connectionSideOf(app.vault.profile.name), {
        connectionApiName: params.api_name,
        integrationPoint: params.integration_point,
      })
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )
}

import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import { type IncomingSignedRequest, isSignedRequest } from '../platform/messaging/index.js'
import type { RequestSession } from './fastify-types.js'

/**
 * The exact bytes of signed requests' bodies, which their signatures cover. Keyed by request, so
 * it holds nothing beyond a request's life and nothing shared between vaults.
 */
const RAW_BODIES = new WeakMap<FastifyRequest, Buffer>()

/** Largest signed body kept for verification (messages carry ids only; callbacks are small). */
const SIGNED_BODY_LIMIT_BYTES = 10 * 1024 * 1024

/** A parser input stream that also tells Fastify's body limit check how many bytes it carries. */
interface MeasuredStream extends Readable {
  receivedEncodedLength?: number
}

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
    const buffer = Buffer.from(chunk)
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
  const stream: MeasuredStream = Readable.from(raw.length === 0 ? [] : [raw])
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
      remote: {
        connectionId: identity.connection.id,
        sandboxIntoProduction: identity.sandboxIntoProduction,
      },
    },
  }
}

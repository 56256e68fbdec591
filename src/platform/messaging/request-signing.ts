import { createHash, randomUUID } from 'node:crypto'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { SIGNATURE_HEADERS, SIGNATURE_WINDOW_MS } from './defaults.js'
import type { IncomingSignedRequest } from './messaging-types.js'
import { parsePublicKey, verifySignature } from './vault-keys.js'

/** What the sender signs (B2). */
export interface RequestToSign {
  readonly method: string
  /** Path with query string, as the receiver will see it (`/api/v25.2/query?x=1`). */
  readonly path: string
  readonly body?: string | Uint8Array
  /**
   * The vault id of the receiver. Signed, so a request captured on its way to one vault is refused
   * by every other vault that trusts the same sender key.
   */
  readonly recipientVaultId: string
  /** A fresh id per request; the receiver refuses an id it has accepted. (Default: a new UUID) */
  readonly messageId?: string
}

/** The signing side: this vault's id and a function that signs bytes with its private key. */
export interface RequestSigner {
  readonly vaultId: string
  sign(data: Uint8Array): string
}

/** The headers of a signed request, named as sent. */
export interface SignedHeaders {
  readonly 'X-Liaison-Vault-Id': string
  readonly 'X-Liaison-Recipient-Id': string
  readonly 'X-Liaison-Timestamp': string
  readonly 'X-Liaison-Message-Id': string
  readonly 'X-Liaison-Signature': string
}

/** What a verified request says about itself. */
export interface VerifiedRequest {
  readonly vaultId: string
  readonly messageId: string
  readonly timestamp: string
  readonly timestampMs: number
}

const TEXT = new TextEncoder()

function bytesOf(body: string | Uint8Array | undefined): Uint8Array {
  if (body === undefined) return new Uint8Array()
  return typeof body === 'string' ? TEXT.encode(body) : body
}

/**
 * The bytes that are signed: method, path with query, timestamp, message id, sender and recipient
 * vault ids and the SHA-256 of the body, one per line. Any change to any of them breaks the
 * signature. V2 added the recipient; a V1 signature never verifies.
 */
export function canonicalRequest(parts: {
  readonly method: string
  readonly path: string
  readonly timestamp: string
  readonly messageId: string
  readonly vaultId: string
  readonly recipientVaultId: string
  readonly body: Uint8Array
}): Uint8Array {
  const bodyHash = createHash('sha256').update(parts.body).digest('hex')
  return TEXT.encode(
    [
      'LIAISON-ED25519-V2',
      parts.method.toUpperCase(),
      parts.path,
      parts.timestamp,
      parts.messageId,
      parts.vaultId,
      parts.recipientVaultId,
      bodyHash,
    ].join('\n'),
  )
}

/** Signs a request: the five X-Liaison-* headers to send with it. */
export function signRequest(signer: RequestSigner, clock: Clock, request: RequestToSign): SignedHeaders {
  const timestamp = new Date(clock.now()).toISOString()
  const messageId = request.messageId ?? randomUUID()
  const data = canonicalRequest({
    method: request.method,
    path: request.path,
    timestamp,
    messageId,
    vaultId: signer.vaultId,
    recipientVaultId: request.recipientVaultId,
    body: bytesOf(request.body),
  })
  return {
    'X-Liaison-Vault-Id': signer.vaultId,
    'X-Liaison-Recipient-Id': request.recipientVaultId,
    'X-Liaison-Timestamp': timestamp,
    'X-Liaison-Message-Id': messageId,
    'X-Liaison-Signature': signer.sign(data),
  }
}

function header(request: IncomingSignedRequest, name: string): string | undefined {
  const value = request.headers[name] ?? request.headers[name.toLowerCase()]
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' && first.trim() !== '' ? first.trim() : undefined
}

/** True when the request carries a signature (and so must be verified instead of a session). */
export function isSignedRequest(request: Pick<IncomingSignedRequest, 'headers'>): boolean {
  return header(request as IncomingSignedRequest, SIGNATURE_HEADERS.signature) !== undefined
}

/** The vault id a signed request claims to come from, before it is verified. */
export function claimedVaultId(request: Pick<IncomingSignedRequest, 'headers'>): string | undefined {
  return header(request as IncomingSignedRequest, SIGNATURE_HEADERS.vaultId)
}

function refused(message: string): LiaisonError {
  return new LiaisonError('SESSION_INVALID', message, { details: { reason: 'SIGNATURE_INVALID' } })
}

/** What a receiver checks a signature against: the sender's key and the receiver's own vault id. */
export interface SignatureCheck {
  readonly publicKeyPem: string
  /** This vault's id: a request signed for another vault is refused. */
  readonly recipientVaultId: string
}

/**
 * Verifies a signed request with the sender's public key: all headers present, addressed to this
 * vault, timestamp within ±5 minutes of this vault's clock, signature over exactly these bytes
 * (with this vault's id as the recipient, whatever the header says). Throws SESSION_INVALID
 * (INVALID_SESSION_ID). Replays are refused separately, by message id (see SeenRequests).
 */
export function verifySignedRequest(
  request: IncomingSignedRequest,
  check: SignatureCheck,
  clock: Clock,
  windowMs = SIGNATURE_WINDOW_MS,
): VerifiedRequest {
  const vaultId = header(request, SIGNATURE_HEADERS.vaultId)
  const recipient = header(request, SIGNATURE_HEADERS.recipientId)
  const timestamp = header(request, SIGNATURE_HEADERS.timestamp)
  const messageId = header(request, SIGNATURE_HEADERS.messageId)
  const signature = header(request, SIGNATURE_HEADERS.signature)
  if (
    vaultId === undefined ||
    recipient === undefined ||
    timestamp === undefined ||
    messageId === undefined ||
    signature === undefined
  )
    throw refused(
      'The request is not signed: X-Liaison-Vault-Id, X-Liaison-Recipient-Id, X-Liaison-Timestamp, X-Liaison-Message-Id and X-Liaison-Signature are all required (a vault of an older Liaison release signs without the recipient: upgrade it).',
    )
  if (recipient !== check.recipientVaultId)
    throw refused(
      `Request ${messageId} from vault ${vaultId} was signed for vault ${recipient}, and this is vault ${check.recipientVaultId}: a request is accepted only by the vault it was sent to.`,
    )
  const timestampMs = Date.parse(timestamp)
  if (!Number.isFinite(timestampMs) || new Date(timestampMs).toISOString() !== timestamp)
    throw refused(`X-Liaison-Timestamp "${timestamp}" is not a UTC ISO-8601 date-time with milliseconds.`)
  const skew = Math.abs(clock.now() - timestampMs)
  if (skew > windowMs)
    throw refused(
      `The request was signed at ${timestamp}, ${Math.round(skew / 1000)} s away from this vault's clock; at most ${Math.round(windowMs / 1000)} s is accepted. Check both servers' clocks.`,
    )
  const key = parsePublicKey(check.publicKeyPem)
  if (key === undefined)
    throw refused(
      `The connection with vault ${vaultId} has no valid public key; establish the connection again.`,
    )
  const data = canonicalRequest({
    method: request.method,
    path: request.path,
    timestamp,
    messageId,
    vaultId,
    recipientVaultId: check.recipientVaultId,
    body: request.body,
  })
  if (!verifySignature(key, data, signature))
    throw refused(
      `The signature of request ${messageId} from vault ${vaultId} does not match: the request was changed, or signed with another key.`,
    )
  return { vaultId, messageId, timestamp, timestampMs }
}

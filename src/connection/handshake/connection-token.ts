import { createHash, timingSafeEqual } from 'node:crypto'
import { LiaisonError } from '../../platform/errors/index.js'
import { REMOTE_ENVIRONMENTS, type RemoteEnvironment } from '../../platform/messaging/index.js'
import { CONNECTION_TOKEN_LIFETIME_MS } from './defaults.js'

/** The format name carried by every connection file, so a wrong file is recognised at once. */
export const CONNECTION_FILE_FORMAT = 'liaison-connection-file/1'

/**
 * A one-time connection file (B1): what the vault that created a pending connection tells the
 * vault that will accept it. The token is the same JSON, base64url-encoded. Only the SHA-256 of
 * `secret` is kept by the issuing vault.
 */
export interface ConnectionFile {
  readonly format: typeof CONNECTION_FILE_FORMAT
  /** The issuing vault's `connection__sys` record id. */
  readonly connection_id: string
  readonly api_name: string
  readonly vault_id: string
  readonly vault_name: string
  /** The issuing vault's origin, e.g. `http://127.0.0.1:4100`. */
  readonly url: string
  readonly environment: RemoteEnvironment
  /** PEM of the issuing vault's Ed25519 public key. */
  readonly public_key: string
  /** Username of the issuing vault's integration user (the accepting vault calls back as it). */
  readonly integration_user: string
  readonly secret: string
  readonly issued_date: string
  /** When the token stops being accepted (issued_date + CONNECTION_TOKEN_LIFETIME_MS). */
  readonly expires_date: string
}

export function encodeConnectionToken(file: ConnectionFile): string {
  return Buffer.from(JSON.stringify(file), 'utf8').toString('base64url')
}

/** SHA-256 (hex) of a token secret: what the issuing vault stores. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Compares a secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex')
  const b = Buffer.from(storedHash, 'hex')
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b)
}

function field(value: Record<string, unknown>, name: string): string {
  const v = value[name]
  if (typeof v !== 'string' || v.trim() === '')
    throw new LiaisonError(
      'FIELD_TYPE',
      `The connection file has no ${name}; ask the admin of the other vault for a new connection token.`,
    )
  return v
}

/**
 * Reads a connection token (base64url) or connection file (JSON text or object). Throws
 * FIELD_TYPE (INVALID_DATA) saying what is wrong.
 */
export function parseConnectionFile(input: unknown): ConnectionFile {
  let value: unknown = input
  if (typeof value === 'string') {
    const text = value.trim()
    try {
      value = JSON.parse(text.startsWith('{') ? text : Buffer.from(text, 'base64url').toString('utf8'))
    } catch {
      throw new LiaisonError(
        'FIELD_TYPE',
        'The connection token cannot be read: paste the whole token (or connection file) the other vault gave.',
      )
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new LiaisonError('FIELD_TYPE', 'The connection token cannot be read: it is not a connection file.')
  const v = value as Record<string, unknown>
  if (v.format !== CONNECTION_FILE_FORMAT)
    throw new LiaisonError(
      'FIELD_TYPE',
      `This is not a Liaison connection file (format ${JSON.stringify(v.format)}, expected ${CONNECTION_FILE_FORMAT}).`,
    )
  const environment = field(v, 'environment')
  if (!(REMOTE_ENVIRONMENTS as readonly string[]).includes(environment))
    throw new LiaisonError('FIELD_TYPE', `The connection file names an unknown environment "${environment}".`)
  const url = field(v, 'url')
  if (!/^https?:\/\/[^/\s]+$/.test(url.replace(/\/+$/, '')))
    throw new LiaisonError('FIELD_TYPE', `The connection file's url "${url}" is not an http(s) origin.`)
  return {
    format: CONNECTION_FILE_FORMAT,
    connection_id: field(v, 'connection_id'),
    api_name: field(v, 'api_name'),
    vault_id: field(v, 'vault_id'),
    vault_name: field(v, 'vault_name'),
    url: url.replace(/\/+$/, ''),
    environment: environment as RemoteEnvironment,
    public_key: field(v, 'public_key'),
    integration_user: field(v, 'integration_user'),
    secret: field(v, 'secret'),
    issued_date: typeof v.issued_date === 'string' ? v.issued_date : '',
    expires_date: typeof v.expires_date === 'string' ? v.expires_date : '',
  }
}

/** When a token issued at `issuedMs` expires. */
export function tokenExpiry(issuedMs: number): string {
  return new Date(issuedMs + CONNECTION_TOKEN_LIFETIME_MS).toISOString()
}

/**
 * Refuses an expired connection token (OPERATION_NOT_ALLOWED), naming when it expired and who
 * issues a new one. A date that cannot be read counts as expired.
 */
export function assertTokenUnexpired(expiresDate: string, nowMs: number, issuer: string): void {
  const expiresMs = Date.parse(expiresDate)
  if (Number.isFinite(expiresMs) && nowMs <= expiresMs) return
  throw new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `The connection token expired${Number.isFinite(expiresMs) ? ` at ${expiresDate}` : ''}: a token is accepted for ${CONNECTION_TOKEN_LIFETIME_MS / 3_600_000} h after it is issued. Ask the admin of ${issuer} for a new token.`,
    { details: { reason: 'CONNECTION_TOKEN_EXPIRED' } },
  )
}

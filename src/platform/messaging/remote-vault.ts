import type { Clock } from '../clock/index.js'
import { type ErrorCode, LiaisonError, VAULT_ERROR_TYPES, type VaultErrorType } from '../errors/index.js'
import { REMOTE_API_VERSION, REMOTE_CALL_TIMEOUT_MS } from './defaults.js'
import type {
  ConnectionInfo,
  RemoteFile,
  RemoteQueryPage,
  RemoteQueryResult,
  RemoteVault,
} from './messaging-types.js'
import { multipartBoundary, parseFileParts } from './multipart-files.js'
import { type RequestSigner, signRequest } from './request-signing.js'

/** The batch file route of a vault (GET, a Liaison extension): the files of several versions in one answer. */
export const BATCH_FILES_PATH = '/objects/documents/batch/files'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** One signed HTTP call's answer: the status and the JSON body (an envelope). */
export interface SignedResponse {
  readonly status: number
  readonly body: Record<string, unknown>
}

/**
 * Why a remote call failed, as this vault classifies it: `never` means retrying cannot help
 * (the remote said not allowed, refused the signature or the data); `backoff` means try later.
 */
export const REMOTE_ERROR_CODES: Readonly<Record<VaultErrorType, ErrorCode>> = Object.freeze({
  INVALID_SESSION_ID: 'SESSION_INVALID',
  USERNAME_OR_PASSWORD_INCORRECT: 'LOGIN_FAILED',
  PARAMETER_REQUIRED: 'PARAMETER_MISSING',
  INVALID_DATA: 'QUERY_INVALID',
  INCORRECT_QUERY_SYNTAX_ERROR: 'QUERY_SYNTAX',
  INSUFFICIENT_ACCESS: 'ACCESS_DENIED',
  OPERATION_NOT_ALLOWED: 'OPERATION_NOT_ALLOWED',
  ITEM_NAME_EXISTS: 'UNIQUE_VIOLATION',
  MALFORMED_URL: 'URL_MALFORMED',
  METHOD_NOT_SUPPORTED: 'METHOD_UNSUPPORTED',
  API_LIMIT_EXCEEDED: 'BURST_LIMIT',
  UNEXPECTED_ERROR: 'INTERNAL',
})

function firstError(body: Record<string, unknown>): { type: string; message: string } | undefined {
  const errors = body.errors
  if (!Array.isArray(errors) || errors.length === 0) return undefined
  const first = errors[0] as { type?: unknown; message?: unknown }
  return { type: String(first.type ?? 'UNEXPECTED_ERROR'), message: String(first.message ?? '') }
}

/** True for an envelope that reports success (SUCCESS or WARNING). */
export function isSuccess(body: Record<string, unknown>): boolean {
  return body.responseStatus === 'SUCCESS' || body.responseStatus === 'WARNING'
}

/** Turns a remote failure envelope into a LiaisonError of the matching code, naming the remote vault. */
export function remoteFailure(remote: string, response: SignedResponse): LiaisonError {
  const error = firstError(response.body)
  const type = (VAULT_ERROR_TYPES as readonly string[]).includes(error?.type ?? '')
    ? (error!.type as VaultErrorType)
    : 'UNEXPECTED_ERROR'
  // A 5xx without a Vault error type is the remote (or a proxy) failing: worth another try.
  const code = response.status >= 500 && error === undefined ? 'INTERNAL' : REMOTE_ERROR_CODES[type]
  return new LiaisonError(
    code,
    `${remote} answered ${type}: ${error?.message || `HTTP ${response.status}`}`,
    {
      details: { remoteType: type, remoteStatus: response.status },
    },
  )
}

function encodeBody(body: unknown): { payload: string | undefined; contentType: string | undefined } {
  if (body === undefined) return { payload: undefined, contentType: undefined }
  if (body instanceof URLSearchParams)
    return { payload: body.toString(), contentType: 'application/x-www-form-urlencoded' }
  if (typeof body === 'string') return { payload: body, contentType: 'text/csv' }
  return { payload: JSON.stringify(body), contentType: 'application/json' }
}

/** Absolute path on the remote: `/api/…` as given, anything else under the remote API version. */
export function remotePath(path: string): string {
  if (path.startsWith('/api/')) return path
  return `/api/${REMOTE_API_VERSION}${path.startsWith('/') ? path : `/${path}`}`
}

/** One signed call as sendSigned and fetchSigned take it. */
export interface SignedCall {
  readonly baseUrl: string
  /** The vault id of the vault at baseUrl; the signature covers it (see RequestToSign). */
  readonly recipientVaultId: string
  readonly method: HttpMethod
  readonly path: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  readonly messageId?: string
  readonly timeoutMs?: number
  /** Aborts the call (the vault is closing). */
  readonly signal?: AbortSignal
  /** How to name the remote in error messages. */
  readonly remoteName?: string
  /** What to accept. (Default: application/json) */
  readonly accept?: string
}

/** Sends one signed request and answers the raw response; INTERNAL (retry: backoff) when unreachable. */
async function fetchSigned(signer: RequestSigner, clock: Clock, request: SignedCall): Promise<Response> {
  const { payload, contentType } = encodeBody(request.body)
  const path = remotePath(request.path)
  const signed = signRequest(signer, clock, {
    method: request.method,
    path,
    recipientVaultId: request.recipientVaultId,
    ...(payload === undefined ? {} : { body: payload }),
    ...(request.messageId === undefined ? {} : { messageId: request.messageId }),
  })
  const base = request.baseUrl.replace(/\/+$/, '')
  const who = request.remoteName ?? `The vault at ${base}`
  try {
    return await fetch(`${base}${path}`, {
      method: request.method,
      headers: {
        ...(request.headers ?? {}),
        ...signed,
        accept: request.accept ?? 'application/json',
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
      },
      ...(payload === undefined ? {} : { body: payload }),
      signal:
        request.signal === undefined
          ? AbortSignal.timeout(request.timeoutMs ?? REMOTE_CALL_TIMEOUT_MS)
          : AbortSignal.any([
              request.signal,
              AbortSignal.timeout(request.timeoutMs ?? REMOTE_CALL_TIMEOUT_MS),
            ]),
    })
  } catch (error) {
    throw new LiaisonError(
      'INTERNAL',
      `${who} could not be reached (${request.method} ${path}): ${error instanceof Error ? error.message : String(error)}. It is retried; check that the vault runs and its URL is right.`,
      { cause: error, details: { reason: 'REMOTE_UNREACHABLE' } },
    )
  }
}

/** The name a remote call's errors give the vault. */
function remoteNameOf(request: SignedCall): string {
  return request.remoteName ?? `The vault at ${request.baseUrl.replace(/\/+$/, '')}`
}

/**
 * Sends one signed request to a vault. Throws INTERNAL (retry: backoff) when the vault cannot be
 * reached, times out, or answers something that is not JSON; otherwise answers status and body.
 */
export async function sendSigned(
  signer: RequestSigner,
  clock: Clock,
  request: SignedCall,
): Promise<SignedResponse> {
  const response = await fetchSigned(signer, clock, request)
  const path = remotePath(request.path)
  const who = remoteNameOf(request)
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as unknown
    if (typeof body === 'object' && body !== null && !Array.isArray(body))
      return { status: response.status, body: body as Record<string, unknown> }
  } catch {
    // Falls through: not a Vault envelope.
  }
  throw new LiaisonError(
    'INTERNAL',
    `${who} answered HTTP ${response.status} without a JSON envelope (${request.method} ${path}). It is retried.`,
    { details: { reason: 'REMOTE_UNREADABLE', remoteStatus: response.status } },
  )
}

/** The file name of a Content-Disposition header (RFC 6266): `filename*` (UTF-8) first, then `filename`. */
function fileNameOf(disposition: string): string | undefined {
  const extended = /filename\*\s*=\s*UTF-8'[^']*'([^;\s]+)/i.exec(disposition)?.[1]
  if (extended !== undefined)
    try {
      return decodeURIComponent(extended)
    } catch {
      // A malformed escape: the plain name below is the fallback it was sent with.
    }
  return (
    /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;\s]+)/i.exec(disposition)?.[1]
  )
}

/** The REST API of the remote vault of one connection, every call signed (B2). */
export class HttpRemoteVault implements RemoteVault {
  readonly connection: ConnectionInfo
  readonly #signer: RequestSigner
  readonly #clock: Clock

  readonly #signal: AbortSignal | undefined

  constructor(connection: ConnectionInfo, signer: RequestSigner, clock: Clock, signal?: AbortSignal) {
    this.connection = connection
    this.#signer = signer
    this.#clock = clock
    this.#signal = signal
  }

  get #name(): string {
    const c = this.connection
    return `Vault ${c.remoteName || c.remoteVaultId} (${c.remoteUrl}, connection ${c.apiName})`
  }

  async request(method: HttpMethod, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await this.#send(method, path, body)
    return response.body
  }

  async download(path: string): Promise<RemoteFile> {
    const call: SignedCall = {
      baseUrl: this.connection.remoteUrl,
      recipientVaultId: this.connection.remoteVaultId,
      method: 'GET',
      path,
      accept: '*/*',
      remoteName: this.#name,
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
    }
    const response = await fetchSigned(this.#signer, this.#clock, call)
    const mime = response.headers.get('content-type') ?? 'application/octet-stream'
    if (!response.ok || mime.startsWith('application/json'))
      throw await this.#failedDownload(response, response.ok ? 502 : response.status)
    const bytes = new Uint8Array(await response.arrayBuffer())
    const disposition = response.headers.get('content-disposition') ?? ''
    const name = fileNameOf(disposition) ?? path.split('/').at(-1) ?? 'file'
    return { bytes, name, mime: mime.split(';')[0]!.trim() }
  }

  async downloadFiles(versionIds: readonly string[]): Promise<Map<string, RemoteFile | LiaisonError>> {
    const answered = new Map<string, RemoteFile | LiaisonError>()
    if (versionIds.length === 0) return answered
    const call: SignedCall = {
      baseUrl: this.connection.remoteUrl,
      recipientVaultId: this.connection.remoteVaultId,
      method: 'GET',
      path: `${BATCH_FILES_PATH}?versions=${versionIds.map(encodeURIComponent).join(',')}`,
      accept: 'multipart/mixed, application/json',
      remoteName: this.#name,
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
    }
    const response = await fetchSigned(this.#signer, this.#clock, call)
    const boundary = multipartBoundary(response.headers.get('content-type') ?? '')
    if (!response.ok || boundary === undefined)
      throw await this.#failedDownload(response, response.ok ? 502 : response.status)
    const parts = parseFileParts(new Uint8Array(await response.arrayBuffer()), boundary, this.#name)
    for (const part of parts) {
      const id = (part.headers.get('content-id') ?? '').replace(/^<|>$/g, '')
      const mime = (part.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim()
      if (mime === 'application/json') {
        const status = Number(part.headers.get('x-liaison-http-status'))
        answered.set(
          id,
          remoteFailure(this.#name, {
            status: Number.isInteger(status) ? status : 500,
            body: envelopeOf(Buffer.from(part.body).toString('utf8')),
          }),
        )
        continue
      }
      const name = fileNameOf(part.headers.get('content-disposition') ?? '') ?? id
      const sha256 = part.headers.get('x-liaison-sha256')
      answered.set(id, { bytes: part.body, name, mime, ...(sha256 === undefined ? {} : { sha256 }) })
    }
    for (const id of versionIds)
      if (!answered.has(id))
        answered.set(
          id,
          new LiaisonError(
            'INTERNAL',
            `${this.#name} left version ${id} out of a batch of files. It is retried.`,
            {
              details: { reason: 'REMOTE_UNREADABLE' },
            },
          ),
        )
    return answered
  }

  /** The error of a download the remote refused (or answered with something other than files). */
  async #failedDownload(response: Response, status: number): Promise<LiaisonError> {
    const text = await response.text().catch(() => '')
    return remoteFailure(this.#name, { status, body: envelopeOf(text) })
  }

  async query(q: string, options: { readonly describe?: boolean } = {}): Promise<RemoteQueryResult> {
    const data: Record<string, unknown>[] = []
    let first: RemoteQueryPage | undefined
    for await (const page of this.queryPages(q, options)) {
      first ??= page
      // next_page pages by offset: a row that joins or leaves the result between two pages shifts
      // the rest, and one would be skipped or read twice. The total tells.
      if (page.responseDetails.total !== first.responseDetails.total)
        throw new LiaisonError(
          'INTERNAL',
          `${this.#name} counted ${String(first.responseDetails.total)} rows for a query on its first page and ${String(page.responseDetails.total)} on a later one: the result changed while it was read page by page, so a row may be missing. It is retried.`,
          { details: { reason: 'REMOTE_RESULT_CHANGED', query: q } },
        )
      data.push(...page.data)
    }
    const details = { ...(first?.responseDetails ?? {}) }
    delete details.next_page
    return {
      data,
      ...(first?.queryDescribe === undefined ? {} : { queryDescribe: first.queryDescribe }),
      responseDetails: { ...details, size: data.length },
    }
  }

  async *queryPages(
    q: string,
    options: { readonly describe?: boolean } = {},
  ): AsyncGenerator<RemoteQueryPage, void, undefined> {
    let response = await this.#send(
      'POST',
      '/query',
      new URLSearchParams({ q }),
      options.describe === true ? { 'X-VaultAPI-DescribeQuery': 'true' } : {},
    )
    const seen = new Set<string>()
    for (;;) {
      if (!isSuccess(response.body)) throw remoteFailure(this.#name, response)
      const details = (response.body.responseDetails ?? {}) as Record<string, unknown>
      yield {
        data: rowsOf(response.body),
        ...(response.body.queryDescribe === undefined ? {} : { queryDescribe: response.body.queryDescribe }),
        responseDetails: details,
      }
      const next = details.next_page
      if (typeof next !== 'string' || next === '' || seen.has(next)) return
      seen.add(next)
      response = await this.#send('POST', next, undefined)
    }
  }

  #send(
    method: HttpMethod,
    path: string,
    body: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<SignedResponse> {
    return sendSigned(this.#signer, this.#clock, {
      baseUrl: this.connection.remoteUrl,
      recipientVaultId: this.connection.remoteVaultId,
      method,
      path,
      body,
      headers,
      remoteName: this.#name,
      ...(this.#signal === undefined ? {} : { signal: this.#signal }),
    })
  }
}

/** A Vault envelope in a text, or an empty one (remoteFailure then reports the HTTP status). */
function envelopeOf(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  } catch {
    // Not an envelope.
  }
  return {}
}

function rowsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body.data) ? (body.data as Record<string, unknown>[]) : []
}

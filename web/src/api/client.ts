/**
 * The one way the app talks to its vault: the public REST API of spec/api.md (the Vault envelope),
 * with the session id a login answered. A FAILURE becomes an ApiError carrying the API's own
 * messages, which the screens show as they are.
 */
export const API_BASE = '/api/v25.2'

export interface ApiMessage {
  readonly type: string
  readonly message: string
}

export type Json = Record<string, unknown>

export class ApiError extends Error {
  readonly type: string
  constructor(errors: readonly ApiMessage[]) {
    super(errors.map((e) => e.message).join(' ') || 'The vault refused the request.')
    this.name = 'ApiError'
    this.type = errors[0]?.type ?? 'UNEXPECTED_ERROR'
  }
}

/** The errors of a Vault envelope (or of one record's result inside it), if it failed. */
export function envelopeErrors(body: unknown): ApiMessage[] | undefined {
  if (typeof body !== 'object' || body === null) return [{ type: 'UNEXPECTED_ERROR', message: 'No answer.' }]
  const { responseStatus, errors } = body as { responseStatus?: unknown; errors?: unknown }
  if (responseStatus === 'SUCCESS' || responseStatus === 'WARNING') return undefined
  if (!Array.isArray(errors) || errors.length === 0)
    return [{ type: 'UNEXPECTED_ERROR', message: `The vault answered ${String(responseStatus)}.` }]
  return errors.map((e: { type?: unknown; message?: unknown }) => ({
    type: String(e.type ?? 'UNEXPECTED_ERROR'),
    message: String(e.message ?? ''),
  }))
}

export type Body = URLSearchParams | FormData | readonly unknown[] | Json

async function send(method: string, path: string, headers: Json, body?: Body): Promise<Json> {
  const init: RequestInit = { method, headers: headers as Record<string, string> }
  if (body instanceof URLSearchParams || body instanceof FormData) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const response = await fetch(`${API_BASE}${path}`, init)
  let parsed: unknown
  try {
    parsed = await response.json()
  } catch {
    throw new ApiError([{ type: 'UNEXPECTED_ERROR', message: `The vault answered HTTP ${response.status}.` }])
  }
  const errors = envelopeErrors(parsed)
  if (errors !== undefined) throw new ApiError(errors)
  return parsed as Json
}

export interface LoginAnswer {
  readonly sessionId: string
  readonly userId: string
}

/** POST /auth with the login form's fields. */
export async function logIn(username: string, password: string): Promise<LoginAnswer> {
  const body = await send('POST', '/auth', {}, new URLSearchParams({ username, password }))
  return { sessionId: String(body.sessionId), userId: String(body.userId) }
}

/** One page of a VQL answer. */
export interface QueryPage<T = Json> {
  readonly data: T[]
  readonly size: number
  readonly total: number
  readonly pageoffset: number
  readonly pagesize: number
}

/** Calls made with a session; a session the vault no longer knows ends the app's session. */
export class VaultClient {
  readonly sessionId: string
  readonly #onSessionEnded: () => void

  constructor(sessionId: string, onSessionEnded: () => void) {
    this.sessionId = sessionId
    this.#onSessionEnded = onSessionEnded
  }

  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: Body): Promise<Json> {
    try {
      return await send(method, path, { authorization: this.sessionId }, body)
    } catch (error) {
      if (error instanceof ApiError && error.type === 'INVALID_SESSION_ID') this.#onSessionEnded()
      throw error
    }
  }

  async query<T = Json>(q: string): Promise<QueryPage<T>> {
    const body = await this.call('POST', '/query', new URLSearchParams({ q }))
    const details = (body.responseDetails ?? {}) as Json
    const data = (body.data ?? []) as T[]
    return {
      data,
      size: Number(details.size ?? data.length),
      total: Number(details.total ?? data.length),
      pageoffset: Number(details.pageoffset ?? 0),
      pagesize: Number(details.pagesize ?? data.length),
    }
  }

  /** A bulk write's first record result: its errors thrown as the API's messages, else its id. */
  async writeOne(method: 'POST' | 'PUT', path: string, record: Json): Promise<string> {
    const body = await this.call(method, path, [record])
    const [result] = (body.data ?? []) as Json[]
    const errors = envelopeErrors(result)
    if (errors !== undefined) throw new ApiError(errors)
    return String(((result?.data ?? {}) as Json).id ?? record.id ?? '')
  }
}

/** The REST API version the CLI speaks. */
export const CLI_API_VERSION = 'v25.2'

/**
 * The origin of a vault from what a person typed: `http://host:4100`, with or without a trailing
 * slash, `/api` or `/api/v25.2`, so a URL copied from a request never doubles the path.
 */
export function vaultOrigin(url: string): string {
  const text = url.trim()
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    throw new Error(`"${url}" is not a vault URL; give its origin, e.g. http://127.0.0.1:4100.`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`"${url}" is not an http(s) URL; give the vault's origin, e.g. http://127.0.0.1:4100.`)
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/api(\/v\d+(\.\d+)?)?$/, '')
  return `${parsed.origin}${path}`
}

type Json = Record<string, unknown>

/** Why fetch could not reach a vault, from the cause Node gives (`fetch failed` alone says nothing). */
function unreachable(origin: string, error: unknown): Error {
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  const code = cause?.code ?? ''
  const why =
    code === 'ECONNREFUSED'
      ? 'nothing listens there'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name is unknown'
        : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
          ? 'the connection timed out'
          : (cause?.message ?? (error instanceof Error ? error.message : String(error)))
  return new Error(
    `No vault answered at ${origin} (${why}). Check the host and port (liaison up prints each vault's URL, and DIR/world.json lists them) and that the vault is running.`,
  )
}

/** One vault over HTTP, as the CLI calls it: the Vault envelope, its first error made a message. */
export class VaultClient {
  readonly origin: string
  #session: string | undefined

  constructor(url: string) {
    this.origin = vaultOrigin(url)
  }

  /** Logs in; answers the vault's name as its login answer gives it (`vaultIds`). */
  async login(username: string, password: string): Promise<string | undefined> {
    const answer = await this.call('POST', '/auth', new URLSearchParams({ username, password }))
    this.#session = String(answer.sessionId)
    const vaults = (answer.vaultIds ?? []) as { id?: unknown; name?: unknown }[]
    const name = vaults.find((v) => String(v.id) === String(answer.vaultId))?.name
    return typeof name === 'string' ? name : undefined
  }

  /** Calls `path` under /api/{version} (or a path starting with /api/ as given, e.g. a next_page link). */
  async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Json> {
    const url = `${this.origin}${path.startsWith('/api/') ? path : `/api/${CLI_API_VERSION}${path}`}`
    const form = body instanceof URLSearchParams
    const response = await fetch(url, {
      method,
      headers: {
        ...(this.#session === undefined ? {} : { authorization: this.#session }),
        ...(body === undefined
          ? {}
          : { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
    }).catch((error: unknown) => {
      throw unreachable(this.origin, error)
    })
    const text = await response.text()
    let answer: Json
    try {
      answer = JSON.parse(text) as Json
    } catch {
      throw new Error(
        `${this.origin} answered ${method} ${path} with HTTP ${response.status} and no Vault answer: is it a Liaison vault?`,
      )
    }
    if (answer.responseStatus !== 'SUCCESS' && answer.responseStatus !== 'WARNING') {
      const error = (answer.errors as { type: string; message: string }[] | undefined)?.[0]
      throw new Error(
        `${method} ${path} at ${this.origin}: ${error?.type ?? 'FAILURE'}: ${error?.message ?? JSON.stringify(answer)}`,
      )
    }
    return answer
  }
}

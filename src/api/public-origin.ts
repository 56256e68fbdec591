import type { Server } from 'node:http'
import { LiaisonError } from '../platform/errors/index.js'

// The origin a vault is reached at is configuration (`--public-url`) or the address it listens on,
// never the request's Host header: any client sets that header, and an origin built from it would
// be handed to other clients (API links) or stored (a connection's URL, given to the remote vault).

/** An http(s) origin such as https://vault.example.com:8443, without path, query or credentials. */
export function parsePublicUrl(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value.trim())
  } catch {
    url = undefined
  }
  if (
    url === undefined ||
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  )
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `The public URL must be an http(s) origin without a path, such as https://vault.example.com, not "${value}".`,
    )
  return url.origin
}

/**
 * The origin of the address the server listens on; a wildcard address (0.0.0.0, ::) is reached
 * through the loopback. Undefined before it listens (tests that inject requests).
 */
export function listeningOrigin(server: Server): string | undefined {
  const address = server.address()
  if (address === null || typeof address !== 'object') return undefined
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/** The absolute URL of `path` on this vault, or `path` itself while the vault's origin is unknown. */
export function publicLink(origin: string | undefined, path: string): string {
  return origin === undefined ? path : `${origin}${path}`
}

import type { FastifyReply } from 'fastify'
import type { DocumentFile } from '../platform/documents/index.js'

/** Types a browser runs (scripts, markup): served so that it never renders them on the vault's origin. */
const ACTIVE_MIME =
  /^(text\/html|[a-z]+\/([a-z0-9.-]+\+)?xml|(text|application)\/(x-)?(javascript|ecmascript))$/i

/** True for a type a browser would render or run rather than save. */
export function isActiveMime(mime: string): boolean {
  return ACTIVE_MIME.test(mime.split(';')[0]!.trim())
}

/** RFC 5987 value characters: what encodeURIComponent leaves, less the ones it leaves that RFC 5987 does not. */
function rfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * An RFC 6266 attachment header for a file name: an ASCII fallback in `filename` (a header value
 * outside Latin-1 makes Node refuse the whole answer) and the exact name in `filename*`.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_')
  return fallback === name
    ? `attachment; filename="${name}"`
    : `attachment; filename="${fallback}"; filename*=UTF-8''${rfc5987(name)}`
}

/**
 * Sends a document's file as a download: never sniffed into another type, and a type the browser
 * would render (HTML, SVG, XML, scripts) kept from running on the vault's origin by a sandbox.
 */
export function sendDocumentFile(reply: FastifyReply, file: DocumentFile): FastifyReply {
  void reply.header('Content-Type', file.mime)
  void reply.header('Content-Disposition', contentDisposition(file.name))
  void reply.header('X-Content-Type-Options', 'nosniff')
  if (isActiveMime(file.mime)) void reply.header('Content-Security-Policy', "default-src 'none'; sandbox")
  void reply.header('X-VaultAPI-Status', 'SUCCESS')
  return reply.send(Buffer.from(file.bytes))
}

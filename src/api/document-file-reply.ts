import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { type DocumentFile, type VersionFileRead, versionIdOf } from '../platform/documents/index.js'
import { failureBody } from './envelope.js'

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

/**
 * Sends several versions' files in one answer, `multipart/mixed`, one part per version in the order
 * asked, streamed one file at a time. Each part names its version (`Content-ID: <{id}_{major}_{minor}>`),
 * its length (`Content-Length`), name and type (as a single download sends them) and SHA-256
 * (`X-Liaison-SHA256`); a version whose file cannot be read is a part of its own with Vault's
 * failure envelope (`application/json`) and the HTTP status a single download would have had
 * (`X-Liaison-Http-Status`), so one bad version fails alone.
 */
export function sendDocumentFiles(reply: FastifyReply, files: AsyncIterable<VersionFileRead>): FastifyReply {
  const boundary = `liaison-files-${randomBytes(12).toString('hex')}`
  async function* parts(): AsyncGenerator<Buffer> {
    for await (const read of files) {
      const headers = [`--${boundary}`, `Content-ID: <${versionIdOf(read.version)}>`]
      let body: Buffer
      if ('error' in read) {
        body = Buffer.from(JSON.stringify(failureBody(read.error)))
        headers.push('Content-Type: application/json', `X-Liaison-Http-Status: ${read.error.spec.http}`)
      } else {
        body = Buffer.from(read.file.bytes.buffer, read.file.bytes.byteOffset, read.file.bytes.byteLength)
        // A stored type with a control character would forge part headers: sent as plain bytes then.
        const mime = /^[!-~][ -~]*$/.test(read.file.mime) ? read.file.mime : 'application/octet-stream'
        headers.push(
          `Content-Type: ${mime}`,
          `Content-Disposition: ${contentDisposition(read.file.name)}`,
          `X-Liaison-SHA256: ${read.file.sha256}`,
        )
      }
      headers.push(`Content-Length: ${body.byteLength}`)
      yield Buffer.from(`${headers.join('\r\n')}\r\n\r\n`, 'latin1')
      yield body
      yield Buffer.from('\r\n')
    }
    yield Buffer.from(`--${boundary}--\r\n`)
  }
  void reply.header('Content-Type', `multipart/mixed; boundary=${boundary}`)
  void reply.header('X-Content-Type-Options', 'nosniff')
  void reply.header('X-VaultAPI-Status', 'SUCCESS')
  return reply.send(Readable.from(parts()))
}

import { LiaisonError } from '../errors/index.js'

/** One part of a `multipart/mixed` answer: its headers (names in lower case) and its bytes. */
export interface FilePart {
  readonly headers: ReadonlyMap<string, string>
  readonly body: Uint8Array
}

const CRLF = Buffer.from('\r\n')
const HEADERS_END = Buffer.from('\r\n\r\n')

function unreadable(who: string, why: string): LiaisonError {
  return new LiaisonError(
    'INTERNAL',
    `${who} answered a batch of files that cannot be read (${why}). It is retried.`,
    { details: { reason: 'REMOTE_UNREADABLE' } },
  )
}

/** The boundary of a `multipart/mixed` Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string): string | undefined {
  const [type, ...params] = contentType.split(';').map((p) => p.trim())
  if (type?.toLowerCase() !== 'multipart/mixed') return undefined
  for (const param of params) {
    const match = /^boundary=(?:"([^"]+)"|([^\s";]+))$/i.exec(param)
    if (match !== null) return match[1] ?? match[2]
  }
  return undefined
}

/**
 * Splits a `multipart/mixed` body whose every part states its `Content-Length` (as the batch file
 * route writes them): the length, not a search for the boundary, says where a file ends, so a file
 * that happens to contain the boundary is read whole. Anything else throws INTERNAL (retried).
 */
export function parseFileParts(body: Uint8Array, boundary: string, who: string): FilePart[] {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  const delimiter = Buffer.from(`--${boundary}`)
  const parts: FilePart[] = []
  let at = 0
  for (;;) {
    if (!bytes.subarray(at, at + delimiter.length).equals(delimiter))
      throw unreadable(who, `no boundary at byte ${at}`)
    at += delimiter.length
    if (bytes.subarray(at, at + 2).toString('latin1') === '--') return parts
    if (!bytes.subarray(at, at + 2).equals(CRLF)) throw unreadable(who, `no line end after a boundary`)
    at += 2
    const end = bytes.indexOf(HEADERS_END, at)
    if (end < 0) throw unreadable(who, 'a part without the end of its headers')
    const headers = new Map<string, string>()
    for (const line of bytes.subarray(at, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':')
      if (colon <= 0) throw unreadable(who, `a malformed part header "${line.slice(0, 80)}"`)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    const length = Number(headers.get('content-length'))
    at = end + HEADERS_END.length
    if (!Number.isSafeInteger(length) || length < 0 || at + length + 2 > bytes.length)
      throw unreadable(who, `a part whose Content-Length is ${headers.get('content-length') ?? 'missing'}`)
    parts.push({ headers, body: new Uint8Array(bytes.subarray(at, at + length)) })
    at += length
    if (!bytes.subarray(at, at + 2).equals(CRLF))
      throw unreadable(who, 'a part longer than its Content-Length')
    at += 2
  }
}

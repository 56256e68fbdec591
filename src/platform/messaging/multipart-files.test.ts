import { describe, expect, it } from 'vitest'
import { LiaisonError } from '../errors/index.js'
import { multipartBoundary, parseFileParts } from './multipart-files.js'

const BOUNDARY = 'liaison-files-abc'

function part(headers: Record<string, string>, body: Buffer): Buffer {
  const lines = [`--${BOUNDARY}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body, Buffer.from('\r\n')])
}

describe('multipart files (the batch file route)', () => {
  it('reads each part by its Content-Length, so a file that contains the boundary arrives whole', () => {
    const tricky = Buffer.from(`%PDF\r\n--${BOUNDARY}\r\nContent-Length: 0\r\n\r\n%%EOF`)
    const body = Buffer.concat([
      part(
        {
          'Content-ID': '<1_0_1>',
          'Content-Type': 'application/pdf',
          'Content-Length': String(tricky.length),
        },
        tricky,
      ),
      part(
        { 'Content-ID': '<2_0_1>', 'Content-Type': 'application/json', 'Content-Length': '2' },
        Buffer.from('{}'),
      ),
      Buffer.from(`--${BOUNDARY}--\r\n`),
    ])
    const parts = parseFileParts(body, BOUNDARY, 'Vault X')
    expect(parts.map((p) => p.headers.get('content-id'))).toEqual(['<1_0_1>', '<2_0_1>'])
    expect(Buffer.from(parts[0]!.body).equals(tricky)).toBe(true)
    expect(Buffer.from(parts[1]!.body).toString()).toBe('{}')
  })

  it('refuses a body cut short or a part without its length (retried, never half a file)', () => {
    const whole = Buffer.concat([
      part({ 'Content-ID': '<1_0_1>', 'Content-Length': '5' }, Buffer.from('hello')),
      Buffer.from(`--${BOUNDARY}--\r\n`),
    ])
    for (const bad of [
      whole.subarray(0, whole.length - 12),
      Buffer.concat([
        part({ 'Content-ID': '<1_0_1>' }, Buffer.from('hello')),
        Buffer.from(`--${BOUNDARY}--\r\n`),
      ]),
      Buffer.from('not multipart'),
    ]) {
      let error: unknown
      try {
        parseFileParts(bad, BOUNDARY, 'Vault X')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(LiaisonError)
      expect((error as LiaisonError).spec.retry).toBe('backoff')
    }
  })

  it('finds the boundary of multipart/mixed only', () => {
    expect(multipartBoundary(`multipart/mixed; boundary=${BOUNDARY}`)).toBe(BOUNDARY)
    expect(multipartBoundary('multipart/mixed; boundary="a b"')).toBe('a b')
    expect(multipartBoundary('application/json')).toBeUndefined()
  })
})

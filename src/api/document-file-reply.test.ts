import { describe, expect, it } from 'vitest'
import { contentDisposition, isActiveMime } from './document-file-reply.js'

describe('contentDisposition', () => {
  it('keeps a plain ASCII name as it is', () => {
    expect(contentDisposition('Cholecap dosing.pdf')).toBe('attachment; filename="Cholecap dosing.pdf"')
  })

  it('sends a name outside ASCII as filename* (UTF-8) with an ASCII fallback', () => {
    const header = contentDisposition('Дозировка (v2).pdf')
    expect(header).toBe(
      `attachment; filename="_________ (v2).pdf"; filename*=UTF-8''%D0%94%D0%BE%D0%B7%D0%B8%D1%80%D0%BE%D0%B2%D0%BA%D0%B0%20%28v2%29.pdf`,
    )
  })

  it('never lets quotes, backslashes or line breaks end the header value', () => {
    const header = contentDisposition('a"b\\c\r\nSet-Cookie: x.pdf')
    expect(header).not.toMatch(/[\r\n]/)
    expect(header.split('"')).toHaveLength(3)
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe('a"b\\c\r\nSet-Cookie: x.pdf')
  })
})

describe('isActiveMime', () => {
  it('names the types a browser renders or runs', () => {
    for (const mime of [
      'text/html',
      'image/svg+xml',
      'application/xml',
      'text/xml; charset=utf-8',
      'text/javascript',
    ])
      expect(isActiveMime(mime), mime).toBe(true)
    for (const mime of ['application/pdf', 'image/png', 'text/plain', 'application/octet-stream'])
      expect(isActiveMime(mime), mime).toBe(false)
  })
})

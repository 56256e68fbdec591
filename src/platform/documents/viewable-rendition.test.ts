import { PDFDocument } from 'pdf-lib'
import { describe, expect, it } from 'vitest'
import { LiaisonError } from '../errors/index.js'
import { hasViewableRendition, viewableRendition } from './viewable-rendition.js'

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
)
/** The start of a baseline JPEG: SOI, then a SOF0 frame of 3 × 2 pixels, 3 components. */
const JPEG = Buffer.from([
  0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x02, 0x00, 0x03, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
  0xff, 0xd9,
])
const WHEN = new Date('2026-11-26T00:00:00Z')

describe('viewable rendition', () => {
  it('keeps a PDF as it is', async () => {
    const pdf = { bytes: Buffer.from('%PDF-1.4\n%%EOF\n'), name: 'a.pdf', mime: 'application/pdf' }
    expect(await viewableRendition(pdf, WHEN)).toBe(pdf)
  })

  it('turns a PNG into a one-page PDF of the image size, the same bytes every time', async () => {
    const first = await viewableRendition({ bytes: PNG, name: 'logo.png', mime: 'image/png' }, WHEN)
    expect(first.mime).toBe('application/pdf')
    expect(first.name).toBe('logo.pdf')
    const pdf = await PDFDocument.load(first.bytes)
    expect(pdf.getPageCount()).toBe(1)
    expect(pdf.getPage(0).getSize()).toEqual({ width: 1, height: 1 })
    const again = await viewableRendition({ bytes: PNG, name: 'logo.png', mime: 'image/png' }, WHEN)
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true)
  })

  it('turns a JPEG into a PDF page of the image size', async () => {
    const out = await viewableRendition({ bytes: JPEG, name: 'photo.jpg', mime: 'image/jpeg' }, WHEN)
    const pdf = await PDFDocument.load(out.bytes)
    expect(pdf.getPage(0).getSize()).toEqual({ width: 3, height: 2 })
  })

  it('says which formats have one, and refuses an image it cannot read with FILE_UNREADABLE', async () => {
    expect(hasViewableRendition('application/pdf')).toBe(true)
    expect(hasViewableRendition('image/png')).toBe(true)
    expect(hasViewableRendition('text/plain')).toBe(false)
    expect(hasViewableRendition(null)).toBe(false)
    await expect(
      viewableRendition({ bytes: Buffer.from('not a png'), name: 'x.png', mime: 'image/png' }, WHEN),
    ).rejects.toMatchObject({ code: 'FILE_UNREADABLE' })
    await expect(
      viewableRendition({ bytes: Buffer.from('hello'), name: 'x.txt', mime: 'text/plain' }, WHEN),
    ).rejects.toBeInstanceOf(LiaisonError)
  })
})

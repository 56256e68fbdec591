import { PDFDocument } from 'pdf-lib'
import { describe, expect, it } from 'vitest'
import { LiaisonError } from '../../platform/errors/index.js'
import { splitPdfPages } from './create-presentation.js'

async function pdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  for (let i = 0; i < pages; i++) doc.addPage([200 + i, 100])
  return doc.save()
}

describe('B18: create_presentation__v splits a PDF', () => {
  it('B18: makes one one-page PDF per page, in page order', async () => {
    const pages = await splitPdfPages(await pdf(3), 7)
    expect(pages).toHaveLength(3)
    for (const [i, bytes] of pages.entries()) {
      const page = await PDFDocument.load(bytes)
      expect(page.getPageCount()).toBe(1)
      expect(page.getPage(0).getWidth()).toBe(200 + i)
    }
  })

  it('B18: a file that is not a PDF, or a broken one, is FILE_UNREADABLE (Vault INVALID_DATA)', async () => {
    for (const bytes of [
      new TextEncoder().encode('plain text'),
      new TextEncoder().encode('%PDF-1.4 broken'),
    ]) {
      const error = await splitPdfPages(bytes, 7).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(LiaisonError)
      expect((error as LiaisonError).code).toBe('FILE_UNREADABLE')
      expect((error as LiaisonError).spec.vaultType).toBe('INVALID_DATA')
    }
  })
})

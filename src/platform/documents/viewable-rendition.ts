import { PDFDocument } from 'pdf-lib'
import { LiaisonError } from '../errors/index.js'
import type { DocumentFile } from './document-types.js'

/** Image formats the vault turns into a one-page PDF viewable rendition. */
const IMAGE_FORMATS = new Set(['image/png', 'image/jpeg', 'image/jpg'])

/** Whether a file of this format has a viewable rendition: PDFs are their own, PNG and JPEG become PDFs. */
export function hasViewableRendition(mime: string | null): boolean {
  return mime === 'application/pdf' || (mime !== null && IMAGE_FORMATS.has(mime))
}

/**
 * The viewable rendition of a file: a PDF as it is, a PNG or JPEG image as a one-page PDF of the
 * image's own size. The PDF's dates are the version's, so the same version always gives the same
 * bytes. An image that cannot be read fails with a message saying so.
 */
export async function viewableRendition(file: DocumentFile, versionDate: Date): Promise<DocumentFile> {
  if (file.mime === 'application/pdf') return file
  if (!IMAGE_FORMATS.has(file.mime))
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `A ${file.mime} file has no viewable rendition; only PDF, PNG and JPEG files have one (the source file is kept as uploaded).`,
    )
  const pdf = await PDFDocument.create()
  let image: Awaited<ReturnType<PDFDocument['embedPng']>>
  try {
    // A copy with its own buffer: pdf-lib reads JPEG headers from the underlying ArrayBuffer, and a
    // small Node Buffer is a slice of a shared pool.
    const bytes = new Uint8Array(file.bytes)
    image = file.mime === 'image/png' ? await pdf.embedPng(bytes) : await pdf.embedJpg(bytes)
  } catch (error) {
    throw new LiaisonError(
      'FILE_UNREADABLE',
      `The ${file.mime} file ${file.name} could not be read as an image, so it has no viewable rendition: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const page = pdf.addPage([image.width, image.height])
  page.drawImage(image, { x: 0, y: 0, width: image.width, height: image.height })
  pdf.setTitle(file.name)
  pdf.setProducer('Liaison')
  pdf.setCreator('Liaison')
  pdf.setCreationDate(versionDate)
  pdf.setModificationDate(versionDate)
  const bytes = await pdf.save()
  return { bytes, name: `${file.name.replace(/\.[^.]*$/, '')}.pdf`, mime: 'application/pdf' }
}

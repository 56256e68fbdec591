import { PDFDocument } from 'pdf-lib'
import type {
  BinderNodeGuard,
  BinderService,
  DocumentAction,
  DocumentActor,
  DocumentService,
} from '../../platform/documents/index.js'
import { LiaisonError } from '../../platform/errors/index.js'

/** The document action that builds a multichannel presentation from a PDF (B18). */
export const CREATE_PRESENTATION_ACTION = 'create_presentation__v'

export const PRESENTATION_TYPE = 'multichannel_presentation__v'
export const SLIDE_TYPE = 'multichannel_slide__v'
const LIFECYCLE = 'medical_content_lifecycle__v'
/** `name__v` holds at most this many characters. */
const NAME_MAX = 100

function isPdf(bytes: Uint8Array): boolean {
  // "%PDF-": what every PDF starts with, whatever type the uploader claimed.
  return bytes.length >= 5 && Buffer.from(bytes.subarray(0, 5)).toString('latin1') === '%PDF-'
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max)
}

/** The source's field values a presentation and its slides inherit (ids as lists). */
function inherited(document: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const list = (v: unknown) =>
    Array.isArray(v) ? v.map(String) : v === null || v === undefined ? [] : [String(v)]
  return { country__v: list(document.country__v), product__v: list(document.product__v) }
}

/**
 * One one-page PDF per page of the source, in page order. A file that is not a PDF, or one pdf-lib
 * cannot read, is FILE_UNREADABLE (Vault's INVALID_DATA) before anything is created.
 */
export async function splitPdfPages(bytes: Uint8Array, documentId: number): Promise<Uint8Array[]> {
  if (!isPdf(bytes))
    throw new LiaisonError(
      'FILE_UNREADABLE',
      `The file of document ${documentId} is not a PDF; create_presentation__v makes one slide per page of a PDF. Upload a PDF version first.`,
    )
  const pages: Uint8Array[] = []
  try {
    const source = await PDFDocument.load(bytes, { updateMetadata: false })
    for (const index of source.getPageIndices()) {
      const page = await PDFDocument.create({ updateMetadata: false })
      const [copied] = await page.copyPages(source, [index])
      page.addPage(copied!)
      pages.push(await page.save())
    }
  } catch (error) {
    throw new LiaisonError(
      'FILE_UNREADABLE',
      `The PDF of document ${documentId} cannot be read (${error instanceof Error ? error.message : String(error)}); upload it again as a valid PDF.`,
    )
  }
  if (pages.length === 0)
    throw new LiaisonError(
      'FILE_UNREADABLE',
      `The PDF of document ${documentId} has no pages to make slides of.`,
    )
  return pages
}

/**
 * B18 `create_presentation__v`: from a document whose file is a PDF, a `multichannel_presentation__v`
 * binder named after the source (same countries and products, Publish for CRM (CLM) = Yes) whose
 * nodes are one `multichannel_slide__v` per page, in page order, each with that page as a one-page
 * PDF; everything in draft. Answers `{binder_id}`. Bad input creates nothing; a failure half way
 * deletes what was made.
 */
export function createPresentationAction(documents: DocumentService, binders: BinderService): DocumentAction {
  return async (actor: DocumentActor, documentId: number) => {
    const { document } = await documents.get(documentId)
    if (document.binder__v === true || document.binder__v === 1)
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `Document ${documentId} is a binder; run create_presentation__v on a document whose file is a PDF.`,
      )
    if (document.filename__v === null || document.filename__v === undefined)
      throw new LiaisonError(
        'FILE_UNREADABLE',
        `Document ${documentId} has no file; create_presentation__v makes one slide per page of its PDF.`,
      )
    const file = await documents.readFile(documentId)
    const pages = await splitPdfPages(file.bytes, documentId)
    const name = String(document.name__v)
    const base =
      file.name.replace(/\.pdf$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') || `document-${documentId}`
    const shared = { ...inherited(document), lifecycle__v: LIFECYCLE, clm_content__v: true }
    const created: number[] = []
    try {
      const binderId = await binders.create(actor, {
        fields: { ...shared, name__v: clip(name, NAME_MAX), type__v: PRESENTATION_TYPE, title__v: name },
      })
      created.push(binderId)
      for (const [i, bytes] of pages.entries()) {
        const suffix = ` – Slide ${i + 1}`
        const slideId = await documents.create(actor, {
          fields: {
            ...shared,
            name__v: `${clip(name, NAME_MAX - suffix.length)}${suffix}`,
            type__v: SLIDE_TYPE,
          },
          file: { bytes, name: `${base}-slide-${i + 1}.pdf`, mime: 'application/pdf' },
        })
        created.push(slideId)
        await binders.addDocument(actor, binderId, { document_id__v: slideId, order__v: i + 1 })
      }
      return { binder_id: binderId }
    } catch (error) {
      // Nothing half made stays behind: the binder first, so its nodes go with it.
      for (const id of created) await documents.delete(actor, id).catch(() => undefined)
      throw error
    }
  }
}

/**
 * B18, B23: a multichannel presentation holds multichannel slides, each once; anything else is
 * refused when it is added, naming the document, and nothing changes.
 */
export const presentationNodeGuard: BinderNodeGuard = async (trx, { binderId, documentId }) => {
  const rows = await trx
    .selectFrom('document')
    .select(['id', 'type__v'])
    .where('id', 'in', [binderId, documentId])
    .execute()
  const typeOf = (id: number) => String(rows.find((r) => Number(r.id) === id)?.type__v)
  if (typeOf(binderId) !== PRESENTATION_TYPE) return
  if (typeOf(documentId) !== SLIDE_TYPE)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Document ${documentId} is a ${typeOf(documentId)}; a ${PRESENTATION_TYPE} binder holds ${SLIDE_TYPE} documents only.`,
    )
  const twice = await trx
    .selectFrom('binder_node')
    .select('order__v')
    .where('binder_id', '=', binderId)
    .where('document_id', '=', documentId)
    .executeTakeFirst()
  if (twice !== undefined)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Slide ${documentId} is already in presentation ${binderId} (order__v ${String(twice.order__v)}); a slide appears once in a presentation — move its node instead.`,
    )
}

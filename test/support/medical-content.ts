// Medical content built through the Medical Vault's REST API, as a content manager would: slides
// with a one-page PDF, presentation binders and their nodes, lifecycle actions.
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { expect } from 'vitest'
import type { Json, ServedVault } from './served-vaults.js'

export async function pdfBytes(pages: readonly string[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  for (const text of pages) pdf.addPage([400, 300]).drawText(text, { x: 20, y: 150, size: 14, font })
  return pdf.save()
}

export function ok(body: Json): Json {
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body
}

export interface MedicalContent {
  /** Creates a multichannel slide with a one-page PDF; answers its id. */
  slide(name: string, countries: readonly string[], extra?: Record<string, string>): Promise<number>
  /** Creates a multichannel presentation binder; answers its id. */
  binder(name: string, countries: readonly string[], extra?: Record<string, string>): Promise<number>
  /** Adds a document as the binder's next node; answers the node id. */
  addNode(binderId: number, documentId: number): Promise<number>
  /** `{vaultId}_{id}`: the global id a CRM links the document by. */
  link(id: number): string
}

/** Content of one Medical Vault, tagged with country record ids by abbreviation and one product. */
export function medicalContent(
  medical: ServedVault,
  countryIds: Readonly<Record<string, string>>,
  productId: string,
): MedicalContent {
  const countriesOf = (countries: readonly string[]) => countries.map((c) => countryIds[c]!).join(',')
  return {
    async slide(name, countries, extra = {}) {
      const form = new FormData()
      const fields: Record<string, string> = {
        name__v: name,
        type__v: 'multichannel_slide__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        country__v: countriesOf(countries),
        product__v: productId,
        clm_content__v: 'true',
        ...extra,
      }
      for (const [k, v] of Object.entries(fields)) form.append(k, v)
      form.append('file', new Blob([await pdfBytes([name])], { type: 'application/pdf' }), `${name}.pdf`)
      return Number(ok(await medical.call('POST', '/objects/documents', form)).id)
    },
    async binder(name, countries, extra = {}) {
      const form = new URLSearchParams({
        name__v: name,
        type__v: 'multichannel_presentation__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        country__v: countriesOf(countries),
        product__v: productId,
        clm_content__v: 'true',
        ...extra,
      })
      return Number(ok(await medical.call('POST', '/objects/binders', form)).id)
    },
    async addNode(binderId, documentId) {
      const body = ok(
        await medical.call(
          'POST',
          `/objects/binders/${binderId}/documents`,
          new URLSearchParams({ document_id__v: String(documentId) }),
        ),
      )
      return Number(body.id)
    },
    link: (id) => `${medical.vault.id}_${id}`,
  }
}

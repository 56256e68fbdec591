import { PDFDocument, StandardFonts } from 'pdf-lib'
import type { DocumentService } from '../../platform/documents/index.js'
import type { Storage } from '../../platform/storage/index.js'
import { SYSTEM_ACTOR } from '../../platform/vault/index.js'

/** Demo reference documents: name, countries (abbreviations; GLOBAL for all), product external id, fax template. */
const DEMO_DOCUMENTS = [
  ['Cardiora Prescribing Information (US)', ['US'], 'PRD-0001', false],
  ['Cardiora Product Monograph (Canada)', ['CA'], 'PRD-0001', false],
  ['Glucentra Dosing Guide', ['US', 'CA'], 'PRD-0002', true],
  ['Global Safety Update: Oncovira', ['GLOBAL'], 'PRD-0003', false],
] as const

/** A one-page PDF with the document's title, so a rep sees real content. */
async function demoPdf(title: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  const page = pdf.addPage([595, 842])
  page.drawText(title, { x: 56, y: 770, size: 18, font })
  page.drawText('Liaison demo content. Not for medical use.', { x: 56, y: 740, size: 11, font })
  pdf.setCreationDate(new Date('2026-01-01T00:00:00Z'))
  pdf.setModificationDate(new Date('2026-01-01T00:00:00Z'))
  return pdf.save()
}

/**
 * Demo documents of a Medical Vault: a few approved reference documents tagged with countries and
 * products, so the world's CRMs show CrossLinks once their country filters are in (B16, B17).
 * Needs the demo countries and products.
 */
export async function seedMedicalDemoDocuments(
  storage: Storage,
  documents: DocumentService,
): Promise<number> {
  const countries = new Map(
    (await storage.db.selectFrom('country__v').select(['id', 'abbreviation__v']).execute()).map((r) => [
      String(r.abbreviation__v),
      String(r.id),
    ]),
  )
  const products = new Map(
    (await storage.db.selectFrom('product__v').select(['id', 'external_id__v']).execute()).map((r) => [
      String(r.external_id__v),
      String(r.id),
    ]),
  )
  for (const [name, tags, product, fax] of DEMO_DOCUMENTS) {
    const id = await documents.create(SYSTEM_ACTOR, {
      fields: {
        name__v: name,
        type__v: 'reference_document__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        title__v: name,
        country__v: tags.map((t) => countries.get(t)).filter((c) => c !== undefined),
        product__v: products.get(product) ?? null,
        crm_fax__v: fax,
      },
      file: {
        bytes: await demoPdf(name),
        name: `${name.replace(/[^A-Za-z0-9]+/g, '-')}.pdf`,
        mime: 'application/pdf',
      },
    })
    await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'submit_for_review__v')
    await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'approve__v')
  }
  await seedDemoEmailTemplate(documents, countries, products)
  return DEMO_DOCUMENTS.length + 1
}

/** The demo Approved Email template: name, product external id (tagged Global). */
const DEMO_EMAIL_TEMPLATE = ['Cardiora Approved Email: Visit Follow-up', 'PRD-0001'] as const

/** A small HTML email body, the source file of an Approved Email template. */
function demoEmailHtml(title: string): Uint8Array {
  return new TextEncoder().encode(
    `<!DOCTYPE html>\n<html><body><h1>${title}</h1><p>Dear {{accTitle}} {{accLname}},</p><p>Thank you for your time today. Liaison demo content. Not for medical use.</p></body></html>\n`,
  )
}

/**
 * B19: one approved Approved Email template for Global, so every CRM of the world shows it as
 * an `approved_document__v` record (and its CrossLink) once its country filter is in.
 */
async function seedDemoEmailTemplate(
  documents: DocumentService,
  countries: ReadonlyMap<string, string>,
  products: ReadonlyMap<string, string>,
): Promise<void> {
  const [name, product] = DEMO_EMAIL_TEMPLATE
  const global = countries.get('GLOBAL')
  const id = await documents.create(SYSTEM_ACTOR, {
    fields: {
      name__v: name,
      type__v: 'email_template__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      title__v: name,
      country__v: global === undefined ? [] : [global],
      product__v: products.get(product) ?? null,
      crm_hidden__v: false,
    },
    file: { bytes: demoEmailHtml(name), name: 'cardiora-visit-follow-up.html', mime: 'text/html' },
  })
  await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'submit_for_review__v')
  await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'approve__v')
}

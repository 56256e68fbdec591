import { PDFDocument, StandardFonts } from 'pdf-lib'
import type { BinderService, DocumentService } from '../../platform/documents/index.js'
import type { Storage } from '../../platform/storage/index.js'
import { SYSTEM_ACTOR } from '../../platform/vault/index.js'

/** Demo reference documents: name, countries (abbreviations; GLOBAL for all), product external id, fax template. */
const DEMO_DOCUMENTS = [
  ['Cardiora Prescribing Information (US)', ['US'], 'PRD-0001', false],
  ['Cardiora Product Monograph (Canada)', ['CA'], 'PRD-0001', false],
  ['Glucentra Dosing Guide', ['US', 'CA'], 'PRD-0002', true],
  ['Global Safety Update: Oncovira', ['GLOBAL'], 'PRD-0003', false],
] as const

/** The demo multichannel presentation (B18): its name, its slides' titles, country and product. */
const DEMO_PRESENTATION = {
  name: 'Cardiora CLM Launch Deck',
  slides: ['Cardiora: Why It Matters', 'Cardiora: Efficacy at a Glance', 'Cardiora: Safety and Dosing'],
  country: 'US',
  product: 'PRD-0001',
} as const

/** A one-page PDF with the document's title, so a rep sees real content (slides are landscape). */
async function demoPdf(title: string, size: [number, number] = [595, 842]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  const page = pdf.addPage(size)
  page.drawText(title, { x: 56, y: size[1] - 72, size: 18, font })
  page.drawText('Liaison demo content. Not for medical use.', { x: 56, y: size[1] - 102, size: 11, font })
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

/**
 * The demo multichannel presentation of a Medical Vault (B18): an approved binder of three approved
 * slides for the United States with Publish for CRM (CLM) = Yes, so the world's US CRMs show a CLM
 * Presentation with its key messages once their country filters are in. Needs the demo countries
 * and products.
 */
export async function seedMedicalDemoPresentation(
  storage: Storage,
  documents: DocumentService,
  binders: BinderService,
): Promise<number> {
  const country = await storage.db
    .selectFrom('country__v')
    .select('id')
    .where('abbreviation__v', '=', DEMO_PRESENTATION.country)
    .executeTakeFirst()
  const product = await storage.db
    .selectFrom('product__v')
    .select('id')
    .where('external_id__v', '=', DEMO_PRESENTATION.product)
    .executeTakeFirst()
  const shared = {
    lifecycle__v: 'medical_content_lifecycle__v',
    country__v: country === undefined ? [] : [String(country.id)],
    product__v: product === undefined ? [] : [String(product.id)],
    clm_content__v: true,
  }
  const first = { major: 0, minor: 1 }
  const binderId = await binders.create(SYSTEM_ACTOR, {
    fields: {
      ...shared,
      name__v: DEMO_PRESENTATION.name,
      title__v: DEMO_PRESENTATION.name,
      type__v: 'multichannel_presentation__v',
    },
  })
  for (const [i, title] of DEMO_PRESENTATION.slides.entries()) {
    const slideId = await documents.create(SYSTEM_ACTOR, {
      fields: { ...shared, name__v: title, title__v: title, type__v: 'multichannel_slide__v' },
      file: {
        bytes: await demoPdf(title, [1024, 768]),
        name: `cardiora-launch-slide-${i + 1}.pdf`,
        mime: 'application/pdf',
      },
    })
    await documents.runAction(SYSTEM_ACTOR, slideId, first, 'submit_for_review__v')
    await documents.runAction(SYSTEM_ACTOR, slideId, first, 'approve__v')
    await binders.addDocument(SYSTEM_ACTOR, binderId, { document_id__v: slideId, order__v: i + 1 })
  }
  await documents.runAction(SYSTEM_ACTOR, binderId, first, 'submit_for_review__v')
  await documents.runAction(SYSTEM_ACTOR, binderId, first, 'approve__v')
  return binderId
}

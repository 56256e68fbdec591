// B18 CLM publishing between vaults served over HTTP on databases of their own: one Medical Vault
// and three CRMs. Presentations are built through the Medical Vault's REST API, as a content manager
// would, and the CRMs' CLM Presentations, Key Messages and slide order read through their REST APIs
// (spec/clm-and-email.md, B18).
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import {
  activeConnectionCountries,
  type ConnectedCrm,
  connectVaults,
  createConnectionSettings,
  type Json,
  type ServedVault,
  startServedVault,
} from '../support/served-vaults.js'

const SECONDS = 20_000
const COUNTRIES = [
  ['United States', 'US'],
  ['Canada', 'CA'],
  ['Global', 'GLOBAL'],
] as const

type Crm = ConnectedCrm

let medical: ServedVault
const crms: Record<'A' | 'B' | 'C', Crm> = {} as Record<'A' | 'B' | 'C', Crm>
const country: Record<string, string> = {}
let cholecap: string

async function pdfBytes(pages: readonly string[]): Promise<Uint8Array> {
  const pdf = await PDFDocument.create()
  const font = await pdf.embedFont(StandardFonts.Helvetica)
  for (const text of pages) pdf.addPage([400, 300]).drawText(text, { x: 20, y: 150, size: 14, font })
  return pdf.save()
}

function ok(body: Json): Json {
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body
}

/** Creates a slide through the REST API, with a one-page PDF; answers its id. */
async function slide(name: string, extra: Record<string, string> = {}): Promise<number> {
  const form = new FormData()
  const fields: Record<string, string> = {
    name__v: name,
    type__v: 'multichannel_slide__v',
    lifecycle__v: 'medical_content_lifecycle__v',
    country__v: country.US!,
    product__v: cholecap,
    clm_content__v: 'true',
    ...extra,
  }
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  form.append('file', new Blob([await pdfBytes([name])], { type: 'application/pdf' }), `${name}.pdf`)
  return Number(ok(await medical.call('POST', '/objects/documents', form)).id)
}

/** Creates a presentation binder through the REST API; answers its id. */
async function binder(name: string, countries: readonly string[], extra: Record<string, string> = {}) {
  const form = new URLSearchParams({
    name__v: name,
    type__v: 'multichannel_presentation__v',
    lifecycle__v: 'medical_content_lifecycle__v',
    country__v: countries.map((c) => country[c]!).join(','),
    product__v: cholecap,
    clm_content__v: 'true',
    ...extra,
  })
  return Number(ok(await medical.call('POST', '/objects/binders', form)).id)
}

async function addNode(binderId: number, documentId: number): Promise<number> {
  const body = ok(
    await medical.call(
      'POST',
      `/objects/binders/${binderId}/documents`,
      new URLSearchParams({ document_id__v: String(documentId) }),
    ),
  )
  return Number(body.id)
}

async function nodesOf(binderId: number): Promise<{ id: number; document_id__v: number }[]> {
  const body = ok(await medical.call('GET', `/objects/binders/${binderId}`))
  return (body.binder as { nodes: { id: number; document_id__v: number }[] }).nodes
}

async function latest(id: number): Promise<{ major: number; minor: number }> {
  const body = ok(await medical.call('GET', `/objects/documents/${id}`))
  const doc = body.document as Json
  return { major: Number(doc.major_version_number__v), minor: Number(doc.minor_version_number__v) }
}

async function action(id: number, name: string): Promise<void> {
  const { major, minor } = await latest(id)
  ok(
    await medical.call(
      'PUT',
      `/objects/documents/${id}/versions/${major}/${minor}/lifecycle_actions/${name}`,
    ),
  )
}

async function approve(id: number): Promise<void> {
  await action(id, 'submit_for_review__v')
  await action(id, 'approve__v')
}

async function update(id: number, fields: Record<string, string>): Promise<void> {
  ok(await medical.call('PUT', `/objects/documents/${id}`, new URLSearchParams(fields)))
}

/** A new draft version with a new file (the next minor version). */
async function newVersion(id: number, text: string): Promise<void> {
  const form = new FormData()
  form.append('file', new Blob([await pdfBytes([text])], { type: 'application/pdf' }), `${text}.pdf`)
  ok(await medical.call('POST', `/objects/documents/${id}`, form))
}

const link = (id: number) => `${medical.vault.id}_${id}`

async function presentation(crm: Crm, binderId: number): Promise<Json | undefined> {
  const rows = await crm.node.query(
    `SELECT id, name__v, link__v, crosslink_document__v, product__v, status__v, version__v FROM clm_presentation__v WHERE link__v = '${link(binderId)}'`,
  )
  expect(rows.length).toBeLessThanOrEqual(1)
  return rows[0]
}

async function keyMessages(crm: Crm, slideId: number): Promise<Json[]> {
  return crm.node.query(
    `SELECT id, link__v, crosslink_document__v, media_file_name__v, status__v, version__v FROM key_message__v WHERE link__v = '${link(slideId)}' ORDER BY created_date__v, id`,
  )
}

/** The slide order of a presentation in a CRM: the slide ids its key messages link to, in display order. */
async function slideOrder(crm: Crm, binderId: number): Promise<{ slides: number[]; orders: number[] }> {
  const p = await presentation(crm, binderId)
  if (p === undefined) return { slides: [], orders: [] }
  const rows = await crm.node.query(
    `SELECT display_order__v, key_message__vr.link__v FROM clm_presentation_slide__v WHERE clm_presentation__v = '${String(p.id)}' ORDER BY display_order__v`,
  )
  return {
    slides: rows.map((r) => Number(String(r['key_message__vr.link__v']).split('_')[1])),
    orders: rows.map((r) => Number(r.display_order__v)),
  }
}

async function crossLink(crm: Crm, id: number): Promise<Json | undefined> {
  const rows = await crm.node.query(
    `SELECT id, state__v, major_version_number__v, minor_version_number__v FROM documents WHERE source_global_id__v = '${link(id)}'`,
  )
  return rows[0]
}

async function published(crm: Crm, binderId: number, slides: readonly number[], version?: string) {
  await expectEventually(
    async () => {
      const p = await presentation(crm, binderId)
      expect(p?.status__v).toEqual(['active__v'])
      if (version !== undefined) expect(p?.version__v).toBe(version)
      expect(await slideOrder(crm, binderId)).toEqual({
        slides: [...slides],
        orders: slides.map((_, i) => i + 1),
      })
    },
    { timeoutMs: SECONDS },
  )
}

async function openClmExceptions(crm: Crm): Promise<Json[]> {
  return crm.node.query(
    `SELECT id, error_message__sys FROM exception_message__sys WHERE state__v = 'open__sys' AND integration_point__sys IN (SELECT id FROM integration_point__sys WHERE integration_point_api_name__sys = '${INTEGRATION_POINTS.clmInbound}')`,
  )
}

/** Waits until the Medical Vault has sent everything and every CRM has processed what it received. */
async function settled(): Promise<void> {
  await expectEventually(
    async () => {
      const outbound = await medical.vault.storage.db
        .selectFrom('outbound_message')
        .select('id')
        .where('state', '=', 'pending')
        .execute()
      expect(outbound).toEqual([])
      for (const crm of Object.values(crms)) {
        const pending = await crm.node.vault.storage.db
          .selectFrom('inbound_message')
          .select('message_id')
          .where('state', '=', 'received')
          .execute()
        expect(pending).toEqual([])
      }
    },
    { timeoutMs: SECONDS },
  )
}

beforeAll(async () => {
  medical = await startServedVault('medical-clm', medicalProfile)
  const created = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'country__v',
    COUNTRIES.map(([name, abbreviation]) => ({ name__v: name, abbreviation__v: abbreviation })),
  )
  for (const [i, [, abbreviation]] of COUNTRIES.entries()) country[abbreviation] = created[i]!.id!
  const [product] = await medical.vault.records.create(SYSTEM_ACTOR, 'product__v', [
    { name__v: 'Cholecap', external_id__v: 'PRD-CHOLECAP' },
  ])
  cholecap = product!.id!
  const filters = { A: ['us__v'], B: ['us__v', 'ca__v'], C: ['ca__v'] } as const
  for (const name of ['A', 'B', 'C'] as const) {
    const node = await startServedVault(`crm-clm-${name.toLowerCase()}`, crmProfile)
    await node.vault.records.create(SYSTEM_ACTOR, 'product__v', [
      { name__v: 'Cholecap (CRM)', external_id__v: 'PRD-CHOLECAP' },
    ])
    crms[name] = { node, ...(await connectVaults(medical, node)) }
    await createConnectionSettings(crms[name], 'clm_integration_settings__v', filters[name])
  }
  await expectEventually(
    async () => {
      expect(await activeConnectionCountries(medical, crms.A)).toEqual(['GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.B)).toEqual(['CA', 'GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.C)).toEqual(['CA', 'GLOBAL'])
    },
    { timeoutMs: SECONDS },
  )
}, 180_000)

afterAll(async () => {
  for (const crm of Object.values(crms)) await crm.node.destroy()
  await medical?.destroy()
})

describe('B18: CLM publishing', () => {
  let deck: number
  const slides: number[] = []

  it('B18: the CLM integration, its points and its rule are seeded on every connection', async () => {
    const onMedical = await medical.query(
      `SELECT integration_point_api_name__sys, status__v FROM integration_point__sys WHERE integration_point_api_name__sys = '${INTEGRATION_POINTS.clmOutbound}'`,
    )
    expect(onMedical).toHaveLength(3)
    const rules = await crms.A.node.query(
      "SELECT integration_rule_api_name__sys FROM integration_rule__sys WHERE integration_rule_api_name__sys = 'clm_integration_rule__v'",
    )
    expect(rules).toHaveLength(1)
  })

  it('B18: a US presentation with Publish for CRM (CLM) = Yes and three slides reaches CRM A and B with a CrossLink for binder and slides, one CLM Presentation, one Key Message per slide and the slides in node order; CRM C (Canada only) gets nothing', async () => {
    for (const name of ['Intro', 'Efficacy', 'Safety']) slides.push(await slide(`Cholecap ${name}`))
    deck = await binder('Cholecap launch deck', ['US'])
    for (const s of slides) await addNode(deck, s)
    for (const crm of [crms.A, crms.B]) await published(crm, deck, slides, '0.1')
    const crmProduct = (
      await crms.A.node.query("SELECT id FROM product__v WHERE external_id__v = 'PRD-CHOLECAP'")
    )[0]!
    const p = (await presentation(crms.A, deck))!
    const binderLink = (await crossLink(crms.A, deck))!
    expect(p).toMatchObject({
      link__v: link(deck),
      crosslink_document__v: binderLink.id,
      product__v: crmProduct.id,
      version__v: '0.1',
    })
    for (const s of slides) {
      const [km, ...more] = await keyMessages(crms.A, s)
      expect(more).toEqual([])
      const cl = (await crossLink(crms.A, s))!
      expect(km).toMatchObject({
        link__v: link(s),
        crosslink_document__v: cl.id,
        status__v: ['active__v'],
      })
      expect(String(km!.media_file_name__v)).toMatch(/\.pdf$/)
    }
    await settled()
    expect(await presentation(crms.C, deck)).toBeUndefined()
  })

  it('B18: approval (0.1 → 1.0) brings version__v to 1.0 within seconds', async () => {
    for (const s of slides) await approve(s)
    await approve(deck)
    for (const crm of [crms.A, crms.B]) await published(crm, deck, slides, '1.0')
  })
})

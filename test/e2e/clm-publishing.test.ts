// B18 CLM publishing between vaults served over HTTP on databases of their own: one Medical Vault
// and three CRMs. Presentations are built through the Medical Vault's REST API, as a content manager
// would, and the CRMs' CLM Presentations, Key Messages and slide order read through their REST APIs
// (spec/clm-and-email.md, B18).

import { PDFDocument } from 'pdf-lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { resendRecentPresentations } from '../../src/connection/flows/index.js'
import { connectionVaultOf } from '../../src/connection/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import { type MedicalContent, medicalContent, ok, pdfBytes } from '../support/medical-content.js'
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
let content: MedicalContent

/** Creates a slide for the US through the REST API, with a one-page PDF; answers its id. */
const slide = (name: string, extra: Record<string, string> = {}) => content.slide(name, ['US'], extra)
const binder = (name: string, countries: readonly string[], extra: Record<string, string> = {}) =>
  content.binder(name, countries, extra)
const addNode = (binderId: number, documentId: number) => content.addNode(binderId, documentId)

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

const link = (id: number) => content.link(id)

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
  const rows = await crm.node.query(
    "SELECT id, error_message__sys FROM exception_message__sys WHERE state__v = 'open__sys' ORDER BY created_date__v, id",
  )
  return rows.filter((r) => / CLM items? from /.test(String(r.error_message__sys)))
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
  content = medicalContent(medical, country, cholecap)
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

  it("B18: reorder and remove slides in a new binder version, then re-approve: the CRMs hold the new order (display order 1, 2 …) and version, and the removed slide's key message is withdrawn", async () => {
    const [first, second, third] = slides as [number, number, number]
    ok(await medical.call('POST', `/objects/binders/${deck}`))
    await published(crms.A, deck, slides, '1.1')
    const nodes = await nodesOf(deck)
    const nodeOf = (doc: number) => nodes.find((n) => n.document_id__v === doc)!.id
    ok(await medical.call('PUT', `/objects/binders/${deck}/documents/${nodeOf(third)}`, { order__v: 1 }))
    await published(crms.A, deck, [third, first, second], '1.1')
    ok(await medical.call('DELETE', `/objects/binders/${deck}/documents/${nodeOf(second)}`))
    await approve(deck)
    for (const crm of [crms.A, crms.B]) {
      await published(crm, deck, [third, first], '2.0')
      await expectEventually(
        async () =>
          expect((await keyMessages(crm, second)).map((k) => k.status__v)).toEqual([['withdrawn__v']]),
        { timeoutMs: SECONDS },
      )
      // B20: the removed slide's CrossLink is obsoleted, never deleted.
      expect((await crossLink(crm, second))?.state__v).toBe('obsolete__v')
      expect((await crossLink(crm, first))?.state__v).toBe('approved__v')
    }
  })

  it('B18: a new approved version of a slide with no update method updates its key message in place', async () => {
    const first = slides[0]!
    const [before] = await keyMessages(crms.A, first)
    await newVersion(first, 'Cholecap Intro v2')
    await approve(first)
    await expectEventually(
      async () => {
        const kms = await keyMessages(crms.A, first)
        expect(kms.map((k) => [k.id, k.version__v, k.status__v])).toEqual([
          [before!.id, '2.0', ['active__v']],
        ])
        expect((await crossLink(crms.A, first))?.major_version_number__v).toBe(2)
      },
      { timeoutMs: SECONDS },
    )
    await published(crms.A, deck, [slides[2]!, first], '2.0')
  })

  it('B18: with crm_slide_update_method__v = new_key_message__v a new approved slide version gets a new key message, the presentation moves to it and the old one is withdrawn', async () => {
    const third = slides[2]!
    await update(third, { crm_slide_update_method__v: 'new_key_message__v' })
    const [old] = await keyMessages(crms.A, third)
    await newVersion(third, 'Cholecap Safety v2')
    await approve(third)
    for (const crm of [crms.A, crms.B])
      await expectEventually(
        async () => {
          const kms = await keyMessages(crm, third)
          expect(kms.map((k) => [k.version__v, k.status__v])).toEqual([
            [expect.any(String), ['withdrawn__v']],
            ['2.0', ['active__v']],
          ])
          const p = (await presentation(crm, deck))!
          const rows = await crm.node.query(
            `SELECT key_message__v, display_order__v FROM clm_presentation_slide__v WHERE clm_presentation__v = '${String(p.id)}' ORDER BY display_order__v`,
          )
          expect(rows[0]).toEqual({ key_message__v: kms[1]!.id, display_order__v: 1 })
        },
        { timeoutMs: SECONDS },
      )
    expect((await keyMessages(crms.A, third))[0]!.id).toBe(old!.id)
  })

  it('B18: one slide in two presentations is one key message; withdrawn from one (Publish for CRM (CLM) = No) it stays active for the other; when the other goes obsolete it is withdrawn too, and nothing is deleted', async () => {
    const shared = await slide('Shared MoA')
    const one = await binder('Deck one', ['US'])
    const two = await binder('Deck two', ['US'])
    await addNode(one, shared)
    await addNode(two, shared)
    await published(crms.A, one, [shared])
    await published(crms.A, two, [shared])
    expect(await keyMessages(crms.A, shared)).toHaveLength(1)
    await update(one, { clm_content__v: 'false' })
    await expectEventually(
      async () => expect((await presentation(crms.A, one))?.status__v).toEqual(['withdrawn__v']),
      { timeoutMs: SECONDS },
    )
    await settled()
    expect((await keyMessages(crms.A, shared)).map((k) => k.status__v)).toEqual([['active__v']])
    expect((await crossLink(crms.A, one))?.state__v).toBe('obsolete__v')
    expect((await crossLink(crms.A, shared))?.state__v).not.toBe('obsolete__v')
    // Nothing is hard-deleted: the withdrawn presentation keeps its slide order.
    expect((await slideOrder(crms.A, one)).slides).toEqual([shared])
    await approve(two)
    await action(two, 'make_obsolete__v')
    await expectEventually(
      async () => {
        expect((await presentation(crms.A, two))?.status__v).toEqual(['withdrawn__v'])
        expect((await keyMessages(crms.A, shared)).map((k) => k.status__v)).toEqual([['withdrawn__v']])
        expect((await crossLink(crms.A, shared))?.state__v).toBe('obsolete__v')
      },
      { timeoutMs: SECONDS },
    )
  })

  it('B18: a bad slide keeps every presentation using it from being updated and raises one exception item naming the slide and the presentations; after the fix they publish and reprocessing succeeds', async () => {
    const good = await slide('Dosing table')
    const bad = await slide('Draft chart')
    const three = await binder('Deck three', ['US'])
    const four = await binder('Deck four', ['US'])
    for (const b of [three, four]) {
      await addNode(b, good)
      await addNode(b, bad)
    }
    await published(crms.A, three, [good, bad])
    await published(crms.A, four, [good, bad])
    await settled()
    const before = (await openClmExceptions(crms.A)).length
    await update(bad, { clm_content__v: 'false' })
    // An unrelated change of the presentation is held back too.
    await addNode(three, await slide('Late addition'))
    await settled()
    const exceptions = await openClmExceptions(crms.A)
    expect(exceptions, JSON.stringify(exceptions)).toHaveLength(before + 1)
    const items = await crms.A.node.query(
      `SELECT item_key__sys, error_message__sys FROM exception_item__sys WHERE exception_message__sys = '${String(exceptions.at(-1)!.id)}'`,
    )
    expect(items).toHaveLength(1)
    expect(items[0]!.item_key__sys).toBe(String(bad))
    expect(String(items[0]!.error_message__sys)).toContain('Draft chart')
    expect(String(items[0]!.error_message__sys)).toContain('Deck three')
    expect(String(items[0]!.error_message__sys)).toContain('Deck four')
    expect((await slideOrder(crms.A, three)).slides).toEqual([good, bad])
    await update(bad, { clm_content__v: 'true' })
    await settled()
    expect((await slideOrder(crms.A, three)).slides).toHaveLength(3)
    const reprocessed = await crms.A.node.call(
      'POST',
      `/vobjects/exception_message__sys/${String(exceptions.at(-1)!.id)}/actions/reprocess__sys`,
    )
    expect(reprocessed.responseStatus, JSON.stringify(reprocessed)).toBe('SUCCESS')
    await settled()
    await expectEventually(
      async () =>
        expect(
          (
            await crms.A.node.query(
              `SELECT state__v FROM exception_message__sys WHERE id = '${String(exceptions.at(-1)!.id)}'`,
            )
          )[0]!.state__v,
        ).not.toEqual(['open__sys']),
      { timeoutMs: SECONDS },
    )
  })

  it('B18: a CRM that is unreachable during approval catches up once it is back', async () => {
    const s = await slide('Outage slide')
    const b = await binder('Outage deck', ['US'])
    await addNode(b, s)
    await published(crms.B, b, [s], '0.1')
    await crms.B.node.stop()
    await approve(s)
    await approve(b)
    await published(crms.A, b, [s], '1.0')
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await crms.B.node.restart()
    await expectEventually(async () => expect((await presentation(crms.B, b))?.version__v).toBe('1.0'), {
      timeoutMs: 30_000,
    })
  })

  it('B18: a notice delivered twice, or late (one for 1.0 arriving after 2.0), changes nothing', async () => {
    await settled()
    const count = async () =>
      Number(
        (
          await crms.A.node.vault.storage.db
            .selectFrom('audit_trail')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    const before = await count()
    const state = [await presentation(crms.A, deck), await slideOrder(crms.A, deck)]
    // The Medical Vault sends the same notice again twice, as a retry or a late duplicate would.
    for (let i = 0; i < 2; i++)
      await medical.vault.storage.db.transaction().execute((trx) =>
        medical.vault.messaging.enqueueOutbound(trx, {
          connectionId: crms.A.onMedical.id,
          integrationPoint: INTEGRATION_POINTS.clmOutbound,
          items: [String(deck)],
          orderingKey: 'clm',
        }),
      )
    await settled()
    expect([await presentation(crms.A, deck), await slideOrder(crms.A, deck)]).toEqual(state)
    expect(await count()).toBe(before)
  })

  it('B18: create_presentation__v splits a PDF into a draft binder of one-page slides in page order, which publishes; a non-PDF is INVALID_DATA and creates nothing', async () => {
    const form = new FormData()
    for (const [k, v] of Object.entries({
      name__v: 'Cholecap brochure',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      country__v: country.US!,
      product__v: cholecap,
    }))
      form.append(k, v)
    form.append(
      'file',
      new Blob([await pdfBytes(['Page one', 'Page two', 'Page three'])], { type: 'application/pdf' }),
      'brochure.pdf',
    )
    const source = Number(ok(await medical.call('POST', '/objects/documents', form)).id)
    const answer = ok(
      await medical.call('POST', `/objects/documents/${source}/actions/create_presentation__v`),
    )
    const binderId = Number(answer.binder_id)
    const view = ok(await medical.call('GET', `/objects/binders/${binderId}`))
    expect(view.document).toMatchObject({
      name__v: 'Cholecap brochure',
      type__v: 'multichannel_presentation__v',
      state__v: 'draft__v',
      clm_content__v: true,
      country__v: [country.US],
      product__v: [cholecap],
    })
    const nodes = await nodesOf(binderId)
    expect(nodes).toHaveLength(3)
    for (const [i, node] of nodes.entries()) {
      const doc = ok(await medical.call('GET', `/objects/documents/${node.document_id__v}`)).document as Json
      expect(doc).toMatchObject({
        type__v: 'multichannel_slide__v',
        state__v: 'draft__v',
        clm_content__v: true,
      })
      const file = await medical.download(`/objects/documents/${node.document_id__v}/file`)
      const pdf = await PDFDocument.load(new Uint8Array(await file.arrayBuffer()))
      expect(pdf.getPageCount(), `slide ${i + 1}`).toBe(1)
    }
    await published(
      crms.A,
      binderId,
      nodes.map((n) => n.document_id__v),
    )
    const text = new FormData()
    for (const [k, v] of Object.entries({
      name__v: 'Plain notes',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
    }))
      text.append(k, v)
    text.append('file', new Blob(['just text'], { type: 'text/plain' }), 'notes.txt')
    const notes = Number(ok(await medical.call('POST', '/objects/documents', text)).id)
    const documentsBefore = await medical.query('SELECT id FROM documents')
    const refused = await medical.call('POST', `/objects/documents/${notes}/actions/create_presentation__v`)
    expect(refused.responseStatus).toBe('FAILURE')
    expect((refused.errors as Json[])[0]!.type).toBe('INVALID_DATA')
    const onBinder = await medical.call(
      'POST',
      `/objects/documents/${binderId}/actions/create_presentation__v`,
    )
    expect(onBinder.responseStatus).toBe('FAILURE')
    expect(await medical.query('SELECT id FROM documents')).toEqual(documentsBefore)
  })

  it('B18: the dry run of the CLM rule shows what a presentation would get in a CRM, writing nothing', async () => {
    const body = ok(
      await crms.A.node.call(
        'POST',
        `/services/connections/${crms.A.onCrm.apiName}/rules/clm_integration_rule__v/dry_run`,
        { source_id: String(deck) },
      ),
    )
    const crmProduct = (
      await crms.A.node.query("SELECT id FROM product__v WHERE external_id__v = 'PRD-CHOLECAP'")
    )[0]!
    expect((body.data as Json).target).toMatchObject({
      clm_presentation__v: { product__v: crmProduct.id },
      documents: expect.objectContaining({ name__v: 'Cholecap launch deck' }),
    })
    const clm = (body.data as Json).clm as Json
    expect(clm).toMatchObject({
      outcome: 'publish',
      clm_presentation__v: { link__v: link(deck), version__v: '2.0', status__v: 'active__v' },
    })
    expect(clm.clm_presentation_slide__v).toEqual([
      { display_order__v: 1, key_message__v: link(slides[2]!) },
      { display_order__v: 2, key_message__v: link(slides[0]!) },
    ])
    const before = await crms.A.node.vault.storage.db
      .selectFrom('audit_trail')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      // The CRM's metrics job (B21) writes the new presentation's zero figures meanwhile.
      .where('object_name', '!=', 'clm_content_metrics__v')
      .executeTakeFirstOrThrow()
    ok(
      await crms.A.node.call(
        'POST',
        `/services/connections/${crms.A.onCrm.apiName}/rules/clm_integration_rule__v/dry_run`,
        { source_id: String(deck) },
      ),
    )
    const after = await crms.A.node.vault.storage.db
      .selectFrom('audit_trail')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      // The CRM's metrics job (B21) writes the new presentation's zero figures meanwhile.
      .where('object_name', '!=', 'clm_content_metrics__v')
      .executeTakeFirstOrThrow()
    expect(Number(after.n)).toBe(Number(before.n))
  })

  it('B18: CLM is switchable per connection: switched off, a CRM gets no changes; switched on again, it catches up', async () => {
    const [point] = await medical.query(
      `SELECT id FROM integration_point__sys WHERE connection__sys = '${crms.A.onMedical.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.clmOutbound}'`,
    )
    ok(
      await medical.call('PUT', '/vobjects/integration_point__sys', [
        { id: point!.id, status__v: 'inactive__v' },
      ]),
    )
    const s = await slide('Switch slide')
    const b = await binder('Switch deck', ['US'])
    await addNode(b, s)
    await published(crms.B, b, [s])
    await settled()
    expect(await presentation(crms.A, b)).toBeUndefined()
    ok(
      await medical.call('PUT', '/vobjects/integration_point__sys', [
        { id: point!.id, status__v: 'active__v' },
      ]),
    )
    await published(crms.A, b, [s])
  })

  it('B18: the run endpoint of clm_outbound__v sends a connection its presentations again, and the scheduled safety net sends those changed lately; a CRM in step changes nothing', async () => {
    const body = ok(
      await medical.call(
        'POST',
        `/services/connections/${crms.A.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.clmOutbound}`,
      ),
    )
    expect(Number((body.data as Json).queued)).toBeGreaterThan(0)
    await settled()
    // A notice lost on the way: made while A's queue is paused (the queue views' switch), then dropped.
    const queue = `${crms.A.onMedical.apiName}_outbound_queue`
    ok(await medical.call('PUT', `/services/queues/${queue}/actions/disable_delivery`))
    const s = await slide('Lost notice slide')
    const b = await binder('Lost notice deck', ['US'])
    await addNode(b, s)
    await published(crms.B, b, [s])
    await medical.vault.storage.db
      .deleteFrom('outbound_message')
      .where('state', '=', 'pending')
      .where('connection_id', '=', crms.A.onMedical.id)
      .execute()
    ok(await medical.call('PUT', `/services/queues/${queue}/actions/enable_delivery`))
    await settled()
    expect(await presentation(crms.A, b)).toBeUndefined()
    const again = await resendRecentPresentations(
      connectionVaultOf(medical.vault),
      crms.A.onMedical.id,
      60_000,
    )
    expect(again.queued).toBeGreaterThan(0)
    await published(crms.A, b, [s])
  })

  it('B18, B23: a presentation refuses a node that is not a slide and a slide twice, changing nothing; a deleted slide leaves the presentations that held it', async () => {
    const s = await slide('Guarded slide')
    const gone = await slide('Deleted slide')
    const b = await binder('Guarded deck', ['US'])
    await addNode(b, s)
    await addNode(b, gone)
    await published(crms.A, b, [s, gone])
    const form = new FormData()
    for (const [k, v] of Object.entries({
      name__v: 'Not a slide',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
    }))
      form.append(k, v)
    const reference = Number(ok(await medical.call('POST', '/objects/documents', form)).id)
    const add = (id: number) =>
      medical.call(
        'POST',
        `/objects/binders/${b}/documents`,
        new URLSearchParams({ document_id__v: String(id) }),
      )
    for (const refused of [await add(reference), await add(s)]) {
      expect(refused.responseStatus).toBe('FAILURE')
      expect((refused.errors as Json[])[0]!.type).toBe('OPERATION_NOT_ALLOWED')
    }
    expect((await nodesOf(b)).map((n) => n.document_id__v)).toEqual([s, gone])
    ok(await medical.call('DELETE', `/objects/documents/${gone}`))
    await published(crms.A, b, [s])
    await expectEventually(
      async () =>
        expect((await keyMessages(crms.A, gone)).map((k) => k.status__v)).toEqual([['withdrawn__v']]),
      { timeoutMs: SECONDS },
    )
  })

  it('B18: the CLM records are written by the connection only: even the CRM admin cannot change them', async () => {
    const p = (await presentation(crms.A, deck))!
    const edit = await crms.A.node.call('PUT', '/vobjects/clm_presentation__v', [
      { id: p.id, version__v: '9.9' },
    ])
    expect(JSON.stringify(edit)).toContain('FAILURE')
    const [km] = await keyMessages(crms.A, slides[0]!)
    const kmEdit = await crms.A.node.call('PUT', '/vobjects/key_message__v', [
      { id: km!.id, media_file_name__v: 'forged.pdf' },
    ])
    expect(JSON.stringify(kmEdit)).toContain('FAILURE')
    expect((await presentation(crms.A, deck))?.version__v).toBe(p.version__v)
  })
})

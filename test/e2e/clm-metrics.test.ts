// B21 CLM Content Metrics between vaults served over HTTP on databases of their own: one Medical
// Vault and two CRMs. A presentation is published (B18); reps' calls and email activity are
// recorded in each CRM through its REST API; the Medical Vault's figures, its report and the
// document's metrics summary are read through its REST API and checked against the contract's
// formulas (spec/clm-and-email.md, B21), worked out by hand below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import { type MedicalContent, medicalContent, ok } from '../support/medical-content.js'
import {
  activeConnectionCountries,
  type ConnectedCrm,
  connectVaults,
  createConnectionSettings,
  type Json,
  type ServedVault,
  startServedVault,
} from '../support/served-vaults.js'

const SECONDS = 30_000

let medical: ServedVault
let content: MedicalContent
const crms: Record<'A' | 'B', ConnectedCrm> = {} as Record<'A' | 'B', ConnectedCrm>
const country: Record<string, string> = {}
let deck: number
let s1: number
let s2: number

/** Creates records through a CRM's REST API (as its call reporting would); answers their ids. */
async function create(crm: ConnectedCrm, object: string, rows: readonly Json[]): Promise<string[]> {
  const body = await crm.node.call('POST', `/vobjects/${object}`, rows)
  expect(body.responseStatus, JSON.stringify(body).slice(0, 800)).toBe('SUCCESS')
  return (body.data as { responseStatus: string; data: { id: string } }[]).map((r) => {
    expect(r.responseStatus, JSON.stringify(r)).toBe('SUCCESS')
    return r.data.id
  })
}

/** The CRM's key message of a Medical slide and its presentation of the deck. */
async function published(crm: ConnectedCrm) {
  const [presentation] = await crm.node.query(
    `SELECT id FROM clm_presentation__v WHERE link__v = '${content.link(deck)}'`,
  )
  const km = async (slide: number) =>
    String(
      (await crm.node.query(`SELECT id FROM key_message__v WHERE link__v = '${content.link(slide)}'`))[0]!.id,
    )
  return { presentation: String(presentation!.id), s1: await km(s1), s2: await km(s2) }
}

interface Shown {
  readonly call: string
  readonly km: string
  readonly order: number
  readonly duration: number
  readonly reaction: string
  readonly custom: boolean
  readonly country: string
}

async function recordCall(crm: ConnectedCrm, presentation: string, account: string, shown: readonly Shown[]) {
  await create(
    crm,
    'call2_key_message__v',
    shown.map((s) => ({
      call2__v: s.call,
      account__v: account,
      key_message__v: s.km,
      clm_presentation__v: presentation,
      display_order__v: s.order,
      duration__v: s.duration,
      reaction__v: s.reaction,
      custom_presentation__v: s.custom,
      country__v: s.country,
      start_time__v: '2026-11-20T10:00:00.000Z',
    })),
  )
}

async function lines(
  crm: ConnectedCrm,
  rows: readonly { event: string; presentation?: string; km?: string; country: string; times: number }[],
) {
  await create(
    crm,
    'multichannel_activity_line__v',
    rows.flatMap((r) =>
      Array.from({ length: r.times }, () => ({
        event_type__v: r.event,
        clm_presentation__v: r.presentation ?? null,
        key_message__v: r.km ?? null,
        country__v: r.country,
        event_datetime__v: '2026-11-21T09:00:00.000Z',
      })),
    ),
  )
}

const FIGURES = [
  'times_shown__v',
  'total_duration_seconds__v',
  'average_duration_seconds__v',
  'custom_presentation_uses__v',
  'average_view_order__v',
  'reactions_positive__v',
  'reactions_neutral__v',
  'reactions_negative__v',
  'previews__v',
  'times_sent_as_link__v',
  'link_click_rate__v',
] as const

type Figures = Readonly<Record<(typeof FIGURES)[number], number | null>>

function figures(
  shown: number,
  total: number,
  average: number,
  custom: number,
  order: number | null,
  [positive, neutral, negative]: readonly [number, number, number],
  previews: number,
  sent: number,
  rate: number,
): Figures {
  return {
    times_shown__v: shown,
    total_duration_seconds__v: total,
    average_duration_seconds__v: average,
    custom_presentation_uses__v: custom,
    average_view_order__v: order,
    reactions_positive__v: positive,
    reactions_neutral__v: neutral,
    reactions_negative__v: negative,
    previews__v: previews,
    times_sent_as_link__v: sent,
    link_click_rate__v: rate,
  }
}

const ZERO_DECK = figures(0, 0, 0, 0, null, [0, 0, 0], 0, 0, 0)
const ZERO_SLIDE = figures(0, 0, 0, 0, 0, [0, 0, 0], 0, 0, 0)

function onlyFigures(row: Json | undefined): Json | undefined {
  if (row === undefined) return undefined
  return Object.fromEntries(FIGURES.map((f) => [f, row[f] === undefined ? null : row[f]]))
}

/** The Medical Vault's metrics records of a document, by CRM and country abbreviation ('' = all). */
async function medicalMetrics(documentId: number): Promise<Map<string, Json>> {
  const rows = await medical.query(
    `SELECT id, object_type__v, connection__sys, crm_org__v, country__vr.abbreviation__v, last_calculated__v, ${FIGURES.join(', ')} FROM clm_content_metrics__v WHERE document__v = ${documentId}`,
  )
  const out = new Map<string, Json>()
  for (const row of rows) {
    const crm = Object.entries(crms).find(([, c]) => c.onMedical.id === row.connection__sys)?.[0] ?? '?'
    const key = `${crm} ${String(row['country__vr.abbreviation__v'] ?? '')}`
    expect(out.has(key), `one record per connection, document, object type and country: ${key}`).toBe(false)
    out.set(key, row)
  }
  return out
}

async function report(documentId: number, groupBy?: 'crm' | 'country'): Promise<Json> {
  return ok(
    await medical.call(
      'GET',
      `/reports/clm_content_metrics?document_id=${documentId}${groupBy === undefined ? '' : `&group_by=${groupBy}`}`,
    ),
  )
}

beforeAll(async () => {
  medical = await startServedVault('medical-metrics', medicalProfile)
  const created = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'country__v',
    [
      ['United States', 'US'],
      ['Canada', 'CA'],
      ['Global', 'GLOBAL'],
    ].map(([name, abbreviation]) => ({ name__v: name, abbreviation__v: abbreviation })),
  )
  for (const [i, abbreviation] of ['US', 'CA', 'GLOBAL'].entries()) country[abbreviation] = created[i]!.id!
  const [product] = await medical.vault.records.create(SYSTEM_ACTOR, 'product__v', [
    { name__v: 'Cholecap', external_id__v: 'PRD-CHOLECAP' },
  ])
  content = medicalContent(medical, country, product!.id!)
  const filters = { A: ['us__v'], B: ['us__v', 'ca__v'] } as const
  for (const name of ['A', 'B'] as const) {
    const node = await startServedVault(`crm-metrics-${name.toLowerCase()}`, crmProfile)
    crms[name] = { node, ...(await connectVaults(medical, node)) }
    await createConnectionSettings(crms[name], 'clm_integration_settings__v', filters[name])
  }
  await expectEventually(
    async () => {
      expect(await activeConnectionCountries(medical, crms.A)).toEqual(['GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.B)).toEqual(['CA', 'GLOBAL', 'US'])
    },
    { timeoutMs: SECONDS },
  )
  s1 = await content.slide('Efficacy', ['US', 'CA'])
  s2 = await content.slide('Safety', ['US', 'CA'])
  deck = await content.binder('Cholecap Deck', ['US', 'CA'])
  await content.addNode(deck, s1)
  await content.addNode(deck, s2)
  for (const crm of Object.values(crms))
    await expectEventually(
      async () =>
        expect(
          await crm.node.query(
            `SELECT id FROM key_message__v WHERE link__v CONTAINS ('${content.link(s1)}', '${content.link(s2)}')`,
          ),
        ).toHaveLength(2),
      { timeoutMs: SECONDS },
    )
}, 180_000)

afterAll(async () => {
  for (const crm of Object.values(crms)) await crm?.node.destroy()
  await medical?.destroy()
})

describe('B21: CLM Content Metrics', () => {
  it('B21: the CLM Content Metrics integration, its points and its rule are seeded on every connection', async () => {
    const onMedical = await medical.query(
      `SELECT id FROM integration_point__sys WHERE integration_point_api_name__sys = '${INTEGRATION_POINTS.clmMetricsInbound}'`,
    )
    expect(onMedical).toHaveLength(2)
    const rules = await medical.query(
      "SELECT status__v FROM integration_rule__sys WHERE integration_rule_api_name__sys = 'clm_content_metrics_integration_rule__v'",
    )
    expect(rules).toHaveLength(2)
    const onCrm = await crms.A.node.query(
      `SELECT id FROM integration_point__sys WHERE integration_point_api_name__sys = '${INTEGRATION_POINTS.clmMetricsOutbound}'`,
    )
    expect(onCrm).toHaveLength(1)
  })

  it('B21: a published presentation and its slides have all-countries records of zeros in Medical before any activity', async () => {
    await expectEventually(
      async () => {
        const ofDeck = await medicalMetrics(deck)
        expect([...ofDeck.keys()].sort()).toEqual(['A ', 'B '])
        for (const row of ofDeck.values()) {
          expect(row.object_type__v).toEqual(['pres_level_metrics__v'])
          expect(onlyFigures(row)).toEqual(ZERO_DECK)
        }
        const ofSlide = await medicalMetrics(s1)
        expect([...ofSlide.keys()].sort()).toEqual(['A ', 'B '])
        for (const row of ofSlide.values()) {
          expect(row.object_type__v).toEqual(['slide_level_metrics__v'])
          expect(onlyFigures(row)).toEqual(ZERO_SLIDE)
        }
      },
      { timeoutMs: SECONDS },
    )
  })

  it('B21: calls and email activity in two CRMs become the contract figures per presentation, slide, CRM and country, within seconds', async () => {
    const a = await published(crms.A)
    const b = await published(crms.B)
    const [accountA] = await create(crms.A, 'account__v', [{ name__v: 'Dr Ada Lovelace' }])
    const [accountB] = await create(crms.B, 'account__v', [{ name__v: 'Dr Alan Turing' }])
    const [a1, a2] = await create(crms.A, 'call2__v', [
      { account__v: accountA, country__v: 'us__v', call_date__v: '2026-11-20' },
      { account__v: accountA, country__v: 'us__v', call_date__v: '2026-11-21' },
    ])
    const [b1, b2] = await create(crms.B, 'call2__v', [
      { account__v: accountB, country__v: 'ca__v', call_date__v: '2026-11-20' },
      { account__v: accountB, country__v: 'us__v', call_date__v: '2026-11-22' },
    ])
    const started = Date.now()
    await recordCall(crms.A, a.presentation, accountA!, [
      {
        call: a1!,
        km: a.s1,
        order: 1,
        duration: 30,
        reaction: 'positive__v',
        custom: false,
        country: 'us__v',
      },
      { call: a1!, km: a.s2, order: 2, duration: 45, reaction: 'neutral__v', custom: true, country: 'us__v' },
      {
        call: a2!,
        km: a.s1,
        order: 1,
        duration: 20,
        reaction: 'negative__v',
        custom: false,
        country: 'us__v',
      },
    ])
    await lines(crms.A, [
      { event: 'preview__v', presentation: a.presentation, country: 'us__v', times: 2 },
      { event: 'preview__v', presentation: a.presentation, km: a.s1, country: 'us__v', times: 1 },
      { event: 'link_sent__v', presentation: a.presentation, country: 'us__v', times: 4 },
      { event: 'link_opened__v', presentation: a.presentation, country: 'us__v', times: 2 },
      { event: 'link_clicked__v', presentation: a.presentation, country: 'us__v', times: 1 },
    ])
    await recordCall(crms.B, b.presentation, accountB!, [
      {
        call: b1!,
        km: b.s2,
        order: 1,
        duration: 60,
        reaction: 'positive__v',
        custom: true,
        country: 'ca__v',
      },
      {
        call: b1!,
        km: b.s1,
        order: 2,
        duration: 10,
        reaction: 'positive__v',
        custom: false,
        country: 'ca__v',
      },
      { call: b2!, km: b.s1, order: 1, duration: 5, reaction: 'neutral__v', custom: false, country: 'us__v' },
    ])
    await lines(crms.B, [
      { event: 'link_sent__v', presentation: b.presentation, country: 'ca__v', times: 2 },
      { event: 'link_clicked__v', presentation: b.presentation, country: 'ca__v', times: 1 },
    ])
    const deckA = figures(2, 95, 47.5, 1, null, [1, 1, 1], 3, 4, 0.25)
    await expectEventually(
      async () => {
        const ofDeck = await medicalMetrics(deck)
        expect(onlyFigures(ofDeck.get('A '))).toEqual(deckA)
        expect(onlyFigures(ofDeck.get('A US'))).toEqual(deckA)
        expect(onlyFigures(ofDeck.get('B '))).toEqual(figures(2, 75, 37.5, 1, null, [2, 1, 0], 0, 2, 0.5))
        expect(onlyFigures(ofDeck.get('B CA'))).toEqual(figures(1, 70, 70, 1, null, [2, 0, 0], 0, 2, 0.5))
        expect(onlyFigures(ofDeck.get('B US'))).toEqual(figures(1, 5, 5, 0, null, [0, 1, 0], 0, 0, 0))
        expect(ofDeck.size).toBe(5)
        const ofS1 = await medicalMetrics(s1)
        expect(onlyFigures(ofS1.get('A '))).toEqual(figures(2, 50, 25, 0, 1, [1, 0, 1], 1, 0, 0))
        expect(onlyFigures(ofS1.get('B '))).toEqual(figures(2, 15, 7.5, 0, 1.5, [1, 1, 0], 0, 0, 0))
        expect(onlyFigures(ofS1.get('B CA'))).toEqual(figures(1, 10, 10, 0, 2, [1, 0, 0], 0, 0, 0))
        const ofS2 = await medicalMetrics(s2)
        expect(onlyFigures(ofS2.get('A US'))).toEqual(figures(1, 45, 45, 1, 2, [0, 1, 0], 0, 0, 0))
        expect(onlyFigures(ofS2.get('B '))).toEqual(figures(1, 60, 60, 1, 1, [1, 0, 0], 0, 0, 0))
        const row = ofDeck.get('A ')!
        expect(row.crm_org__v).toBe(String(crms.A.node.vault.id))
        expect(String(row.last_calculated__v)).toMatch(/^2\d{3}-/)
      },
      { timeoutMs: SECONDS, intervalMs: 100 },
    )
    // The contract's bound is a minute; the event-driven path takes seconds.
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('B22: every write of the figures, in the CRM and in Medical, is audited as the connection (in Medical with the message)', async () => {
    const ofMedical = await medical.vault.storage.db
      .selectFrom('audit_trail')
      .select(['connection', 'message_id', 'action'])
      .where('object_name', '=', 'clm_content_metrics__v')
      .execute()
    expect(ofMedical.length).toBeGreaterThan(0)
    expect(ofMedical.filter((e) => e.connection === null || e.message_id === null)).toEqual([])
    const ofCrm = await crms.A.node.vault.storage.db
      .selectFrom('audit_trail')
      .select(['connection', 'action'])
      .where('object_name', '=', 'clm_content_metrics__v')
      .execute()
    expect(ofCrm.length).toBeGreaterThan(0)
    expect(ofCrm.filter((e) => e.connection === null)).toEqual([])
  })

  it('B21: the report adds the CRMs as sums (weighted averages), per CRM and per country, and answers CSV', async () => {
    const all = await report(deck)
    expect(all.responseDetails).toEqual({
      document_id: deck,
      object_type__v: 'pres_level_metrics__v',
      group_by: 'none',
    })
    const [total] = all.data as Json[]
    expect(onlyFigures(total)).toEqual(figures(4, 170, 42.5, 2, null, [3, 2, 1], 3, 6, 0.3333))
    expect(total!.crm_count).toBe(2)

    const byCrm = (await report(deck, 'crm')).data as Json[]
    expect(byCrm.map((r) => r.crm_name)).toEqual(['crm-metrics-a', 'crm-metrics-b'])
    expect(
      Object.fromEntries(byCrm.map((r) => [r.crm_org__v, [r.times_shown__v, r.link_click_rate__v]])),
    ).toEqual({
      [String(crms.A.node.vault.id)]: [2, 0.25],
      [String(crms.B.node.vault.id)]: [2, 0.5],
    })

    const byCountry = (await report(deck, 'country')).data as Json[]
    expect(byCountry.map((r) => r.country_abbreviation)).toEqual(['CA', 'US'])
    expect(onlyFigures(byCountry[0])).toEqual(figures(1, 70, 70, 1, null, [2, 0, 0], 0, 2, 0.5))
    // 100 seconds over 3 calls: 33.33, the sum of both CRMs' US figures, not the mean of 47.5 and 5.
    expect(onlyFigures(byCountry[1])).toEqual(figures(3, 100, 33.33, 1, null, [1, 2, 1], 3, 4, 0.25))

    const slide = (await report(s1)).data as Json[]
    // View order weighted by times shown: (1 × 2 + 1.5 × 2) ÷ 4.
    expect(onlyFigures(slide[0])).toEqual(figures(4, 65, 16.25, 0, 1.25, [2, 1, 1], 1, 0, 0))

    const csv = await medical.download(
      `/reports/clm_content_metrics?document_id=${deck}&group_by=country&format_result=csv`,
    )
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/)
    const text = await csv.text()
    const [header, ca] = text.trim().split(/\r?\n/)
    expect(header).toMatch(
      /^country__v,country_name,country_abbreviation,times_shown__v,total_duration_seconds__v/,
    )
    expect(ca).toContain('Canada,CA,1,70,70')
  })

  it('B21: the document answers its metrics summary with include=metrics', async () => {
    const body = ok(await medical.call('GET', `/objects/documents/${deck}?include=metrics`))
    const summary = body.clm_content_metrics as Json
    expect(summary.object_type__v).toBe('pres_level_metrics__v')
    expect(onlyFigures(summary)).toEqual(figures(4, 170, 42.5, 2, null, [3, 2, 1], 3, 6, 0.3333))
    const plain = ok(await medical.call('GET', `/objects/documents/${deck}`))
    expect(plain.clm_content_metrics).toBeUndefined()
  })

  it('B21: an edited call key message recalculates in place: the same records, new figures', async () => {
    const before = await medicalMetrics(deck)
    const a = await published(crms.A)
    const [row] = await crms.A.node.query(
      `SELECT id FROM call2_key_message__v WHERE key_message__v = '${a.s1}' AND duration__v = 20`,
    )
    ok(
      await crms.A.node.call('PUT', '/vobjects/call2_key_message__v', [
        { id: String(row!.id), duration__v: 50 },
      ]),
    )
    await expectEventually(
      async () => {
        const after = await medicalMetrics(deck)
        expect(onlyFigures(after.get('A '))).toEqual(figures(2, 125, 62.5, 1, null, [1, 1, 1], 3, 4, 0.25))
        expect([...after].map(([k, r]) => [k, r.id]).sort()).toEqual(
          [...before].map(([k, r]) => [k, r.id]).sort(),
        )
      },
      { timeoutMs: SECONDS },
    )
  })

  it('B21: recalculating from scratch on a CRM gives the same figures and changes no record', async () => {
    const body = ok(await crms.B.node.call('POST', '/reports/clm_content_metrics/actions/recalculate'))
    expect(body.data).toMatchObject({ recalculated: true, records: 0, messages: 0 })
    const refused = await medical.call('POST', '/reports/clm_content_metrics/actions/recalculate')
    expect(refused.responseStatus).toBe('FAILURE')
  })

  it('B21, B11: a key message that maps to no Medical document is an exception item naming it; content of another vault is not sent', async () => {
    const a = await published(crms.A)
    const [ghost, foreign] = await crms.A.node.vault.records.create(SYSTEM_ACTOR, 'key_message__v', [
      { name__v: 'Ghost slide', link__v: content.link(999_999), status__v: 'active__v' },
      { name__v: 'Foreign slide', link__v: 'V999_42', status__v: 'active__v' },
    ])
    const [account] = await create(crms.A, 'account__v', [{ name__v: 'Dr Grace Hopper' }])
    const [call] = await create(crms.A, 'call2__v', [{ account__v: account, country__v: 'us__v' }])
    await recordCall(crms.A, a.presentation, account!, [
      {
        call: call!,
        km: ghost!.id!,
        order: 1,
        duration: 12,
        reaction: 'positive__v',
        custom: false,
        country: 'us__v',
      },
      {
        call: call!,
        km: foreign!.id!,
        order: 2,
        duration: 8,
        reaction: 'positive__v',
        custom: false,
        country: 'us__v',
      },
    ])
    await expectEventually(
      async () => {
        const items = (
          await medical.query('SELECT item_key__sys, error_message__sys FROM exception_item__sys')
        ).filter((i) => String(i.error_message__sys).includes('Ghost slide'))
        expect(items.length).toBeGreaterThan(0)
        expect(String(items[0]!.error_message__sys)).toContain(`link ${content.link(999_999)}`)
        // The presentation's own figures in the same messages went through.
        expect(onlyFigures((await medicalMetrics(deck)).get('A '))?.times_shown__v).toBe(3)
      },
      { timeoutMs: SECONDS },
    )
    expect(
      await crms.A.node.query(
        `SELECT id FROM clm_content_metrics__v WHERE key_message__v = '${foreign!.id!}'`,
      ),
    ).toEqual([])
  })

  it('B21, B11: a country Medical does not know fails its items alone; once the country exists, Reprocess brings them in', async () => {
    const b = await published(crms.B)
    const [account] = await create(crms.B, 'account__v', [{ name__v: 'Dr Kenji Sato' }])
    const [call] = await create(crms.B, 'call2__v', [{ account__v: account, country__v: 'jp__v' }])
    await recordCall(crms.B, b.presentation, account!, [
      {
        call: call!,
        km: b.s2,
        order: 1,
        duration: 40,
        reaction: 'neutral__v',
        custom: false,
        country: 'jp__v',
      },
    ])
    let exceptionId = ''
    await expectEventually(
      async () => {
        const items = (
          await medical.query('SELECT exception_message__sys, error_message__sys FROM exception_item__sys')
        ).filter((i) => String(i.error_message__sys).includes('"jp__v"'))
        expect(items.length).toBeGreaterThan(0)
        expect(String(items[0]!.error_message__sys)).toMatch(
          /Key Message "Safety"|CLM Presentation "Cholecap Deck"/,
        )
        exceptionId = String(items[0]!.exception_message__sys)
        // The all-countries figures of the same calculation went through.
        expect(onlyFigures((await medicalMetrics(deck)).get('B '))?.times_shown__v).toBe(3)
      },
      { timeoutMs: SECONDS },
    )
    expect((await medicalMetrics(deck)).has('B JP')).toBe(false)
    ok(await medical.call('POST', '/vobjects/country__v', [{ name__v: 'Japan', abbreviation__v: 'JP' }]))
    ok(await medical.call('POST', `/vobjects/exception_message__sys/${exceptionId}/actions/reprocess__sys`))
    await expectEventually(
      async () => {
        expect(onlyFigures((await medicalMetrics(deck)).get('B JP'))).toEqual(
          figures(1, 40, 40, 0, null, [0, 1, 0], 0, 0, 0),
        )
        expect(onlyFigures((await medicalMetrics(s2)).get('B JP'))).toEqual(
          figures(1, 40, 40, 0, 1, [0, 1, 0], 0, 0, 0),
        )
      },
      { timeoutMs: SECONDS },
    )
  })

  it('B21: the report refuses a document that does not exist and a malformed id', async () => {
    const missing = await medical.call('GET', '/reports/clm_content_metrics?document_id=987654')
    expect(missing.responseStatus).toBe('FAILURE')
    const bad = await medical.call('GET', '/reports/clm_content_metrics?document_id=abc')
    expect(bad.responseStatus).toBe('FAILURE')
  })
})

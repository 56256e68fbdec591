// B21 in the web app: a content manager opens the CLM Content Metrics of the world's presentation
// ("Cardiora CLM Launch Deck", published to crm-na) and of one of its slides, in Chromium. Reps'
// calls are recorded in crm-na through its REST API (`liaison demo activity`); once the Medical
// Vault's report holds them, the page's charts are drawn and each chart's table shows exactly the
// figures the report API answers.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { demoActivity } from '../../src/cli/demo-activity-command.js'
import { startWorld, type World, type WorldVaultInfo } from '../../src/cli/world.js'
import { launchChromium, screenshot, seriousViolations } from '../support/browser.js'

type Json = Record<string, unknown>
type Row = Record<string, number | string | null>

let world: World
let browser: Browser
const contexts: BrowserContext[] = []
const consoleErrors: string[] = []
const dir = mkdtempSync(join(tmpdir(), 'liaison-web-metrics-'))
let medicalApi: (path: string, init?: { method?: string; body?: URLSearchParams }) => Promise<Json>
let deck: number
let slides: { document_id__v: number; name__v: string }[]

function vault(name: string): WorldVaultInfo {
  return world.info.find((v) => v.name === name)!
}

function manager() {
  const user = vault('medical').users.find((u) => u.role === 'content_manager')!
  if (user.password === undefined) throw new Error(`a new world knows ${user.username}'s password`)
  return { username: user.username, password: user.password }
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  contexts.push(context)
  const page = await context.newPage()
  page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`)
  })
  return page
}

async function logIn(page: Page, path: string): Promise<void> {
  await page.goto(`${vault('medical').url}${path}`)
  await page.getByLabel('Username').fill(manager().username)
  await page.getByLabel('Password').fill(manager().password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Log out' }).waitFor()
}

async function report(documentId: number, groupBy?: 'crm' | 'country'): Promise<Row[]> {
  const body = await medicalApi(
    `/reports/clm_content_metrics?document_id=${documentId}${groupBy === undefined ? '' : `&group_by=${groupBy}`}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body.data as Row[]
}

/** Everything the dashboard of the deck shows, as the report API answers it now. */
async function deckReports() {
  return {
    summary: (await report(deck))[0]!,
    crm: await report(deck, 'crm'),
    country: await report(deck, 'country'),
    slides: await Promise.all(slides.map(async (s) => (await report(s.document_id__v))[0]!)),
  }
}

/** The report's click rate (0 to 1, 4 decimals) as a percentage with 2 decimals. */
const rate = (value: unknown) => `${(Number(value) * 100).toFixed(2)} %`

const countryLabel = (r: Row) => `${String(r.country_name)} (${String(r.country_abbreviation)})`

/** The cells of a table's body, row by row, as a person reads them. */
async function cells(table: Locator): Promise<string[][]> {
  return table
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())),
    )
}

/** The summary's figures, by label. */
async function summary(page: Page): Promise<Record<string, string>> {
  const region = page.getByRole('region', { name: 'Summary' })
  await region.getByRole('term').first().waitFor()
  return region.evaluate((el) =>
    Object.fromEntries(
      [...el.querySelectorAll('dl > div')].map((d) => [
        d.querySelector('dt')?.textContent ?? '',
        d.querySelector('dd')?.textContent ?? '',
      ]),
    ),
  )
}

async function openMetrics(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'CLM Content Metrics' }).click()
  await page.getByRole('region', { name: 'Summary' }).waitFor()
}

/** A chart: an image named by its title, drawn by ECharts (an SVG with marks in it). */
async function expectChartDrawn(page: Page, title: string): Promise<void> {
  const chart = page.getByRole('img', { name: title, exact: true })
  await chart.locator('svg').waitFor()
  await expect.poll(() => chart.locator('svg path').count()).toBeGreaterThan(0)
}

beforeAll(async () => {
  world = await startWorld({ dir, port: 12_000 + Math.floor(Math.random() * 20_000) })
  browser = await launchChromium()
  const api = `${vault('medical').url}/api/v25.2`
  const { sessionId } = (await (
    await fetch(`${api}/auth`, { method: 'POST', body: new URLSearchParams(manager()) })
  ).json()) as { sessionId: string }
  medicalApi = async (path, init = {}) =>
    (await (
      await fetch(`${api}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: sessionId },
        ...(init.body === undefined ? {} : { body: init.body }),
      })
    ).json()) as Json
  const found = await medicalApi('/query', {
    method: 'POST',
    body: new URLSearchParams({
      q: "SELECT id FROM documents WHERE type__v = 'multichannel_presentation__v' AND name__v = 'Cardiora CLM Launch Deck'",
    }),
  })
  deck = Number((found.data as Json[])[0]!.id)
  const binder = await medicalApi(`/objects/binders/${deck}`)
  slides = (binder.binder as { nodes: { document_id__v: number; name__v: string }[] }).nodes
  expect(slides.length).toBeGreaterThan(1)
}, 120_000)

afterAll(async () => {
  for (const context of contexts) await context.close()
  await browser?.close()
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('B21: the CLM Content Metrics dashboard of a presentation, in Chromium', () => {
  afterEach(() => {
    expect(consoleErrors.splice(0)).toEqual([])
  })

  it('B21: before any call, the deck shows zeros and "not shown in calls yet", no error and no chart (so no ECharts either)', async () => {
    const page = await newPage()
    const scripts: string[] = []
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.url())
    })
    await logIn(page, `/ui/documents/${deck}`)
    await page.getByRole('heading', { name: 'Cardiora CLM Launch Deck' }).waitFor()
    await openMetrics(page)
    const figures = await summary(page)
    expect(figures['Times shown in calls']).toBe('0')
    expect(figures['Link click rate']).toBe('0.00 %')
    await page.getByText('Not shown in calls yet.').first().waitFor()
    const byCountry = page.getByRole('table', { name: 'Times shown and link click rate by country' })
    expect(await cells(byCountry)).toEqual([['Not shown in calls yet.']])
    const durations = page.getByRole('table', { name: 'Average slide duration' })
    expect(await cells(durations)).toEqual(slides.map((s) => [s.name__v, '0', '0', '0']))
    // The summary, each of the four charts, and the by-country table (no country has figures).
    expect(await page.getByText('Not shown in calls yet.').count()).toBe(6)
    await page.waitForLoadState('networkidle')
    expect(await page.getByRole('img').count()).toBe(0)
    expect(scripts.filter((url) => /echarts/i.test(url))).toEqual([])
    expect(await page.getByRole('alert').count()).toBe(0)
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'content-manager-clm-metrics-empty')
  })

  it("B21: after reps' calls in crm-na, the charts are drawn and their tables show exactly the report API's figures (by slide, by country, by CRM)", async () => {
    // The deck reaches crm-na within seconds of the world's start (B18); the demo records calls once it is there.
    let calls = 0
    const until = Date.now() + 30_000
    while (calls === 0 && Date.now() < until) {
      const [result] = await demoActivity({
        world: dir,
        vault: 'crm-na',
        calls: 40,
        seed: 21,
        log: () => {},
        progress: false,
      })
      calls = result!.calls
      if (calls === 0) await new Promise((r) => setTimeout(r, 500))
    }
    expect(calls).toBe(40)
    // Medical holds the figures once every call is counted and they stop changing.
    let previous = ''
    await expect
      .poll(
        async () => {
          const now = await deckReports()
          const same = JSON.stringify(now) === previous
          previous = JSON.stringify(now)
          return now.summary.times_shown__v === calls && same
        },
        { timeout: 30_000, interval: 1_000 },
      )
      .toBe(true)
    const expected = await deckReports()
    expect(expected.country.length).toBeGreaterThan(0)

    const page = await newPage()
    const scripts: string[] = []
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push(response.url())
    })
    await logIn(page, `/ui/documents/${deck}`)
    await page.getByRole('heading', { name: 'Cardiora CLM Launch Deck' }).waitFor()
    await page.waitForLoadState('networkidle')
    // ECharts is a chunk of its own: the first page and the document's details never fetch it.
    expect(scripts.filter((url) => /echarts/i.test(url))).toEqual([])
    await openMetrics(page)
    const figures = await summary(page)
    expect(figures['Times shown in calls']).toBe(String(expected.summary.times_shown__v))
    expect(figures['Total duration (seconds)']).toBe(String(expected.summary.total_duration_seconds__v))
    expect(figures['Average duration (seconds)']).toBe(String(expected.summary.average_duration_seconds__v))
    expect(figures['Positive reactions']).toBe(String(expected.summary.reactions_positive__v))
    expect(figures['Times sent as a link']).toBe(String(expected.summary.times_sent_as_link__v))
    expect(figures['Link click rate']).toBe(rate(expected.summary.link_click_rate__v))
    expect(figures['CRMs reporting']).toBe('1')

    for (const title of [
      'Average slide duration',
      'Reactions per slide',
      'Times shown and link click rate by country',
      'Times shown and link click rate by CRM',
    ])
      await expectChartDrawn(page, title)
    expect(scripts.filter((url) => /echarts/i.test(url))).toHaveLength(1)

    // The slides in the binder's order, each with its own report's figures.
    expect(await cells(page.getByRole('table', { name: 'Average slide duration' }))).toEqual(
      slides.map((s, i) => [
        s.name__v,
        String(expected.slides[i]!.times_shown__v),
        String(expected.slides[i]!.total_duration_seconds__v),
        String(expected.slides[i]!.average_duration_seconds__v),
      ]),
    )
    expect(await cells(page.getByRole('table', { name: 'Reactions per slide' }))).toEqual(
      slides.map((s, i) => [
        s.name__v,
        String(expected.slides[i]!.reactions_positive__v),
        String(expected.slides[i]!.reactions_neutral__v),
        String(expected.slides[i]!.reactions_negative__v),
      ]),
    )
    expect(
      await cells(page.getByRole('table', { name: 'Times shown and link click rate by country' })),
    ).toEqual(
      expected.country.map((r) => [
        countryLabel(r),
        String(r.times_shown__v),
        String(r.times_sent_as_link__v),
        rate(r.link_click_rate__v),
      ]),
    )
    expect(await cells(page.getByRole('table', { name: 'Times shown and link click rate by CRM' }))).toEqual(
      expected.crm.map((r) => [
        String(r.crm_name),
        String(r.times_shown__v),
        String(r.times_sent_as_link__v),
        rate(r.link_click_rate__v),
      ]),
    )
    // Some of the slides were shown: the figures are not all zeros.
    expect(expected.slides.some((s) => Number(s.times_shown__v) > 0)).toBe(true)

    // The table alternative, shown on request; the page stays accessible either way.
    expect(await seriousViolations(page)).toEqual([])
    const toggle = page.getByRole('button', { name: 'Show table' }).nth(2)
    await toggle.click()
    await page.getByRole('button', { name: 'Hide table' }).waitFor()
    expect(
      await page.getByRole('table', { name: 'Times shown and link click rate by country' }).isVisible(),
    ).toBe(true)
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'content-manager-clm-metrics')

    // A slide's own dashboard, by deep link: its figures, with its average place in the order.
    const [first] = slides
    const slide = (await report(first!.document_id__v))[0]!
    const slideCountries = await report(first!.document_id__v, 'country')
    await page.goto(`${vault('medical').url}/ui/documents/${first!.document_id__v}?tab=metrics`)
    const slideFigures = await summary(page)
    expect(slideFigures['Times shown in calls']).toBe(String(slide.times_shown__v))
    expect(slideFigures['Average view order']).toBe(String(slide.average_view_order__v))
    expect(
      await cells(page.getByRole('table', { name: 'Times shown and link click rate by country' })),
    ).toEqual(
      slideCountries.map((r) => [
        countryLabel(r),
        String(r.times_shown__v),
        String(r.times_sent_as_link__v),
        rate(r.link_click_rate__v),
      ]),
    )
    await expectChartDrawn(page, 'Times shown and link click rate by CRM')
    expect(await page.getByRole('table', { name: 'Average slide duration' }).count()).toBe(0)
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'content-manager-clm-metrics-slide')
  })
})

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startWorld, type World, type WorldVaultInfo } from '../../src/cli/world.js'
import { launchChromium, screenshot, seriousViolations } from '../support/browser.js'

/** The budget: the first page's JavaScript, gzipped. */
const FIRST_PAGE_JS_BUDGET_BYTES = 350 * 1024
/** The promise: a status change reaches an open page within 2 s (plus the flow's own time). */
const LIVE_STATUS_MS = 2_000

let world: World
let browser: Browser
const contexts: BrowserContext[] = []
const dir = mkdtempSync(join(tmpdir(), 'liaison-web-'))

function vault(name: string): WorldVaultInfo {
  return world.info.find((v) => v.name === name)!
}

type Role = 'rep' | 'agent' | 'content_manager' | 'read_only' | 'admin'

function person(name: string, role: Role) {
  const user = role === 'admin' ? vault(name).admin : vault(name).users.find((u) => u.role === role)!
  if (user.password === undefined) throw new Error(`a new world knows ${user.username}'s password`)
  return { username: user.username, password: user.password }
}

/** What the browser's console reported as errors (a script error, a refused content security policy). */
const consoleErrors: string[] = []

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

/** Opens a path of a vault's app and logs in through the form, as a person would. */
async function logIn(page: Page, name: string, role: Role, path = '/'): Promise<void> {
  const { username, password } = person(name, role)
  await page.goto(`${vault(name).url}${path}`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByRole('button', { name: 'Log out' }).waitFor()
}

/**
 * Watches an inquiry in the CRM through its API as the rep (logged in at once): `when` answers the
 * Date.now() at which the API first shows the case status, polled every 50 ms.
 */
async function crmWatcher(name: string, inquiryId: string) {
  const { username, password } = person(name, 'rep')
  const api = `${vault(name).url}/api/v25.2`
  const login = (await (
    await fetch(`${api}/auth`, { method: 'POST', body: new URLSearchParams({ username, password }) })
  ).json()) as { sessionId: string }
  const q = `SELECT medical_inquiry_case_status__v FROM medical_inquiry__v WHERE id = '${inquiryId}'`
  return {
    async when(caseStatus: string): Promise<number> {
      const deadline = Date.now() + 15_000
      while (Date.now() < deadline) {
        const body = (await (
          await fetch(`${api}/query`, {
            method: 'POST',
            headers: { authorization: login.sessionId },
            body: new URLSearchParams({ q }),
          })
        ).json()) as { data: { medical_inquiry_case_status__v?: string[] }[] }
        if (body.data[0]?.medical_inquiry_case_status__v?.[0] === caseStatus) return Date.now()
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`the CRM never showed ${caseStatus} on ${inquiryId}`)
    },
  }
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousViolations(page)).toEqual([])
}

beforeAll(async () => {
  world = await startWorld({ dir, port: 12_000 + Math.floor(Math.random() * 20_000) })
  browser = await launchChromium()
}, 120_000)

afterAll(async () => {
  for (const context of contexts) await context.close()
  await browser?.close()
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the web app in Chromium, on the embedded world', () => {
  afterEach(() => {
    // A refused login answers HTTP 200 (Vault's way), so the console has nothing to say about it.
    expect(consoleErrors.splice(0)).toEqual([])
  })

  it('keeps the first page within its JavaScript budget (≤ 350 kB gzipped)', async () => {
    const page = await newPage()
    const scripts: Buffer[] = []
    page.on('response', async (response) => {
      if (response.request().resourceType() === 'script') scripts.push(await response.body())
    })
    await page.goto(vault('crm-na').url)
    await page.getByRole('button', { name: 'Log in' }).waitFor()
    await page.waitForLoadState('networkidle')
    expect(scripts.length).toBeGreaterThan(0)
    const gzipped = scripts.reduce((sum, body) => sum + gzipSync(body).length, 0)
    console.log(`first page JavaScript: ${(gzipped / 1024).toFixed(1)} kB gzipped`)
    expect(gzipped).toBeLessThanOrEqual(FIRST_PAGE_JS_BUDGET_BYTES)
  })

  it("logs in: a wrong password shows the API's message; then the header shows the vault, its profile, environment and the user", async () => {
    const page = await newPage()
    await page.goto(`${vault('crm-sandbox').url}/ui/objects/account__v`)
    await expectAccessible(page)
    await screenshot(page, 'login')
    await page.getByLabel('Username').fill(person('crm-sandbox', 'rep').username)
    await page.getByLabel('Password').fill('not-the-password')
    await page.getByRole('button', { name: 'Log in' }).click()
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/username or password is incorrect/i)
    await page.getByLabel('Password').fill(person('crm-sandbox', 'rep').password)
    await page.getByRole('button', { name: 'Log in' }).click()
    const header = page.getByRole('banner')
    await header.getByText('crm-sandbox').waitFor()
    expect(await header.textContent()).toMatch(/Vault CRM.*Sandbox.*Riley Rep/)
    // The deep link asked for before logging in is the page shown after it.
    await page.getByRole('heading', { name: 'Accounts' }).waitFor()
    expect(new URL(page.url()).pathname).toBe('/ui/objects/account__v')
    await page.reload()
    await page.getByRole('heading', { name: 'Accounts' }).waitFor()
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('button', { name: 'Log in' }).waitFor()
  })

  it('lets a rep create an inquiry and Transfer to Medical, then shows success with the case number, and the case status the agent sets, without a reload', async () => {
    const rep = await newPage()
    await logIn(rep, 'crm-na', 'rep', '/ui/objects/medical_inquiry__v')
    await rep.getByRole('grid', { name: 'Medical Inquiries' }).getByRole('row').nth(1).waitFor()
    await expectAccessible(rep)
    await screenshot(rep, 'rep-inquiries')

    await rep.getByRole('link', { name: 'New Medical Inquiry' }).click()
    const question = `Maximum daily dose in renal impairment? (web ${Date.now()})`
    await rep.getByLabel('Inquiry Text').fill(question)
    await rep.getByRole('combobox', { name: 'Account' }).fill('')
    await rep.getByRole('option').first().click()
    await rep.getByLabel('Delivery Method').selectOption({ label: 'Email' })
    await rep.getByLabel('Email').fill('hcp@example.org')
    await expectAccessible(rep)
    await screenshot(rep, 'rep-new-inquiry')
    await rep.getByRole('button', { name: 'Save' }).click()
    await rep.getByRole('button', { name: 'Transfer to Medical' }).waitFor()
    const inquiryPath = new URL(rep.url()).pathname
    expect(inquiryPath).toMatch(/^\/ui\/objects\/medical_inquiry__v\/\w+$/)

    // A marker on the window: gone if anything reloads the page.
    await rep.evaluate(() => Object.assign(globalThis, { notReloaded: true }))
    await rep.getByRole('button', { name: 'Transfer to Medical' }).click()
    const status = rep.getByRole('region', { name: 'Medical status' })
    await status.getByText('Success').waitFor({ timeout: 15_000 })
    const caseNumber = await status.getByText(/^CASE-\d+$/).textContent()
    expect(caseNumber).toMatch(/^CASE-\d+$/)
    expect(await rep.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    )
    await expectAccessible(rep)
    await screenshot(rep, 'rep-inquiry-transferred')

    // The agent finds the request in the Medical Vault by its question and starts it.
    const agent = await newPage()
    await logIn(agent, 'medical', 'agent', '/ui/objects/case_request__v')
    await agent
      .getByRole('searchbox', { name: 'Search Case Requests' })
      .fill(question.split('(web ')[1]!.replace(')', ''))
    await agent.getByRole('grid', { name: 'Case Requests' }).getByRole('link').first().click()
    await agent.getByRole('button', { name: 'Start' }).waitFor()
    await expectAccessible(agent)
    await screenshot(agent, 'agent-case-request')
    // Watched from before the press, so the time measured is from the CRM's change itself.
    const inquiryId = inquiryPath.split('/').pop()!
    const watcher = await crmWatcher('crm-na', inquiryId)
    const inCrm = watcher.when('in_progress__v')
    await agent.getByRole('button', { name: 'Start' }).click()
    await agent.getByRole('button', { name: 'Close' }).waitFor()
    expect(await agent.getByText('In Progress').first().textContent()).toBe('In Progress')

    // The rep's open page follows, with no reload, within 2 s of the CRM holding the new status.
    await status.getByText('In Progress').waitFor({ timeout: 15_000 })
    const lag = Date.now() - (await inCrm)
    console.log(`In Progress reached the rep's open page ${lag} ms after the CRM held it`)
    expect(lag).toBeLessThan(LIVE_STATUS_MS)
    expect(await rep.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    )
    await screenshot(rep, 'rep-inquiry-in-progress')

    // The agent answers and closes; the rep's page shows it closed with the notes.
    await agent.getByRole('button', { name: 'Edit' }).click()
    await agent.getByLabel('Response Notes').fill('Answered by phone: 5 mg once daily.')
    await agent.getByRole('button', { name: 'Save' }).click()
    await agent.getByRole('status').getByText('Saved.').waitFor()
    await agent.getByRole('button', { name: 'Close' }).click()
    await agent.getByRole('button', { name: 'Reopen' }).waitFor()
    await status.getByText('Closed', { exact: true }).waitFor({ timeout: 15_000 })
    await status.getByText('Answered by phone: 5 mg once daily.').waitFor({ timeout: 15_000 })
    expect(await rep.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    )
    await screenshot(rep, 'rep-inquiry-closed')

    // The trace: each step with its time, who did it, and the connection's message that carried it.
    await rep.getByRole('link', { name: 'Trace' }).click()
    const steps = rep.getByRole('list', { name: 'Steps' })
    await steps.getByText(/Pending → Success/).waitFor()
    await steps.getByText(/New → In Progress/).waitFor()
    await steps.getByText(/In Progress → Closed/).waitFor()
    expect(await steps.textContent()).toMatch(
      /by integration\.medical_crm__v@crm-na\.liaison\.local · connection medical_crm__v · message/,
    )
    await expectAccessible(rep)
    await screenshot(rep, 'rep-inquiry-trace')
  })
  it("lets an admin see a transfer's failure as a User Exception Message and Reprocess it once the cause is fixed; the rep's page turns to success", async () => {
    // In the CRM, its admin adds a product the Medical Vault does not have yet.
    const crmAdmin = await newPage()
    await logIn(crmAdmin, 'crm-na', 'admin', '/ui/objects/product__v/new')
    await crmAdmin.getByLabel('Name', { exact: true }).fill('Zentrix')
    await crmAdmin.getByLabel('External ID').fill('PRD-ZENTRIX-WEB')
    await crmAdmin.getByRole('button', { name: 'Save' }).click()
    await crmAdmin.getByRole('button', { name: 'Edit' }).waitFor()

    // The rep asks about it: Medical cannot match the product, and the rep sees why.
    const rep = await newPage()
    await logIn(rep, 'crm-na', 'rep', '/ui/objects/medical_inquiry__v/new')
    await rep.getByLabel('Inquiry Text').fill('Is Zentrix safe with grapefruit juice?')
    await rep.getByRole('combobox', { name: 'Account' }).fill('')
    await rep.getByRole('option').first().click()
    await rep.getByRole('combobox', { name: 'Product' }).fill('Zentrix')
    await rep.getByRole('option', { name: 'Zentrix' }).click()
    await rep.getByLabel('Delivery Method').selectOption({ label: 'Email' })
    await rep.getByLabel('Email').fill('hcp@example.org')
    await rep.getByRole('button', { name: 'Save' }).click()
    await rep.getByRole('button', { name: 'Transfer to Medical' }).click()
    const status = rep.getByRole('region', { name: 'Medical status' })
    await status.getByText('Failure').waitFor({ timeout: 15_000 })
    expect(await status.textContent()).toContain('PRD-ZENTRIX-WEB')
    expect(await status.textContent()).toContain('reprocess it once the cause is fixed')
    await screenshot(rep, 'rep-inquiry-failed')

    // The Medical Vault's admin dry-runs the inquiry rule on that inquiry: the missing product shows.
    const inquiryId = new URL(rep.url()).pathname.split('/').pop()!
    const admin = await newPage()
    await logIn(admin, 'medical', 'admin', '/ui/objects/integration_rule__sys')
    await admin
      .getByRole('searchbox', { name: 'Search Integration Rules' })
      .fill('medical_inquiries_integration_rule__v crm_na')
    await admin
      .getByRole('grid', { name: 'Integration Rules' })
      .getByRole('link', { name: /medical_inquiries_integration_rule__v \(medical_crm__v_crm_na/ })
      .click()
    await admin.getByLabel('Source record ID').fill(inquiryId)
    await admin.getByRole('button', { name: 'Dry run' }).click()
    await admin.getByRole('table', { name: 'What the rule would write' }).waitFor()
    expect(await admin.locator('.dry-run').textContent()).toContain('PRD-ZENTRIX-WEB')
    await expectAccessible(admin)
    await screenshot(admin, 'admin-rule-dry-run')

    // The admin adds the product, then reprocesses the exception message.
    await admin.goto(`${vault('medical').url}/ui/objects/product__v/new`)
    await admin.getByLabel('Name', { exact: true }).fill('Zentrix')
    await admin.getByLabel('External ID').fill('PRD-ZENTRIX-WEB')
    await admin.getByRole('button', { name: 'Save' }).click()
    await admin.getByRole('button', { name: 'Edit' }).waitFor()
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exceptions' }).click()
    const messages = admin.getByRole('grid', { name: 'User Exception Messages' })
    const open = messages.getByRole('row').filter({ hasText: 'PRD-ZENTRIX-WEB' })
    await open.getByRole('button', { name: 'Reprocess' }).waitFor()
    await expectAccessible(admin)
    await screenshot(admin, 'admin-exceptions')
    await open.getByRole('button', { name: 'Reprocess' }).click()
    await status.getByText('Success').waitFor({ timeout: 15_000 })
    await screenshot(rep, 'rep-inquiry-reprocessed')

    // The admin's other pages: connections and queues, as the API answers them.
    await admin.getByRole('link', { name: 'Connections' }).click()
    await admin.getByRole('grid', { name: 'Connections' }).getByText('crm-sandbox').first().waitFor()
    await expectAccessible(admin)
    await screenshot(admin, 'admin-connections')
    await admin.getByRole('link', { name: 'Queues' }).click()
    await admin
      .getByRole('grid', { name: 'Queues' })
      .getByRole('button', { name: 'Switch delivery off' })
      .first()
      .waitFor()
    await expectAccessible(admin)
    await screenshot(admin, 'admin-queues')
    // Delivery to crm-eu switched off and on again: the row says so each time, from the API.
    const euQueue = admin
      .getByRole('grid', { name: 'Queues' })
      .getByRole('row')
      .filter({ hasText: 'medical_crm__v_crm_eu_outbound_queue' })
    await euQueue.getByRole('button', { name: 'Switch delivery off' }).click()
    await euQueue.getByRole('button', { name: 'Switch delivery on' }).click()
    await euQueue.getByRole('button', { name: 'Switch delivery off' }).waitFor()
  })

  it('lets a content manager upload a document for the United States, approve it, and a rep in crm-na then finds it among the approved documents', async () => {
    const file = join(dir, 'renal-dosing.txt')
    writeFileSync(file, 'Dosing in renal impairment: 5 mg once daily.\n')
    const manager = await newPage()
    await logIn(manager, 'medical', 'content_manager', '/ui/documents')
    await manager.getByRole('grid', { name: 'Documents' }).getByRole('row').nth(1).waitFor()
    await manager.getByLabel('Name', { exact: true }).fill('Renal dosing (web)')
    await manager.getByLabel('Type').selectOption({ label: 'Reference Document' })
    await manager.getByLabel('Country').selectOption({ label: 'United States' })
    await manager.getByLabel('File').setInputFiles(file)
    await expectAccessible(manager)
    await screenshot(manager, 'content-manager-documents')
    await manager.getByRole('button', { name: 'Upload' }).click()
    await manager.getByRole('heading', { name: 'Renal dosing (web)' }).waitFor()
    await manager.getByRole('button', { name: 'Submit for Review' }).click()
    await manager.getByRole('button', { name: 'Approve' }).click()
    await manager.locator('.badge.state', { hasText: 'Approved' }).waitFor()
    await expectAccessible(manager)
    await screenshot(manager, 'content-manager-document')

    const rep = await newPage()
    await logIn(rep, 'crm-na', 'rep', '/ui/documents')
    await expect
      .poll(
        async () => {
          // A rep opening the documents: the CrossLink arrives within seconds of the approval.
          await rep.reload()
          await rep.getByRole('grid', { name: 'Documents' }).getByRole('row').nth(1).waitFor()
          return rep.getByRole('link', { name: 'Renal dosing (web)' }).count()
        },
        { timeout: 20_000 },
      )
      .toBe(1)
    await screenshot(rep, 'rep-documents')
  })
  it('renders a page of 1,000 records and pages on without blocking the page for more than 200 ms', async () => {
    // crm-eu's rep gets 1,100 inquiries through the bulk API, so there are two pages of 1,000.
    const { username, password } = person('crm-eu', 'rep')
    const api = `${vault('crm-eu').url}/api/v25.2`
    const { sessionId } = (await (
      await fetch(`${api}/auth`, { method: 'POST', body: new URLSearchParams({ username, password }) })
    ).json()) as { sessionId: string }
    for (let start = 0; start < 1_100; start += 500) {
      const records = Array.from({ length: Math.min(500, 1_100 - start) }, (_, i) => ({
        inquiry_text__v: `Bulk question ${start + i}`,
        first_name__v: 'Meredith',
        last_name__v: `Grey ${start + i}`,
        delivery_method__v: 'email__v',
        email__v: `hcp${start + i}@example.org`,
      }))
      const body = (await (
        await fetch(`${api}/vobjects/medical_inquiry__v`, {
          method: 'POST',
          headers: { authorization: sessionId, 'content-type': 'application/json' },
          body: JSON.stringify(records),
        })
      ).json()) as { responseStatus: string }
      expect(body.responseStatus).toBe('SUCCESS')
    }
    const rep = await newPage()
    await logIn(rep, 'crm-eu', 'rep', '/ui/objects/medical_inquiry__v')
    await rep.getByRole('grid', { name: 'Medical Inquiries' }).getByRole('row').nth(25).waitFor()
    // The browser's own record of main-thread tasks over 50 ms while the page works.
    await rep.evaluate(`
      globalThis.longTasks = []
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) globalThis.longTasks.push(entry.duration)
      }).observe({ entryTypes: ['longtask'] })
    `)
    // Waits by CSS alone: role and text locators work on the page's main thread and would count.
    const lastRow = rep.locator('table.records tbody tr:nth-child(1000)')
    const pager = rep.locator('nav.pager [aria-live]')
    await rep.getByLabel('Rows per page').selectOption('1000')
    await lastRow.waitFor()
    await rep.locator('nav.pager button', { hasText: 'Next page' }).click()
    await expect.poll(() => pager.textContent()).toMatch(/^1001–\d+ of \d+$/)
    await expect.poll(() => rep.locator('table.records tbody tr').count()).toBeLessThan(1_000)
    const longTasks = await rep.evaluate(() => (globalThis as unknown as { longTasks: number[] }).longTasks)
    console.log(
      `long tasks while showing 1,000 records and paging: ${JSON.stringify(longTasks.map(Math.round))} ms`,
    )
    expect(Math.max(0, ...longTasks)).toBeLessThanOrEqual(200)
    // The long page is as accessible as the short one (scanned after the timing: axe takes a while).
    await rep.getByRole('button', { name: 'Previous page' }).click()
    await lastRow.waitFor()
    await rep.getByRole('table', { name: 'Medical Inquiries' }).waitFor()
    await expectAccessible(rep)
    await screenshot(rep, 'rep-inquiries-1000')
  })
  it('lets a rep select inquiries and Transfer to Medical all at once; the list shows each one succeed without a reload', async () => {
    const { username, password } = person('crm-na', 'rep')
    const api = `${vault('crm-na').url}/api/v25.2`
    const { sessionId } = (await (
      await fetch(`${api}/auth`, { method: 'POST', body: new URLSearchParams({ username, password }) })
    ).json()) as { sessionId: string }
    const token = `bulk${Date.now()}`
    const body = (await (
      await fetch(`${api}/vobjects/medical_inquiry__v`, {
        method: 'POST',
        headers: { authorization: sessionId, 'content-type': 'application/json' },
        body: JSON.stringify(
          [1, 2].map((n) => ({
            inquiry_text__v: `Question ${n} ${token}`,
            first_name__v: 'Meredith',
            last_name__v: `Grey ${n}`,
            delivery_method__v: 'email__v',
            email__v: `hcp${n}@example.org`,
          })),
        ),
      })
    ).json()) as { responseStatus: string }
    expect(body.responseStatus).toBe('SUCCESS')

    const rep = await newPage()
    await logIn(rep, 'crm-na', 'rep', '/ui/objects/medical_inquiry__v')
    await rep.getByRole('searchbox', { name: 'Search Medical Inquiries' }).fill(token)
    const grid = rep.getByRole('grid', { name: 'Medical Inquiries' })
    await expect.poll(() => grid.getByRole('row').count()).toBe(3)
    for (const n of [1, 2])
      await grid
        .getByRole('row')
        .filter({ hasText: `Question ${n} ${token}` })
        .getByRole('checkbox')
        .check()
    await rep.getByRole('button', { name: 'Transfer to Medical' }).click()
    await rep.getByRole('status').getByText('Transfer to Medical: 2 of 2 done.').waitFor()
    await expect
      .poll(() => grid.getByRole('row').filter({ hasText: 'Success' }).count(), { timeout: 15_000 })
      .toBe(2)
    await expectAccessible(rep)
    await screenshot(rep, 'rep-inquiries-bulk-transferred')
  })
  it("hides what a read-only user may not do (Edit, New, actions), and shows the API's message when they try anyway", async () => {
    const reader = await newPage()
    await logIn(reader, 'crm-na', 'read_only', '/ui/objects/medical_inquiry__v')
    const grid = reader.getByRole('grid', { name: 'Medical Inquiries' })
    await grid.getByRole('row').nth(1).getByRole('link').first().click()
    await reader.getByRole('region', { name: 'Medical status' }).waitFor()
    // Trace is the last control of the record's bar: by then the user's permissions are known.
    await reader.getByRole('link', { name: 'Trace' }).waitFor()
    await expect.poll(() => reader.getByRole('button', { name: 'Edit' }).count()).toBe(0)
    expect(await reader.getByRole('button', { name: 'Transfer to Medical' }).count()).toBe(0)
    await reader.goto(`${vault('crm-na').url}/ui/objects/medical_inquiry__v`)
    await reader.getByRole('grid', { name: 'Medical Inquiries' }).waitFor()
    expect(await reader.getByRole('link', { name: /^New / }).count()).toBe(0)
    // A deep link to the form still opens it; the API refuses the save, and the page says why.
    await reader.goto(`${vault('crm-na').url}/ui/objects/medical_inquiry__v/new`)
    await reader.getByLabel('Inquiry Text').fill('A reader cannot create this.')
    await reader.getByRole('button', { name: 'Save' }).click()
    await expect
      .poll(() => reader.getByRole('alert').textContent())
      .toMatch(/may not|not allowed|permission|access/i)
    await screenshot(reader, 'read-only-refused')
  })
})

import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'

/** Debian's chromium: the node image cannot download a browser build (.ci/run installs it). */
export const CHROMIUM = '/usr/bin/chromium'

/** Where browser tests write what a person can look at (screenshots); git-ignored. */
export const TEST_OUTPUT = resolve(import.meta.dirname, '../../test-results/web')

/**
 * Chromium headless, quiet (no background traffic, updates or sync); each context playwright
 * makes has a fresh profile of its own.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does).`)
  mkdirSync(TEST_OUTPUT, { recursive: true })
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(TEST_OUTPUT, `${name}.png`), fullPage: true })
}

interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly nodes: readonly { readonly target: unknown }[]
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is now
 * (WCAG 2.1 A and AA rules). Evaluated through the DevTools protocol, so the page's content security
 * policy stays as the vault sends it.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource)
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<{ violations: unknown[] }> } })
      .axe
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return result.violations
  })) as AxeViolation[]
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`)
}

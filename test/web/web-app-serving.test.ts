import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEB_ROOT } from '../../src/api/web-app.js'
import { crmProfile } from '../../src/apps/crm/index.js'
import { openTestVault, type TestVault } from '../support/test-vault.js'

let t: TestVault

beforeAll(async () => {
  t = await openTestVault(crmProfile)
})

afterAll(async () => {
  await t.close()
})

/** The built app's page: what `npm run build` (global setup) wrote. */
const isAppPage = (body: string) => body.includes('<div id="root"></div>') && body.includes('/assets/')

describe('the web app, served by the vault', () => {
  it('answers / and every /ui deep link with the app page, never cached, with a content security policy', async () => {
    for (const url of [
      '/',
      '/ui',
      '/ui/objects/medical_inquiry__v',
      '/ui/objects/medical_inquiry__v/new',
      '/ui/objects/medical_inquiry__v/V0A000000000001',
      '/ui/documents/12',
      '/ui/exceptions',
      '/ui/trace/medical_inquiry__v/V0A000000000001',
    ]) {
      const response = await t.app.inject({ method: 'GET', url })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers['content-type'], url).toMatch(/^text\/html/)
      expect(isAppPage(response.body), url).toBe(true)
      expect(response.headers['content-security-policy']).toContain("default-src 'self'")
      expect(response.headers['cache-control']).toMatch(/max-age=0/)
    }
  })

  it('finds the same built app from the compiled CLI (dist/src/api) as from the sources', async () => {
    const compiled = (await import(join('../../dist/src/api/web-app.js'))) as { DEFAULT_WEB_ROOT: string }
    expect(compiled.DEFAULT_WEB_ROOT).toBe(DEFAULT_WEB_ROOT)
  })

  it('serves its hashed scripts gzipped to a browser that accepts it, cached for good', async () => {
    const script = readdirSync(join(DEFAULT_WEB_ROOT, 'assets')).find((n) => n.endsWith('.js'))!
    const response = await t.app.inject({
      method: 'GET',
      url: `/assets/${script}`,
      headers: { 'accept-encoding': 'gzip' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-encoding']).toBe('gzip')
    expect(response.headers['content-type']).toMatch(/javascript/)
    expect(response.headers['cache-control']).toContain('immutable')
    // React's production build, whoever ran the build (vitest sets NODE_ENV=test).
    expect(readFileSync(join(DEFAULT_WEB_ROOT, 'assets', script), 'utf8')).not.toContain('jsxDEV')
  })

  it('leaves the API, the operations routes and the docs to themselves', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v25.2/nothing/here' })
    expect(unknown.json()).toMatchObject({
      responseStatus: 'FAILURE',
      errors: [{ type: 'INVALID_SESSION_ID' }],
    })
    const health = await t.app.inject({ method: 'GET', url: '/health' })
    expect(health.json()).toMatchObject({ status: 'alive' })
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs' })
    expect(docs.statusCode).toBeLessThan(400)
    const openapi = await t.app.inject({ method: 'GET', url: '/api/openapi.json' })
    expect(JSON.stringify(openapi.json().paths)).not.toContain('/ui/')
    const elsewhere = await t.app.inject({ method: 'GET', url: '/no-such-file.js' })
    expect(elsewhere.json()).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'MALFORMED_URL' }] })
  })
})

// Finding 9 (low): the Host header was echoed into links and the default connection URL.
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/index.js'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { API, type ServedVault, startServedVault } from '../support/served-vaults.js'

type Json = Record<string, unknown>

function errorOf(body: Json): { type?: string; message?: string } | undefined {
  return (body.errors as { type?: string; message?: string }[] | undefined)?.[0]
}

/** One HTTP request with a forged Host header (fetch would send the real one). */
function forgedHost(
  url: string,
  method: string,
  path: string,
  options: { body?: string; contentType?: string; session?: string } = {},
): Promise<{ text: string; json: Json }> {
  return new Promise((done, fail) => {
    const target = new URL(url)
    const request = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: {
          host: 'evil.example',
          'x-forwarded-host': 'evil.example',
          ...(options.session === undefined ? {} : { authorization: options.session }),
          ...(options.contentType === undefined ? {} : { 'content-type': options.contentType }),
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          done({ text, json: JSON.parse(text) as Json })
        })
      },
    )
    request.on('error', fail)
    request.end(options.body)
  })
}

describe('security: the Host header never becomes a link or a stored URL', () => {
  let medical: ServedVault
  let crm: ServedVault

  beforeAll(async () => {
    medical = await startServedVault('medical-host', medicalProfile)
    crm = await startServedVault('crm-host', crmProfile)
  })

  afterAll(async () => {
    await crm.destroy()
    await medical.destroy()
  })

  async function adminSession(node: ServedVault): Promise<string> {
    const login = await forgedHost(node.url, 'POST', `${API}/auth`, {
      body: new URLSearchParams({
        username: `admin@${node.name}.test`,
        password: 'Correct-Horse-9',
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(login.text).not.toContain('evil.example')
    expect(login.json.vaultIds).toEqual([{ id: node.vault.id, name: node.name, url: `${node.url}/api` }])
    return String(login.json.sessionId)
  }

  it('security: with Host: evil.example, no answer links to evil.example and a connection is made with the real origins', async () => {
    const versions = await forgedHost(medical.url, 'GET', '/api/')
    expect(versions.text).not.toContain('evil.example')
    expect((versions.json.values as Json)['v25.2']).toBe(`${medical.url}/api/v25.2`)
    const openapi = await forgedHost(medical.url, 'GET', '/api/openapi.json')
    expect(openapi.text).not.toContain('evil.example')

    const created = await forgedHost(medical.url, 'POST', `${API}/services/connections`, {
      session: await adminSession(medical),
      body: '{}',
      contentType: 'application/json',
    })
    expect(created.json.responseStatus, created.text).toBe('SUCCESS')
    expect(created.text).not.toContain('evil.example')
    const data = created.json.data as Json
    const token = String(data.connection_token)
    expect((data.connection_file as Json).url).toBe(medical.url)
    expect(Buffer.from(token, 'base64url').toString('utf8')).toContain(`"url":"${medical.url}"`)

    const accepted = await forgedHost(crm.url, 'POST', `${API}/services/connections/accept`, {
      session: await adminSession(crm),
      body: JSON.stringify({ connection_token: token }),
      contentType: 'application/json',
    })
    expect(accepted.json.responseStatus, accepted.text).toBe('SUCCESS')
    expect(accepted.text).not.toContain('evil.example')
    // Each side stores the other's real origin, and nothing anywhere names the forged host.
    const onMedical = await medical.vault.storage.db.selectFrom('connection__sys').selectAll().execute()
    const onCrm = await crm.vault.storage.db.selectFrom('connection__sys').selectAll().execute()
    expect(onMedical.map((c) => c.remote_vault_url__sys)).toEqual([crm.url])
    expect(onCrm.map((c) => c.remote_vault_url__sys)).toEqual([medical.url])
    expect(JSON.stringify([onMedical, onCrm])).not.toContain('evil.example')
  })

  it('security: behind a proxy the configured public URL is used, and a vault that does not know its origin asks for it', async () => {
    const proxied = await buildApp(medical.vault, { publicUrl: 'https://medical.example.com/' })
    const unknown = await buildApp(medical.vault)
    try {
      const versions = await proxied.inject({
        method: 'GET',
        url: '/api/',
        headers: { host: 'evil.example' },
      })
      expect(versions.json()).toMatchObject({ values: { 'v25.2': 'https://medical.example.com/api/v25.2' } })
      // Not listening, no public URL: links are relative and a connection needs its url spelled out.
      const relative = await unknown.inject({
        method: 'GET',
        url: '/api/',
        headers: { host: 'evil.example' },
      })
      expect(relative.json()).toMatchObject({ values: { 'v25.2': '/api/v25.2' } })
      const session = await adminSession(medical)
      const refused = await unknown.inject({
        method: 'POST',
        url: `${API}/services/connections`,
        headers: { host: 'evil.example', authorization: session, 'content-type': 'application/json' },
        payload: '{}',
      })
      expect(errorOf(refused.json())?.type).toBe('PARAMETER_REQUIRED')
      expect(errorOf(refused.json())?.message).toContain('--public-url')
      const proxiedToken = await proxied.inject({
        method: 'POST',
        url: `${API}/services/connections`,
        headers: { host: 'evil.example', authorization: session, 'content-type': 'application/json' },
        payload: JSON.stringify({ api_name__sys: 'behind_proxy__c' }),
      })
      expect((proxiedToken.json().data as { connection_file: Json }).connection_file.url).toBe(
        'https://medical.example.com',
      )
      await expect(buildApp(medical.vault, { publicUrl: 'https://medical.example.com/api' })).rejects.toThrow(
        /without a path/,
      )
    } finally {
      await proxied.close()
      await unknown.close()
    }
  })
})

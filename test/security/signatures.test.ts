import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import {
  API,
  type ConnectedCrm,
  connectVaults,
  type ServedVault,
  startServedVault,
} from '../support/served-vaults.js'

/** What a listener on the wire between Medical and CRM A saw: the exact request, headers and body. */
interface CapturedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** A stand-in for CRM A's address that records each request and answers SUCCESS. */
async function startCapture(): Promise<{ url: string; requests: CapturedRequest[]; server: Server }> {
  const requests: CapturedRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks),
      })
      response.setHeader('content-type', 'application/json')
      response.end('{"responseStatus":"SUCCESS","data":[]}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, requests, server }
}

/** Sends a captured request, byte for byte, to another vault. */
async function replay(captured: CapturedRequest, to: ServedVault): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(captured.headers))
    if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
      headers[name] = value
  const response = await fetch(`${to.url}${captured.url}`, {
    method: captured.method,
    headers,
    ...(captured.body.length === 0 ? {} : { body: captured.body }),
  })
  return (await response.json()) as Record<string, unknown>
}

function errorType(body: Record<string, unknown>): string | undefined {
  return (body.errors as { type?: string }[] | undefined)?.[0]?.type
}

describe('security: signatures name their recipient', () => {
  let medical: ServedVault
  const crms: ConnectedCrm[] = []

  beforeAll(async () => {
    medical = await startServedVault('medical-sig', medicalProfile)
    for (const name of ['crm-sig-a', 'crm-sig-b']) {
      const node = await startServedVault(name, crmProfile)
      crms.push({ node, ...(await connectVaults(medical, node)) })
    }
  })

  afterAll(async () => {
    for (const crm of crms) await crm.node.destroy()
    await medical.destroy()
  })

  it('security: a signed request captured on its way to one CRM is refused by another', async () => {
    const [a, b] = crms as [ConnectedCrm, ConnectedCrm]
    const capture = await startCapture()
    try {
      // Medical calls CRM A as its flows do (the connection's signed REST client); a listener on the
      // way keeps the request.
      const toA = medical.vault.messaging.remote({ ...a.onMedical, remoteUrl: capture.url })
      await toA.request('POST', '/query', new URLSearchParams({ q: 'SELECT id, name__v FROM account__v' }))
      await toA.request('GET', '/metadata/vobjects')
      const [post, get] = capture.requests as [CapturedRequest, CapturedRequest]
      expect(post.url).toBe(`${API}/query`)
      expect(post.headers['x-liaison-recipient-id']).toBe(String(a.node.vault.id))

      // CRM B trusts Medical's key too, but the request was signed for CRM A.
      for (const captured of [post, get]) {
        const atB = await replay(captured, b.node)
        expect(errorType(atB), JSON.stringify(atB)).toBe('INVALID_SESSION_ID')
        expect(JSON.stringify(atB.errors)).toContain(`signed for vault ${a.node.vault.id}`)
      }
      // Rewriting the recipient header to CRM B's id breaks the signature instead.
      const readdressed = {
        ...post,
        headers: { ...post.headers, 'x-liaison-recipient-id': String(b.node.vault.id) },
      }
      const atB = await replay(readdressed, b.node)
      expect(errorType(atB), JSON.stringify(atB)).toBe('INVALID_SESSION_ID')
      expect(JSON.stringify(atB.errors)).toContain('does not match')

      // The captured request itself is genuine: CRM A, its recipient, accepts it.
      const atA = await replay(post, a.node)
      expect(atA.responseStatus, JSON.stringify(atA)).toBe('SUCCESS')
    } finally {
      await new Promise<void>((resolve) => capture.server.close(() => resolve()))
    }
  })
})

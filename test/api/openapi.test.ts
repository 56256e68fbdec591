import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

interface Media {
  readonly schema?: Record<string, unknown>
  readonly example?: unknown
  readonly examples?: Record<string, unknown>
}
interface Operation {
  readonly summary?: string
  readonly security?: readonly Record<string, readonly string[]>[]
  readonly requestBody?: { readonly content: Record<string, Media> }
  readonly responses: Record<string, { readonly content?: Record<string, Media> }>
}
interface OpenApiDocument {
  readonly components: {
    readonly securitySchemes: Record<string, { type: string; in: string; name: string }>
  }
  readonly paths: Record<string, Record<string, Operation>>
}

let t: TestVault
let doc: OpenApiDocument

/** Every documented route of the API, as `METHOD /path` with Fastify's `:param` form, and its operation. */
function operations(): Map<string, Operation> {
  const found = new Map<string, Operation>()
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, operation] of Object.entries(methods))
      found.set(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`, operation)
  return found
}

/** The routes that take a body (the contract: form, JSON, CSV or multipart, as each accepts). */
const BODY_ROUTES = [
  'POST /api/:version/auth',
  'POST /api/:version/metadata/vobjects/:object/fields',
  'POST /api/:version/vobjects/:object',
  'PUT /api/:version/vobjects/:object',
  'DELETE /api/:version/vobjects/:object',
  'POST /api/:version/vobjects/:object/actions/:action',
  'POST /api/:version/objects/documents',
  'PUT /api/:version/objects/documents/:id',
  'POST /api/:version/objects/documents/:id',
  'POST /api/:version/objects/binders',
  'POST /api/:version/objects/binders/:id/documents',
  'PUT /api/:version/objects/binders/:id/documents/:node_id',
  'POST /api/:version/objects/documents/:id/versions/:major/:minor/relationships',
  'POST /api/:version/query',
  'POST /api/:version/services/connections',
  'POST /api/:version/services/connections/accept',
  'POST /api/:version/services/connections/handshake',
  'POST /api/:version/services/connections/inbound',
  'POST /api/:version/services/connections/:api_name/rules/:integration_rule/dry_run',
].sort()

function hasExample(media: Media): boolean {
  return media.example !== undefined || Object.keys(media.examples ?? {}).length > 0
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' })
  doc = response.json() as OpenApiDocument
})

afterAll(async () => {
  await t.close()
})

describe('the OpenAPI document, generated from the route schemas', () => {
  const apiRoutes = () =>
    t.app.routeTable.filter(
      (r) => r.url.startsWith('/api') && !r.url.startsWith('/api/docs') && r.url !== '/api/openapi.json',
    )

  it('documents every route of the API', () => {
    const documented = operations()
    expect(apiRoutes().length).toBeGreaterThan(40)
    for (const route of apiRoutes())
      expect(documented.has(`${route.method} ${route.url}`), route.url).toBe(true)
  })

  it("documents the operators' endpoints: GET /health, GET /ready and GET /metrics", () => {
    const documented = operations()
    for (const key of ['GET /health', 'GET /ready', 'GET /metrics'])
      expect(documented.get(key)?.summary, key).toBeTruthy()
  })

  it('names the session security scheme on every guarded operation and on no open one', () => {
    expect(doc.components.securitySchemes.session).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
    })
    const documented = operations()
    for (const route of apiRoutes()) {
      const key = `${route.method} ${route.url}`
      const operation = documented.get(key)
      if (route.session) expect(operation?.security, key).toEqual([{ session: [] }])
      else expect(operation?.security, key).toBeUndefined()
    }
  })

  it('has a request body, with an example, exactly where the route takes one', () => {
    const withBody = [...operations()].filter(([, operation]) => operation.requestBody !== undefined)
    expect(withBody.map(([key]) => key).sort()).toEqual(BODY_ROUTES)
    for (const [key, operation] of withBody) {
      const media = Object.values(operation.requestBody?.content ?? {})
      expect(media.length, key).toBeGreaterThan(0)
      for (const m of media) {
        expect(m.schema, key).toBeDefined()
        expect(hasExample(m), key).toBe(true)
      }
    }
    const create = operations().get('POST /api/:version/objects/documents')
    expect(create?.requestBody?.content['multipart/form-data']?.schema).toMatchObject({
      properties: { file: { type: 'string', format: 'binary' } },
    })
    expect(Object.keys(operations().get('POST /api/:version/auth')?.requestBody?.content ?? {})).toContain(
      'application/x-www-form-urlencoded',
    )
  })

  it('has a response schema and an example for every operation', () => {
    for (const [key, operation] of operations()) {
      const media = Object.values(operation.responses['200']?.content ?? {})
      expect(media.length, key).toBeGreaterThan(0)
      expect(
        media.every((m) => m.schema !== undefined),
        key,
      ).toBe(true)
      expect(media.some(hasExample), key).toBe(true)
    }
  })

  it('lets a client authorize with the scheme it names and try a guarded operation', async () => {
    const session = await t.login('read_only__v')
    const scheme = doc.components.securitySchemes.session!
    const response = await t.app.inject({
      method: 'GET',
      url: `${API}/metadata/vobjects`,
      headers: { [scheme.name]: session },
    })
    expect(response.json()).toMatchObject({ responseStatus: 'SUCCESS' })
  })
})

// Issue 11, section 1: the reads a third-party Vault API client makes, through fetch against a
// Medical Vault served over HTTP, each test named after the Vault endpoint it calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { createUser, SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { API, type Json, type ServedVault, startServedVault } from '../support/served-vaults.js'

const AGENT_PASSWORD = 'Agent-Horse-42'

let medical: ServedVault
let admin: string
let agent: string
let agentId: string
const contactIds: string[] = []

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: Json
}

/** One call as a client makes it: the session (or none), headers of its own, a form body. */
async function call(
  method: string,
  path: string,
  options: {
    session?: string | null
    headers?: Record<string, string>
    form?: Record<string, string>
    json?: unknown
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.json !== undefined) headers['content-type'] = 'application/json'
  if (options.session !== null) headers.authorization = options.session ?? admin
  const response = await fetch(`${medical.url}${path}`, {
    method,
    headers,
    ...(options.form === undefined ? {} : { body: new URLSearchParams(options.form) }),
    ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
  })
  const text = await response.text()
  const json = response.headers.get('content-type')?.startsWith('application/json') === true
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: json ? (JSON.parse(text) as Json) : {},
  }
}

async function login(username: string, password: string): Promise<string> {
  const { body } = await call('POST', `${API}/auth`, { session: null, form: { username, password } })
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return String(body.sessionId)
}

function expectError(answer: Answer, type: string, message?: RegExp): void {
  expect(answer.body.responseStatus, answer.text).toBe('FAILURE')
  const [error] = answer.body.errors as { type: string; message: string }[]
  expect(error?.type, answer.text).toBe(type)
  if (message !== undefined) expect(error?.message).toMatch(message)
}

beforeAll(async () => {
  medical = await startServedVault('medical-client-reads', medicalProfile)
  admin = await login(`admin@${medical.name}.test`, 'Correct-Horse-9')
  agentId = await createUser(medical.vault, SYSTEM_ACTOR, {
    username: `agent@${medical.name}.test`,
    password: AGENT_PASSWORD,
    securityProfile: 'medical_information_agent__v',
    firstName: 'Ana',
    lastName: 'Agent',
  })
  agent = await login(`agent@${medical.name}.test`, AGENT_PASSWORD)
  const created = await medical.call(
    'POST',
    '/vobjects/case_contact__v',
    Array.from({ length: 5 }, (_, i) => ({
      name__v: `Reader ${i}`,
      first_name__v: 'Reader',
      last_name__v: `Number ${i}`,
    })),
  )
  expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
  for (const r of created.data as { data: { id: string } }[]) contactIds.push(r.data.id)
}, 60_000)

afterAll(async () => {
  await medical?.destroy()
})

const CONTACTS_Q =
  "SELECT id, name__v, first_name__v FROM case_contact__v WHERE first_name__v = 'Reader' ORDER BY name__v ASC"

describe('VQL', () => {
  it('Retrieve the next page of a query by GET: GET /query/{cursor} answers the page the POST would', async () => {
    const first = await call('POST', `${API}/query`, { form: { q: `${CONTACTS_Q} PAGESIZE 2` } })
    expect(first.body.responseStatus, first.text).toBe('SUCCESS')
    const next = (first.body.responseDetails as Json).next_page as string
    expect(next).toMatch(/^\/api\/v25\.2\/query\/[^?]+\?pagesize=2&pageoffset=2$/)
    const byGet = await call('GET', next)
    const byPost = await call('POST', next)
    expect(byGet.body.responseStatus, byGet.text).toBe('SUCCESS')
    expect(byGet.body.data).toEqual(byPost.body.data)
    expect((byGet.body.data as Json[]).map((r) => r.name__v)).toEqual(['Reader 2', 'Reader 3'])
    expect(byGet.body.responseDetails).toMatchObject({ pagesize: 2, pageoffset: 2, size: 2, total: 5 })
  })

  it('Submitting a query with Accept: text/csv answers CSV with a header row of field names', async () => {
    const answer = await call('POST', `${API}/query`, {
      form: { q: `${CONTACTS_Q} PAGESIZE 2` },
      headers: { accept: 'text/csv' },
    })
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/)
    const lines = answer.text.trimEnd().split('\r\n')
    expect(lines).toEqual([
      'id,name__v,first_name__v',
      `${contactIds[0]},Reader 0,Reader`,
      `${contactIds[1]},Reader 1,Reader`,
    ])
  })

  it('Submitting a query with X-VaultAPI-RecordProperties answers record_properties per row, empty lists for fields none of which are hidden, redacted or weblinks', async () => {
    const all = await call('POST', `${API}/query`, {
      form: { q: `${CONTACTS_Q} PAGESIZE 2` },
      headers: { 'x-vaultapi-recordproperties': 'all' },
    })
    expect(all.body.record_properties).toEqual(
      contactIds.slice(0, 2).map((id) => ({
        id,
        field_properties: { hidden: [], redacted: [], weblink: [] },
        field_additional_data: {},
      })),
    )
    const hidden = await call('POST', `${API}/query`, {
      form: { q: `${CONTACTS_Q} PAGESIZE 1` },
      headers: { 'x-vaultapi-recordproperties': 'hidden' },
    })
    expect(hidden.body.record_properties).toEqual([
      { id: contactIds[0], field_properties: { hidden: [] }, field_additional_data: {} },
    ])
    const plain = await call('POST', `${API}/query`, { form: { q: `${CONTACTS_Q} PAGESIZE 1` } })
    expect(plain.body).not.toHaveProperty('record_properties')
    expectError(
      await call('POST', `${API}/query`, {
        form: { q: CONTACTS_Q },
        headers: { 'x-vaultapi-recordproperties': 'secret' },
      }),
      'INVALID_DATA',
      /hidden, redacted, weblink/,
    )
  })
})

describe('Retrieve Object Record Collection', () => {
  const collection = `${API}/vobjects/case_contact__v`

  it('GET /vobjects/{object} answers id and name__v by default, with responseDetails and paging links', async () => {
    const page = await call(
      'GET',
      `${collection}?limit=2&offset=2&sort=name__v%20asc&fields=id,name__v,first_name__v`,
    )
    expect(page.body.responseStatus, page.text).toBe('SUCCESS')
    const details = page.body.responseDetails as Json
    expect(details).toMatchObject({ limit: 2, offset: 2, size: 2, url: `${API}/vobjects/case_contact__v` })
    expect(details.total).toBeGreaterThanOrEqual(5)
    expect(details.object).toMatchObject({ name: 'case_contact__v', label_plural: 'Case Contacts' })
    expect(details.previous_page).toBe(
      `${collection}?limit=2&offset=0&fields=id%2Cname__v%2Cfirst_name__v&sort=name__v+asc`,
    )
    expect(details.next_page).toBe(
      `${collection}?limit=2&offset=4&fields=id%2Cname__v%2Cfirst_name__v&sort=name__v+asc`,
    )
    const next = await call('GET', details.next_page as string)
    expect((next.body.data as Json[])[0]).toHaveProperty('first_name__v')
    const plain = await call('GET', `${collection}?limit=1`)
    expect(Object.keys((plain.body.data as Json[])[0]!).sort()).toEqual(['id', 'name__v'])
  })

  it('GET /vobjects/{object} with Accept: text/csv answers the records as CSV', async () => {
    const answer = await call('GET', `${collection}?limit=2&sort=name__v%20asc&fields=id,name__v`, {
      headers: { accept: 'text/csv' },
    })
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(answer.text.split('\r\n')[0]).toBe('id,name__v')
  })

  it('GET /vobjects/{object} keeps the own-user rule: a person who is not an admin lists only themselves in user__sys', async () => {
    const mine = await call('GET', `${API}/vobjects/user__sys?fields=id,username__sys`, { session: agent })
    expect(mine.body.data, mine.text).toEqual([{ id: agentId, username__sys: `agent@${medical.name}.test` }])
    const all = await call('GET', `${API}/vobjects/user__sys?fields=id`)
    expect((all.body.data as Json[]).length).toBeGreaterThan(1)
  })

  it('GET /vobjects/{object} refuses a field that is not a name, so nothing else reaches the query', async () => {
    expectError(
      await call('GET', `${collection}?fields=id%20FROM%20user__sys`),
      'INVALID_DATA',
      /not a field name/,
    )
    expectError(await call('GET', `${collection}?sort=name__v%3B`), 'INVALID_DATA', /sort/)
  })
})

describe('Users', () => {
  it('Retrieve All Users: GET /objects/users answers users__v shapes, all of them to an admin and only themselves to anyone else', async () => {
    const all = await call('GET', `${API}/objects/users`)
    expect(all.body.responseStatus, all.text).toBe('SUCCESS')
    const users = (all.body.users as { user: Json }[]).map((u) => u.user)
    expect(users.length).toBeGreaterThan(1)
    expect(all.body).toMatchObject({ start: 0, limit: 200, size: users.length })
    const own = await call('GET', `${API}/objects/users`, { session: agent })
    expect((own.body.users as { user: Json }[]).map((u) => u.user.id)).toEqual([agentId])
    expect((own.body.users as { user: Json }[])[0]!.user).toMatchObject({
      user_name__v: `agent@${medical.name}.test`,
      user_first_name__v: 'Ana',
      user_last_name__v: 'Agent',
      security_profile__v: 'medical_information_agent__v',
      active__v: true,
      domain_name__v: `${medical.name}.test`,
      vault_id__v: [medical.vault.id],
    })
  })

  it('Retrieve User: GET /objects/users/me and /objects/users/{id}; another person’s id is refused to a non-admin', async () => {
    const me = await call('GET', `${API}/objects/users/me`, { session: agent })
    expect((me.body.users as { user: Json }[])[0]!.user.id, me.text).toBe(agentId)
    const byId = await call('GET', `${API}/objects/users/${agentId}`)
    expect((byId.body.users as { user: Json }[])[0]!.user.user_name__v).toBe(`agent@${medical.name}.test`)
    const adminId = ((await call('GET', `${API}/objects/users/me`)).body.users as { user: Json }[])[0]!.user
      .id
    expectError(
      await call('GET', `${API}/objects/users/${String(adminId)}`, { session: agent }),
      'INVALID_DATA',
    )
  })

  it('Retrieve User Metadata: GET /metadata/objects/users lists the users__v properties', async () => {
    const answer = await call('GET', `${API}/metadata/objects/users`, { session: agent })
    const names = (answer.body.properties as Json[]).map((p) => p.name)
    expect(names).toEqual(
      expect.arrayContaining(['id', 'user_name__v', 'user_email__v', 'security_profile__v', 'active__v']),
    )
  })
})

describe('Metadata and admin reads', () => {
  it('Retrieve All Document Fields: GET /metadata/objects/documents/properties lists standard and type fields', async () => {
    const answer = await call('GET', `${API}/metadata/objects/documents/properties`)
    const properties = answer.body.properties as Json[]
    const byName = new Map(properties.map((p) => [p.name, p]))
    expect(byName.get('id')).toMatchObject({ type: 'Number', editable: false, systemAttribute: true })
    expect(byName.get('name__v')).toMatchObject({
      required: true,
      editable: true,
      usedIn: [{ key: 'base_document__v', type: 'type' }],
    })
    expect(byName.get('country__v')).toMatchObject({ type: 'ObjectReference', repeating: true })
    expect((byName.get('country__v')!.usedIn as Json[]).map((u) => u.key)).toContain('reference_document__v')
  })

  it('Retrieve Limits: GET /limits answers the burst limit with what is left and the calls of the day', async () => {
    const first = await call('GET', `${API}/limits`)
    const second = await call('GET', `${API}/limits`)
    const burst = (a: Answer) => (a.body.data as Json[]).find((d) => d.name === 'api_burst_calls')!
    const daily = (a: Answer) => (a.body.data as Json[]).find((d) => d.name === 'api_daily_calls')!
    expect(burst(first)).toMatchObject({ max: 2000 })
    expect(burst(second).remaining).toBe((burst(first).remaining as number) - 1)
    expect(String(burst(second).remaining)).toBe(second.headers.get('x-vaultapi-burstlimitremaining'))
    expect(daily(second)).toMatchObject({ max: -1, remaining: -1, used: (daily(first).used as number) + 1 })
  })

  it('Retrieve Component Records: GET /configuration/Objecttype lists the object types of each object', async () => {
    const answer = await call('GET', `${API}/configuration/Objecttype`)
    const data = answer.body.data as Json[]
    expect(data, answer.text).toContainEqual({
      name: 'clm_content_metrics__v.slide_level_metrics__v',
      label: 'Slide Level Metrics',
      object: 'clm_content_metrics__v',
      active: true,
    })
  })

  it('Retrieve Domain Information and Retrieve Domains: GET /objects/domain and /objects/domains (admins)', async () => {
    const domain = await call('GET', `${API}/objects/domain`, { session: agent })
    expect(domain.body.domain__v).toMatchObject({
      domain_name__v: `${medical.name}.test`,
      domain_type__v: 'Production',
      vaults__v: [{ id: String(medical.vault.id), vault_name__v: medical.name, vault_status__v: 'Active' }],
    })
    const domains = await call('GET', `${API}/objects/domains`)
    expect(domains.body.domains).toEqual([{ name: `${medical.name}.test`, type: 'Production' }])
    expectError(await call('GET', `${API}/objects/domains`, { session: agent }), 'INSUFFICIENT_ACCESS')
  })

  it('Retrieve Delegations: GET /delegation/vaults answers an empty list', async () => {
    const answer = await call('GET', `${API}/delegation/vaults`)
    expect(answer.body).toEqual({ responseStatus: 'SUCCESS', delegated_vaults: [] })
  })
})

describe('Routing errors as Vault answers them', () => {
  it('an API version GET /api/ does not list is refused with MALFORMED_URL naming the versions', async () => {
    expectError(await call('GET', '/api/v99.9/objects/users/me'), 'MALFORMED_URL', /v99\.9.*v25\.2/)
    expectError(await call('GET', '/api/v99.9/no/such/path'), 'MALFORMED_URL', /v99\.9/)
    expect((await call('GET', '/api/v24.1/objects/users/me')).body.responseStatus).toBe('SUCCESS')
  })

  it('a known path with the wrong method is METHOD_NOT_SUPPORTED, naming the methods it answers', async () => {
    const answer = await call('PATCH', `${API}/vobjects/case_contact__v`)
    expectError(answer, 'METHOD_NOT_SUPPORTED', /GET|POST/)
    expect(answer.headers.get('allow')).toMatch(/POST/)
    expectError(await call('DELETE', `${API}/query`), 'METHOD_NOT_SUPPORTED')
  })

  it('without a session an unknown path under /api/{version}/ is INVALID_SESSION_ID, before the route lookup', async () => {
    expectError(await call('GET', `${API}/no/such/path`, { session: null }), 'INVALID_SESSION_ID')
    expectError(await call('PATCH', `${API}/query`, { session: null }), 'INVALID_SESSION_ID')
    expectError(await call('GET', `${API}/no/such/path`, { session: 'not-a-session' }), 'INVALID_SESSION_ID')
    expectError(await call('GET', `${API}/no/such/path`), 'MALFORMED_URL')
  })

  it('a typo in the object name on GET names the object, as POST does', async () => {
    const get = await call('GET', `${API}/vobjects/case_contakt__v`)
    const post = await call('POST', `${API}/vobjects/case_contakt__v`, { json: [{ name__v: 'x' }] })
    expectError(get, 'INVALID_DATA', /Object "case_contakt__v" does not exist/)
    expect(get.body.errors).toEqual(post.body.errors)
    expectError(
      await call('GET', `${API}/vobjects/case_contakt__v/V0M000000000001`),
      'INVALID_DATA',
      /case_contakt__v/,
    )
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { createUser, SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { API, type Json, type ServedVault, startServedVault } from '../support/served-vaults.js'

// A third-party Vault API client's calls, made as it makes them: plain fetch, the session in
// Authorization, Vault's paths and parameters (issue 11).

let medical: ServedVault
let agentSession: string
const AGENT = 'agent@audit.test'
const AGENT_PASSWORD = 'Agent-Horse-42'

async function login(username: string, password: string): Promise<Json> {
  const response = await fetch(`${medical.url}${API}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  })
  return (await response.json()) as Json
}

async function getAs(session: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${medical.url}${API}${path}`, { headers: { authorization: session, ...headers } })
}

async function ok(path: string): Promise<Json> {
  const body = await medical.call('GET', path)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body
}

async function createRecords(object: string, records: readonly Json[]): Promise<string[]> {
  const body = await medical.call('POST', `/vobjects/${object}`, records)
  const results = body.data as { responseStatus: string; data: { id: string } }[]
  expect(
    results.every((r) => r.responseStatus === 'SUCCESS'),
    JSON.stringify(body),
  ).toBe(true)
  return results.map((r) => r.data.id)
}

beforeAll(async () => {
  medical = await startServedVault('medical-client-audit', medicalProfile)
  await createUser(medical.vault, SYSTEM_ACTOR, {
    username: AGENT,
    password: AGENT_PASSWORD,
    securityProfile: 'medical_information_agent__v',
    firstName: 'Agent',
    lastName: 'Audit',
  })
  const body = await login(AGENT, AGENT_PASSWORD)
  agentSession = String(body.sessionId)
})

afterAll(async () => {
  await medical?.destroy()
})

describe('audit trails as a Vault API client reads them', () => {
  it('Retrieve Audit Types: GET /metadata/audittrail lists the document, object, login and system trails', async () => {
    const body = await ok('/metadata/audittrail')
    expect(body.audittrail).toEqual([
      {
        name: 'document_audit_trail',
        label: 'Document Audit Trail',
        url: `${API}/metadata/audittrail/document_audit_trail`,
      },
      {
        name: 'object_audit_trail',
        label: 'Object Audit Trail',
        url: `${API}/metadata/audittrail/object_audit_trail`,
      },
      {
        name: 'system_audit_trail',
        label: 'System Audit Trail',
        url: `${API}/metadata/audittrail/system_audit_trail`,
      },
      {
        name: 'login_audit_trail',
        label: 'Login Audit Trail',
        url: `${API}/metadata/audittrail/login_audit_trail`,
      },
    ])
    const fields = await ok('/metadata/audittrail/login_audit_trail')
    expect((fields.data as Json).fields).toEqual(
      expect.arrayContaining([{ name: 'source_ip', label: 'Source IP', type: 'String' }]),
    )
  })

  it('Retrieve Audit Details: login_audit_trail has every login attempt, failed or not, and never the password', async () => {
    const wrong = await login(AGENT, 'Not-The-Password-1')
    expect(wrong.responseStatus).toBe('FAILURE')
    const unknown = await login('nobody@audit.test', 'Secret-Guess-77')
    expect(unknown.responseStatus).toBe('FAILURE')
    const right = await login(AGENT, AGENT_PASSWORD)
    expect(right.responseStatus).toBe('SUCCESS')
    const response = await getAs(await adminSession(), '/audittrail/login_audit_trail?limit=1000')
    const text = await response.text()
    expect(text).not.toContain('Not-The-Password-1')
    expect(text).not.toContain('Secret-Guess-77')
    expect(text).not.toContain(AGENT_PASSWORD)
    const body = JSON.parse(text) as Json
    expect(body.responseStatus).toBe('SUCCESS')
    expect(body.responseDetails).toMatchObject({
      offset: 0,
      limit: 1000,
      object: { name: 'login_audit_trail', label: 'Login Audit Trail' },
    })
    const data = body.data as Json[]
    expect(data.slice(-4)).toEqual([
      expect.objectContaining({
        user_name: AGENT,
        status: 'Failure: Invalid username or password',
        source_ip: '127.0.0.1',
        type: 'User Login',
      }),
      expect.objectContaining({
        user_name: 'nobody@audit.test',
        status: 'Failure: Invalid username or password',
      }),
      expect.objectContaining({ user_name: AGENT, status: 'Success' }),
      // The admin's login that read this page.
      expect.objectContaining({ status: 'Success' }),
    ])
    expect(Date.parse(String(data.at(-1)!.timestamp))).not.toBeNaN()
  })

  it('Retrieve Audit Details: object_audit_trail pages with limit and offset and next/previous links', async () => {
    const start = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    await createRecords('case_contact__v', [
      { name__v: 'Page One', first_name__v: 'Page', last_name__v: 'One' },
      { name__v: 'Page Two', first_name__v: 'Page', last_name__v: 'Two' },
      { name__v: 'Page Three', first_name__v: 'Page', last_name__v: 'Three' },
    ])
    const first = await ok(
      `/audittrail/object_audit_trail?start_date=${start}&objects=case_contact__v&events=Create&limit=2`,
    )
    const details = first.responseDetails as Json
    expect(details).toMatchObject({ total: 3, size: 2, limit: 2, offset: 0 })
    expect(details.previous_page).toBeUndefined()
    expect(first.data).toEqual([
      expect.objectContaining({ action: 'Create', item: 'case_contact__v', object_label: 'Case Contact' }),
      expect.objectContaining({ action: 'Create', item: 'case_contact__v' }),
    ])
    const next = String(details.next_page)
    expect(next).toMatch(new RegExp(`^${API}/audittrail/object_audit_trail\\?`))
    const second = await ok(next.slice(API.length))
    expect(second.responseDetails).toMatchObject({ total: 3, size: 1, offset: 2 })
    expect((second.responseDetails as Json).next_page).toBeUndefined()
    expect(String((second.responseDetails as Json).previous_page)).toContain('offset=0')
  })

  it('Retrieve Audit Details: format_result=csv and Accept: text/csv answer the page as CSV', async () => {
    const session = await adminSession()
    for (const response of [
      await getAs(session, '/audittrail/login_audit_trail?format_result=csv'),
      await getAs(session, '/audittrail/login_audit_trail', { accept: 'text/csv' }),
    ]) {
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/)
      const lines = (await response.text()).trim().split('\r\n')
      expect(lines[0]).toBe('id,timestamp,user_name,source_ip,type,status,browser,platform')
      expect(lines.some((l) => l.includes(`${AGENT},127.0.0.1,User Login,Success`))).toBe(true)
    }
  })

  it('Retrieve Audit Details: a start_date past the 30-day window, an unknown type and a non-admin are refused', async () => {
    const old = await medical.call('GET', '/audittrail/object_audit_trail?start_date=2020-01-01T00:00:00Z')
    expect(old.responseStatus).toBe('FAILURE')
    expect((old.errors as Json[])[0]).toMatchObject({ type: 'INVALID_DATA' })
    expect(String((old.errors as Json[])[0]!.message)).toContain('30 days')
    const unknown = await medical.call('GET', '/audittrail/nonsense_audit_trail')
    expect(String((unknown.errors as Json[])[0]!.message)).toContain('login_audit_trail')
    const agent = (await (await getAs(agentSession, '/audittrail/login_audit_trail')).json()) as Json
    expect(agent.responseStatus).toBe('FAILURE')
    expect((agent.errors as Json[])[0]).toMatchObject({ type: 'INSUFFICIENT_ACCESS' })
  })

  it('Retrieve Audit Details: document_audit_trail has the documents entries with doc_id', async () => {
    const id = await createDocument('Audit trail leaflet')
    const body = await ok('/audittrail/document_audit_trail?events=Create')
    expect(body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'Create', doc_id: id })]),
    )
    expect((body.data as Json[]).every((e) => e.object_name === 'documents')).toBe(true)
  })
})

describe('deletions for incremental sync', () => {
  it('Retrieve Deleted Object Record ID: GET /objects/deletions/vobjects/{object} answers each deleted id once', async () => {
    const ids = await createRecords('case_contact__v', [
      { name__v: 'Gone One', first_name__v: 'Gone', last_name__v: 'One' },
      { name__v: 'Gone Two', first_name__v: 'Gone', last_name__v: 'Two' },
      { name__v: 'Kept', first_name__v: 'Kept', last_name__v: 'Three' },
    ])
    const deleted = await medical.call('DELETE', '/vobjects/case_contact__v', [
      { id: ids[0] },
      { id: ids[1] },
    ])
    expect(deleted.responseStatus, JSON.stringify(deleted)).toBe('SUCCESS')
    const body = await ok('/objects/deletions/vobjects/case_contact__v')
    expect(body.responseDetails).toMatchObject({ total: 2, size: 2, limit: 1000, offset: 0 })
    expect((body.data as Json[]).map((d) => d.id)).toEqual([ids[0], ids[1]])
    expect(Date.parse(String((body.data as Json[])[0]!.date_deleted))).not.toBeNaN()
    const paged = await ok('/objects/deletions/vobjects/case_contact__v?limit=1')
    expect(String((paged.responseDetails as Json).next_page)).toContain('offset=1')
    const none = await ok('/objects/deletions/vobjects/case__v')
    expect(none.data).toEqual([])
    const typo = await medical.call('GET', '/objects/deletions/vobjects/case_contactt__v')
    expect(String((typo.errors as Json[])[0]!.message)).toContain('case_contactt__v')
  })

  it('Retrieve Deleted Document IDs: GET /objects/deletions/documents and /objects/documents/deletions', async () => {
    const id = await createDocument('Leaflet to delete')
    const deleted = await medical.call('DELETE', `/objects/documents/${id}`)
    expect(deleted.responseStatus, JSON.stringify(deleted)).toBe('SUCCESS')
    for (const path of ['/objects/deletions/documents', '/objects/documents/deletions']) {
      const body = await ok(path)
      expect(body.data).toEqual([
        expect.objectContaining({
          id,
          major_version_number__v: '',
          minor_version_number__v: '',
          global_id__sys: `${medical.vault.id}_${id}`,
          deletion_type: 'document__sys',
        }),
      ])
      expect(body.responseDetails).toMatchObject({ total: 1, size: 1 })
    }
  })
})

describe('object actions by their Vault names', () => {
  it('Retrieve Object Record User Actions: names Objectlifecyclestateuseraction.{object}.{state}.{action} with metadata and execute links', async () => {
    const [id] = await createRecords('case__v', [{}])
    const body = await ok(`/vobjects/case__v/${id}/actions`)
    const name = 'Objectlifecyclestateuseraction.case__v.new_state__v.start__v'
    const href = `${API}/vobjects/case__v/${id}/actions/${name}`
    expect(body.data).toEqual(
      expect.arrayContaining([
        {
          name,
          label: 'Start',
          type: 'state_change',
          links: [
            { rel: 'metadata', href, method: 'GET', accept: 'application/json' },
            { rel: 'execute', href, method: 'POST', accept: 'application/json' },
          ],
        },
      ]),
    )
  })

  it('Retrieve Object User Action Details: GET …/actions/{action} answers the action by either name', async () => {
    const [id] = await createRecords('case__v', [{}])
    const name = 'Objectlifecyclestateuseraction.case__v.new_state__v.start__v'
    const long = await ok(`/vobjects/case__v/${id}/actions/${name}`)
    const short = await ok(`/vobjects/case__v/${id}/actions/start__v`)
    expect(long.data).toMatchObject({ name, label: 'Start', type: 'state_change' })
    expect(short.data).toEqual(long.data)
    const closed = await medical.call('GET', `/vobjects/case__v/${id}/actions/close__v`)
    expect(closed.responseStatus).toBe('FAILURE')
    expect(String((closed.errors as Json[])[0]!.message)).toContain(name)
  })

  it('Initiate Object Action on a Single Record: POST accepts the Vault name and the short name, and refuses another object', async () => {
    const [a, b] = await createRecords('case__v', [{}, {}])
    const name = 'Objectlifecyclestateuseraction.case__v.new_state__v.start__v'
    const byVaultName = await medical.call('POST', `/vobjects/case__v/${a}/actions/${name}`)
    expect(byVaultName.responseStatus, JSON.stringify(byVaultName)).toBe('SUCCESS')
    const byShortName = await medical.call('POST', `/vobjects/case__v/${b}/actions/start__v`)
    expect(byShortName.responseStatus, JSON.stringify(byShortName)).toBe('SUCCESS')
    const rows = await medical.query(`SELECT id, state__v FROM case__v WHERE id CONTAINS ('${a}', '${b}')`)
    expect(rows.map((r) => r.state__v)).toEqual(['in_progress_state__v', 'in_progress_state__v'])
    const [c] = await createRecords('case__v', [{}])
    const other = await medical.call(
      'POST',
      `/vobjects/case__v/${c}/actions/Objectlifecyclestateuseraction.case_request__v.new_state__v.start__v`,
    )
    expect(other.responseStatus).toBe('FAILURE')
    expect(String((other.errors as Json[])[0]!.message)).toContain('case_request__v, not case__v')
  })
})

async function adminSession(): Promise<string> {
  const body = await login(`admin@${medical.name}.test`, 'Correct-Horse-9')
  return String(body.sessionId)
}

async function createDocument(name: string): Promise<number> {
  const form = new FormData()
  form.append('name__v', name)
  form.append('type__v', 'reference_document__v')
  form.append('lifecycle__v', 'medical_content_lifecycle__v')
  const body = await medical.call('POST', '/objects/documents', form)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return Number(body.id)
}

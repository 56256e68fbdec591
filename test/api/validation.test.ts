import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { rowCounts } from '../support/row-counts.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

let t: TestVault
let admin: string
let manager: string
let document: number

const counts = () =>
  rowCounts(t.vault, ['audit_trail', 'case_contact__v', 'document', 'binder_node', 'document_relationship'])

function firstError(body: Json): { type: string; message: string } {
  expect(body.responseStatus, JSON.stringify(body)).toBe('FAILURE')
  return (body.errors as { type: string; message: string }[])[0]!
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  admin = await t.login('admin__sys')
  manager = await t.login('content_manager__v')
  const created = await t.call('POST', `${API}/objects/documents`, {
    session: manager,
    body: {
      name__v: 'Validated',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
    },
  })
  expect(created.body.responseStatus, JSON.stringify(created.body)).toBe('SUCCESS')
  document = Number(created.body.id)
})

afterAll(async () => {
  await t.close()
})

/** One malformed request per resource: the Vault error type and the words its message must hold. */
const MALFORMED: readonly {
  readonly resource: string
  readonly method: Method
  readonly path: () => string
  readonly body?: () => unknown
  readonly contentType?: string
  readonly session: () => string | undefined
  readonly type: 'PARAMETER_REQUIRED' | 'INVALID_DATA'
  readonly message: RegExp
}[] = [
  {
    resource: 'auth: a missing password',
    method: 'POST',
    path: () => `${API}/auth`,
    body: () => 'username=admin%40test.local',
    contentType: 'application/x-www-form-urlencoded',
    session: () => undefined,
    type: 'PARAMETER_REQUIRED',
    message: /password.*required/,
  },
  {
    resource: 'auth: no body at all',
    method: 'POST',
    path: () => `${API}/auth`,
    session: () => undefined,
    type: 'PARAMETER_REQUIRED',
    message: /username/,
  },
  {
    resource: 'metadata: an unknown attribute of a custom field',
    method: 'POST',
    path: () => `${API}/metadata/vobjects/case__v/fields`,
    body: () => ({ name: 'colour__c', label: 'Colour', type: 'String', colour: 'red' }),
    session: () => admin,
    type: 'INVALID_DATA',
    message: /unknown parameter "colour"/,
  },
  {
    resource: 'metadata: a custom field type that does not exist',
    method: 'POST',
    path: () => `${API}/metadata/vobjects/case__v/fields`,
    body: () => ({ name: 'colour__c', label: 'Colour', type: 'Colour' }),
    session: () => admin,
    type: 'INVALID_DATA',
    message: /type must be one of String, .*got "Colour"/,
  },
  {
    resource: 'records: an empty ids form field of a bulk action',
    method: 'POST',
    path: () => `${API}/vobjects/case__v/actions/start__v`,
    body: () => 'ids=',
    contentType: 'application/x-www-form-urlencoded',
    session: () => admin,
    type: 'PARAMETER_REQUIRED',
    message: /ids is empty/,
  },
  {
    resource: 'records: a JSON object where an array of records belongs',
    method: 'POST',
    path: () => `${API}/vobjects/case_contact__v`,
    body: () => ({ name__v: 'not in an array' }),
    session: () => admin,
    type: 'INVALID_DATA',
    message: /request body must be a JSON array of records/,
  },
  {
    resource: 'records: an audit trail page larger than 1000',
    method: 'GET',
    path: () => `${API}/vobjects/case__v/V0C000000000001/audittrail?limit=5000`,
    session: () => admin,
    type: 'INVALID_DATA',
    message: /query parameter limit must be at most 1000; got 5000/,
  },
  {
    resource: 'documents: an id that is not a number',
    method: 'GET',
    path: () => `${API}/objects/documents/abc`,
    session: () => manager,
    type: 'INVALID_DATA',
    message: /path parameter id must be a whole number; got "abc"/,
  },
  {
    resource: 'documents: a page start that is not a number',
    method: 'GET',
    path: () => `${API}/objects/documents?start=first`,
    session: () => manager,
    type: 'INVALID_DATA',
    message: /query parameter start must be a whole number/,
  },
  {
    resource: 'binders: a position below 1',
    method: 'POST',
    path: () => `${API}/objects/binders/${document}/documents`,
    body: () => ({ document_id__v: document, order__v: 0 }),
    session: () => manager,
    type: 'INVALID_DATA',
    message: /order__v must be at least 1/,
  },
  {
    resource: 'relationships: a relationship type that does not exist',
    method: 'POST',
    path: () => `${API}/objects/documents/${document}/versions/0/1/relationships`,
    body: () => ({ target_doc_id__v: document, relationship_type__v: 'cousin__v' }),
    session: () => manager,
    type: 'INVALID_DATA',
    message: /relationship_type__v must be one of related_document__v, .*got "cousin__v"/,
  },
  {
    resource: 'query: an empty q',
    method: 'POST',
    path: () => `${API}/query`,
    body: () => 'q=',
    contentType: 'application/x-www-form-urlencoded',
    session: () => admin,
    type: 'PARAMETER_REQUIRED',
    message: /q is empty/,
  },
  {
    resource: 'query: a negative page size',
    method: 'POST',
    path: () => `${API}/query?pagesize=-1`,
    body: () => 'q=SELECT id FROM case__v',
    contentType: 'application/x-www-form-urlencoded',
    session: () => admin,
    type: 'INVALID_DATA',
    message: /query parameter pagesize must be at least 0; got -1/,
  },
  {
    resource: 'connections: a remote URL that is not text',
    method: 'POST',
    path: () => `${API}/services/connections`,
    body: () => ({ remote_vault_url__sys: { host: 'crm' } }),
    session: () => admin,
    type: 'INVALID_DATA',
    message: /remote_vault_url__sys must be text/,
  },
  {
    resource: 'connections: an inbound message without its items',
    method: 'POST',
    path: () => `${API}/services/connections/inbound`,
    body: () => ({ message_id: 'm-1', integration_point: 'x', ordering_key: 'k', message: {} }),
    session: () => undefined,
    type: 'PARAMETER_REQUIRED',
    message: /message\.items; it is required/,
  },
  {
    resource: 'rules: a source id that is a list',
    method: 'POST',
    path: () =>
      `${API}/services/connections/medical_crm__v/rules/medical_inquiries_integration_rule__v/dry_run`,
    body: () => ({ source_id: ['a', 'b'] }),
    session: () => admin,
    type: 'INVALID_DATA',
    message: /source_id must be text/,
  },
]

describe('B23: a malformed request gets the Vault error from the one validation mapping and changes nothing', () => {
  it.each(MALFORMED)('$resource', async (c) => {
    const before = await counts()
    const options = {
      ...(c.body === undefined ? {} : { body: c.body() }),
      ...(c.contentType === undefined ? {} : { contentType: c.contentType }),
      ...(c.session() === undefined ? {} : { session: c.session() }),
    }
    const plain = await t.call(c.method, c.path(), options)
    expect(plain.status).toBe(200)
    expect(plain.headers['x-vaultapi-status']).toBe('FAILURE')
    const error = firstError(plain.body)
    expect(error.type).toBe(c.type)
    expect(error.message).toMatch(c.message)
    const real = await t.call(c.method, c.path(), {
      ...options,
      headers: { 'x-liaison-http-status': 'true' },
    })
    expect(real.status).toBe(400)
    expect(firstError(real.body)).toEqual(error)
    expect(await counts()).toEqual(before)
  })

  it('checks who calls before what they send: no session, then no permission, come first', async () => {
    const path = `${API}/metadata/vobjects/case__v/fields`
    const bad = { name: 'x', colour: 'red' }
    expect(firstError((await t.call('POST', path, { body: bad })).body).type).toBe('INVALID_SESSION_ID')
    expect(firstError((await t.call('POST', path, { body: bad, session: manager })).body).type).toBe(
      'INSUFFICIENT_ACCESS',
    )
    const upload = await t.call('POST', `${API}/objects/documents`, {
      body: { name__v: 7 },
      session: await t.login('read_only__v'),
    })
    expect(firstError(upload.body).type).toBe('INSUFFICIENT_ACCESS')
  })

  it('keeps every answer a route gives, beyond what its response schema declares', async () => {
    const field = await t.call('GET', `${API}/metadata/vobjects/case__v/fields/name__v`, { session: admin })
    expect(field.body.field).toMatchObject({
      name: 'name__v',
      editable: true,
      system_managed: false,
      source: 'standard',
    })
    const picklists = await t.call('GET', `${API}/objects/picklists`, { session: admin })
    const [first] = picklists.body.picklists as { name: string }[]
    const values = await t.call('GET', `${API}/objects/picklists/${first!.name}`, { session: admin })
    expect((values.body.picklistValues as Json[]).length).toBeGreaterThan(0)
    expect(Object.keys((values.body.picklistValues as Json[])[0]!)).toEqual(
      Object.keys(t.vault.metadata.current.picklistByName.get(first!.name)!.values[0]!),
    )
    const alive = await t.call('POST', `${API}/keep-alive`, { session: admin })
    expect(alive.body).toEqual({ responseStatus: 'SUCCESS' })
  })
})

import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { rowCount } from '../support/row-counts.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>

const MAX_FILE_BYTES = 64 * 1024
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')

let t: TestVault
let crm: TestVault
let blobDir: string
let admin: string
let manager: string
let reader: string
let us: string
let fr: string

interface Part {
  readonly name: string
  readonly value: string | Buffer
  readonly filename?: string
  readonly type?: string
}

/** A multipart/form-data body, as a browser or curl -F sends it. */
function multipart(parts: readonly Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----liaison${Math.random().toString(16).slice(2)}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`
    const type =
      part.filename === undefined ? '' : `Content-Type: ${part.type ?? 'application/octet-stream'}\r\n`
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`))
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value) : part.value)
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

function fieldsOf(
  fields: Record<string, string>,
  file?: { bytes: Buffer; name: string; type: string },
): Part[] {
  return [
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ...(file === undefined
      ? []
      : [{ name: 'file', value: file.bytes, filename: file.name, type: file.type }]),
  ]
}

async function post(vault: TestVault, session: string, path: string, parts: readonly Part[]): Promise<Json> {
  const { payload, contentType } = multipart(parts)
  const response = await vault.app.inject({
    method: 'POST',
    url: `${API}${path}`,
    headers: { authorization: session, 'content-type': contentType },
    payload,
  })
  return response.json() as Json
}

async function createDocument(
  fields: Record<string, string>,
  file?: { bytes: Buffer; name: string; type: string },
  session = manager,
): Promise<Json> {
  return post(t, session, '/objects/documents', fieldsOf(fields, file))
}

async function getDocument(id: unknown): Promise<Json> {
  const { body } = await t.call('GET', `${API}/objects/documents/${String(id)}`, { session: reader })
  return body
}

async function action(id: unknown, major: number, minor: number, name: string): Promise<Json> {
  const { body } = await t.call(
    'PUT',
    `${API}/objects/documents/${String(id)}/versions/${major}/${minor}/lifecycle_actions/${name}`,
    { session: manager },
  )
  return body
}

async function counts(): Promise<{ documents: number; versions: number; audit: number; blobs: number }> {
  const n = (table: string) => rowCount(t.vault, table)
  return {
    documents: await n('document'),
    versions: await n('document_version'),
    audit: await n('audit_trail'),
    blobs: (await t.vault.documents.blobs.list()).length,
  }
}

function errorType(body: Json): string | undefined {
  return (body.errors as { type: string }[] | undefined)?.[0]?.type
}

const BASE = {
  name__v: 'Cholecap dosing',
  type__v: 'reference_document__v',
  lifecycle__v: 'medical_content_lifecycle__v',
}

beforeAll(async () => {
  blobDir = mkdtempSync(join(tmpdir(), 'liaison-doc-blobs-'))
  t = await openTestVault(medicalProfile, { documents: { blobDir, maxFileBytes: MAX_FILE_BYTES } })
  crm = await openTestVault(crmProfile, { name: 'crm-docs' })
  admin = await t.login('admin__sys')
  manager = await t.login('content_manager__v')
  reader = await t.login('read_only__v')
  const countries = await t.vault.records.create(SYSTEM_ACTOR, 'country__v', [
    { name__v: 'United States', abbreviation__v: 'US' },
    { name__v: 'France', abbreviation__v: 'FR' },
  ])
  us = countries[0]!.id!
  fr = countries[1]!.id!
})

afterAll(async () => {
  await t.close()
  await crm.close()
  rmSync(blobDir, { recursive: true, force: true })
})

describe('documents', () => {
  it('creates a document with a file at version 0.1 in draft, keeps the file by SHA-256, and serves it and its PDF rendition', async () => {
    const created = await createDocument(
      { ...BASE, country__v: `${us},${fr}`, title__v: 'Dosing', crm_fax__v: 'Yes' },
      { bytes: PDF, name: 'dosing.pdf', type: 'application/pdf' },
    )
    expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    expect(Number.isInteger(created.id)).toBe(true)
    const body = await getDocument(created.id)
    const doc = body.document as Json
    expect(doc).toMatchObject({
      id: created.id,
      name__v: 'Cholecap dosing',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      state__v: 'draft__v',
      status__v: 'Draft',
      major_version_number__v: 0,
      minor_version_number__v: 1,
      filename__v: 'dosing.pdf',
      format__v: 'application/pdf',
      size__v: PDF.length,
      sha256__sys: createHash('sha256').update(PDF).digest('hex'),
      country__v: [us, fr],
      title__v: 'Dosing',
      crm_fax__v: true,
      crosslink__v: false,
    })
    expect(body.versions).toEqual([
      { number: '0.1', value: `${API}/objects/documents/${String(created.id)}/versions/0/1` },
    ])
    expect(Object.keys(body.renditions as Json)).toEqual(['viewable_rendition__v'])
    const file = await t.app.inject({
      method: 'GET',
      url: `${API}/objects/documents/${String(created.id)}/file`,
      headers: { authorization: reader },
    })
    expect(file.headers['content-type']).toBe('application/pdf')
    expect(file.rawPayload.equals(PDF)).toBe(true)
    const rendition = await t.app.inject({
      method: 'GET',
      url: `${API}/objects/documents/${String(created.id)}/renditions/viewable_rendition__v`,
      headers: { authorization: reader },
    })
    expect(rendition.rawPayload.equals(PDF)).toBe(true)
  })

  it('turns an uploaded PNG into a one-page PDF viewable rendition; a text file keeps only its source', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
      'base64',
    )
    const image = await createDocument(
      { ...BASE, name__v: 'Logo' },
      { bytes: png, name: 'logo.png', type: 'image/png' },
    )
    expect(Object.keys((await getDocument(image.id)).renditions as Json)).toEqual(['viewable_rendition__v'])
    const rendition = await t.app.inject({
      method: 'GET',
      url: `${API}/objects/documents/${String(image.id)}/renditions/viewable_rendition__v`,
      headers: { authorization: reader },
    })
    expect(rendition.headers['content-type']).toBe('application/pdf')
    expect(rendition.rawPayload.subarray(0, 5).toString()).toBe('%PDF-')
    const text = await createDocument(
      { ...BASE, name__v: 'Notes' },
      { bytes: Buffer.from('plain notes'), name: 'notes.txt', type: 'text/plain' },
    )
    expect((await getDocument(text.id)).renditions).toEqual({})
    const { body } = await t.call(
      'GET',
      `${API}/objects/documents/${String(text.id)}/renditions/viewable_rendition__v`,
      { session: reader },
    )
    expect(body.responseStatus).toBe('FAILURE')
    expect(JSON.stringify(body.errors)).toContain('keep only their source file')
  })

  it('takes a country by abbreviation or name where an id is expected, and refuses one no record has', async () => {
    const created = await createDocument({ ...BASE, name__v: 'By name', country__v: 'US,France' })
    expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    expect(((await getDocument(created.id)).document as Json).country__v).toEqual([us, fr])
    const refused = await createDocument({ ...BASE, name__v: 'Nowhere', country__v: 'Atlantis' })
    expect(refused.responseStatus).toBe('FAILURE')
    expect(JSON.stringify(refused.errors)).toContain('Atlantis')
  })

  it("lists documents by id in pages, lists a document's versions, renditions and lifecycle actions, and describes the types", async () => {
    const a = await createDocument(
      { ...BASE, name__v: 'List A' },
      { bytes: PDF, name: 'a.pdf', type: 'application/pdf' },
    )
    const b = await createDocument({ ...BASE, name__v: 'List B' })
    const { body: all } = await t.call('GET', `${API}/objects/documents?limit=1&start=0`, { session: reader })
    expect(all).toMatchObject({ responseStatus: 'SUCCESS', size: 1, start: 0, limit: 1 })
    expect(Number(all.total)).toBeGreaterThanOrEqual(2)
    expect(String(all.next_page)).toContain('start=1&limit=1')
    const { body: last } = await t.call('GET', `${API}/objects/documents?start=${Number(all.total) - 1}`, {
      session: reader,
    })
    expect((last.documents as { document: Json }[]).map((d) => d.document.id)).toEqual([b.id])
    expect(last.next_page).toBeUndefined()
    const { body: versions } = await t.call('GET', `${API}/objects/documents/${String(a.id)}/versions`, {
      session: reader,
    })
    expect(versions.versions).toEqual([
      { number: '0.1', value: `${API}/objects/documents/${String(a.id)}/versions/0/1` },
    ])
    const { body: renditions } = await t.call('GET', `${API}/objects/documents/${String(a.id)}/renditions`, {
      session: reader,
    })
    expect(renditions).toMatchObject({ responseStatus: 'SUCCESS', renditionTypes: ['viewable_rendition__v'] })
    const { body: actions } = await t.call(
      'GET',
      `${API}/objects/documents/${String(a.id)}/versions/0/1/lifecycle_actions`,
      { session: reader },
    )
    const executable = (actions.lifecycle_actions__v as Json[])
      .filter((x) => x.executable__v)
      .map((x) => x.name__v)
    expect(executable).toEqual(['submit_for_review__v'])
    const { body: types } = await t.call('GET', `${API}/metadata/objects/documents/types`, {
      session: reader,
    })
    expect((types.types as Json[]).map((x) => x.name)).toContain('reference_document__v')
    const { body: type } = await t.call(
      'GET',
      `${API}/metadata/objects/documents/types/reference_document__v`,
      {
        session: reader,
      },
    )
    expect((type.properties as Json[]).find((f) => f.name === 'country__v')).toMatchObject({
      type: 'Object',
      multi_value: true,
    })
    const { body: unknown } = await t.call('GET', `${API}/metadata/objects/documents/types/nope__v`, {
      session: reader,
    })
    expect(unknown.responseStatus).toBe('FAILURE')
  })

  it('creates a placeholder without a file, which has no file and no rendition', async () => {
    const created = await createDocument({ ...BASE, name__v: 'Placeholder' })
    expect(created.responseStatus).toBe('SUCCESS')
    const body = await getDocument(created.id)
    expect((body.document as Json).filename__v).toBeNull()
    expect(body.renditions).toEqual({})
    const { body: file } = await t.call('GET', `${API}/objects/documents/${String(created.id)}/file`, {
      session: reader,
    })
    expect(errorType(file)).toBe('INVALID_DATA')
  })

  it('moves through medical_content_lifecycle__v: approval makes the next major version and supersedes the previous steady one', async () => {
    const { id } = await createDocument(
      { ...BASE, name__v: 'Lifecycle' },
      { bytes: PDF, name: 'a.pdf', type: 'application/pdf' },
    )
    expect((await action(id, 0, 1, 'submit_for_review__v')).responseStatus).toBe('SUCCESS')
    expect(await action(id, 0, 1, 'stage__v')).toMatchObject({ responseStatus: 'SUCCESS' })
    expect(await action(id, 0, 1, 'approve__v')).toMatchObject({
      responseStatus: 'SUCCESS',
      major_version_number__v: 1,
      minor_version_number__v: 0,
    })
    let doc = (await getDocument(id)).document as Json
    expect(doc).toMatchObject({
      state__v: 'approved__v',
      major_version_number__v: 1,
      minor_version_number__v: 0,
    })

    const next = await post(t, manager, `/objects/documents/${String(id)}`, [
      { name: 'file', value: Buffer.from('%PDF-1.4 v2'), filename: 'b.pdf', type: 'application/pdf' },
    ])
    expect(next).toMatchObject({
      responseStatus: 'SUCCESS',
      major_version_number__v: 1,
      minor_version_number__v: 1,
    })
    doc = (await getDocument(id)).document as Json
    expect(doc).toMatchObject({ state__v: 'draft__v', filename__v: 'b.pdf', name__v: 'Lifecycle' })

    await action(id, 1, 1, 'submit_for_review__v')
    expect(await action(id, 1, 1, 'approve__v')).toMatchObject({
      major_version_number__v: 2,
      minor_version_number__v: 0,
    })
    const body = await getDocument(id)
    expect((body.versions as Json[]).map((v) => v.number)).toEqual(['1.0', '2.0'])
    const old = await t.call('GET', `${API}/objects/documents/${String(id)}/versions/1/0`, {
      session: reader,
    })
    expect((old.body.document as Json).state__v).toBe('superseded__v')
    expect((body.document as Json).state__v).toBe('approved__v')

    expect(await action(id, 2, 0, 'make_obsolete__v')).toMatchObject({ responseStatus: 'SUCCESS' })
    expect(((await getDocument(id)).document as Json).state__v).toBe('obsolete__v')
  })

  it('updates fields of the latest version and answers NO_DATA_CHANGES when nothing changes', async () => {
    const { id } = await createDocument({ ...BASE, name__v: 'Editable' })
    const first = await t.call('PUT', `${API}/objects/documents/${String(id)}`, {
      session: manager,
      body: { title__v: 'New title', country__v: us },
    })
    expect(first.body).toMatchObject({ responseStatus: 'SUCCESS', id })
    expect((await getDocument(id)).document).toMatchObject({ title__v: 'New title', country__v: [us] })
    const again = await t.call('PUT', `${API}/objects/documents/${String(id)}`, {
      session: manager,
      body: { title__v: 'New title' },
    })
    expect(again.body).toMatchObject({
      responseStatus: 'WARNING',
      warnings: [{ warning_type: 'NO_DATA_CHANGES' }],
    })
  })

  it('B22: every change to a document is in its audit trail with object_name documents, who and old and new values', async () => {
    const { id } = await createDocument(
      { ...BASE, name__v: 'Audited' },
      { bytes: PDF, name: 'a.pdf', type: 'application/pdf' },
    )
    await t.call('PUT', `${API}/objects/documents/${String(id)}`, {
      session: manager,
      body: { title__v: 'T1' },
    })
    await post(t, manager, `/objects/documents/${String(id)}`, [
      { name: 'file', value: Buffer.from('%PDF-1.4 again'), filename: 'c.pdf', type: 'application/pdf' },
    ])
    await action(id, 0, 2, 'submit_for_review__v')
    await action(id, 0, 2, 'approve__v')
    const { body } = await t.call('GET', `${API}/objects/documents/${String(id)}/audittrail`, {
      session: admin,
    })
    const entries = body.data as Json[]
    expect(entries.every((e) => e.object_name === 'documents' && e.document_id === id)).toBe(true)
    expect(entries.every((e) => e.user_name !== undefined && e.user_id !== null)).toBe(true)
    const summary = entries.map((e) => [e.action, e.field_name, e.old_value, e.new_value])
    expect(summary).toEqual(
      expect.arrayContaining([
        ['Create', null, null, null],
        ['Edit', 'name__v', null, 'Audited'],
        ['Edit', 'title__v', null, 'T1'],
        ['Create', 'version', '0.1', '0.2'],
        ['State change', 'state__v', 'draft__v', 'in_review__v'],
        ['Edit', 'version', '0.2', '1.0'],
        ['State change', 'state__v', 'in_review__v', 'approved__v'],
      ]),
    )
  })

  describe('B23: bad input gets a clear error and stores nothing (no row, no audit entry, no blob)', () => {
    const big = Buffer.alloc(MAX_FILE_BYTES + 1, 7)
    const cases: [string, () => Promise<Json>, string, RegExp][] = [
      [
        'an unknown document type',
        () =>
          createDocument(
            { ...BASE, type__v: 'memo__c' },
            { bytes: Buffer.from('x1'), name: 'x.txt', type: 'text/plain' },
          ),
        'INVALID_DATA',
        /no document type "memo__c"/,
      ],
      [
        'an unknown lifecycle',
        () =>
          createDocument(
            { ...BASE, lifecycle__v: 'general_lifecycle__c' },
            { bytes: Buffer.from('x2'), name: 'x.txt', type: 'text/plain' },
          ),
        'INVALID_DATA',
        /no lifecycle "general_lifecycle__c"/,
      ],
      [
        'a missing required field',
        () =>
          createDocument(
            { type__v: BASE.type__v, lifecycle__v: BASE.lifecycle__v },
            { bytes: Buffer.from('x3'), name: 'x.txt', type: 'text/plain' },
          ),
        'INVALID_DATA',
        /needs name__v/,
      ],
      [
        'a file over the configured size',
        () => createDocument(BASE, { bytes: big, name: 'big.pdf', type: 'application/pdf' }),
        'INVALID_DATA',
        new RegExp(`at most ${MAX_FILE_BYTES} bytes`),
      ],
      [
        'a country that does not exist',
        () =>
          createDocument(
            { ...BASE, country__v: '0CY000000009999' },
            { bytes: Buffer.from('x4'), name: 'x.txt', type: 'text/plain' },
          ),
        'INVALID_DATA',
        /no country__v record/,
      ],
      [
        'an unknown field',
        () =>
          createDocument(
            { ...BASE, colour__c: 'red' },
            { bytes: Buffer.from('x5'), name: 'x.txt', type: 'text/plain' },
          ),
        'INVALID_DATA',
        /no editable field colour__c/,
      ],
      [
        'a user whose profile may not create documents',
        () => createDocument(BASE, { bytes: Buffer.from('x6'), name: 'x.txt', type: 'text/plain' }, reader),
        'INSUFFICIENT_ACCESS',
        /may not create documents/,
      ],
    ]
    it.each(cases)('refuses %s', async (_label, run, type, message) => {
      const before = await counts()
      const body = await run()
      expect(body.responseStatus).toBe('FAILURE')
      expect(errorType(body)).toBe(type)
      expect((body.errors as { message: string }[])[0]!.message).toMatch(message)
      expect(await counts()).toEqual(before)
    })

    it('refuses a new version over the configured size and an action not allowed in the state, changing nothing', async () => {
      const { id } = await createDocument(
        { ...BASE, name__v: 'Guarded' },
        { bytes: PDF, name: 'a.pdf', type: 'application/pdf' },
      )
      const before = await counts()
      const doc = (await getDocument(id)).document
      const tooBig = await post(t, manager, `/objects/documents/${String(id)}`, [
        { name: 'file', value: big, filename: 'big.pdf', type: 'application/pdf' },
      ])
      expect(errorType(tooBig)).toBe('INVALID_DATA')
      const notAllowed = await action(id, 0, 1, 'approve__v')
      expect(errorType(notAllowed)).toBe('OPERATION_NOT_ALLOWED')
      expect((notAllowed.errors as { message: string }[])[0]!.message).toMatch(/in state draft__v/)
      const unknown = await action(id, 0, 1, 'publish__c')
      expect(errorType(unknown)).toBe('INVALID_DATA')
      const { body: badEdit } = await t.call('PUT', `${API}/objects/documents/${String(id)}`, {
        session: manager,
        body: { name__v: '' },
      })
      expect(errorType(badEdit)).toBe('INVALID_DATA')
      expect(await counts()).toEqual(before)
      expect((await getDocument(id)).document).toEqual(doc)
    })

    it('answers INVALID_DATA for a document that does not exist', async () => {
      expect(errorType(await getDocument(999_999))).toBe('INVALID_DATA')
      expect(errorType(await getDocument('abc'))).toBe('INVALID_DATA')
    })
  })

  describe('CrossLinks', () => {
    it('a CRM document type holds a CrossLink with its source fields; latest steady state is the default binding', async () => {
      const session = await crm.login('admin__sys')
      const source = {
        source_vault_id__v: '4242',
        source_document_id__v: '17',
        source_global_id__v: '4242_17',
      }
      // Only the connection makes CrossLinks: a person, even an admin, cannot forge one.
      const forged = await post(crm, session, '/objects/documents', fieldsOf({ ...BASE, ...source }))
      expect(errorType(forged), JSON.stringify(forged)).toBe('INVALID_DATA')
      expect(JSON.stringify(forged)).toContain('written only by the connection')
      const id = await crm.vault.documents.create(
        {
          userId: 'system',
          userName: 'Connection',
          securityProfile: 'integration_user__sys',
          connection: 'medical_crm__v',
        },
        { fields: { ...BASE, ...source } },
      )
      const { body: read } = await crm.call('GET', `${API}/objects/documents/${id}`, { session })
      expect(read.document).toMatchObject({
        crosslink__v: true,
        source_vault_id__v: '4242',
        source_document_id__v: '17',
        source_binding_rule__v: 'latest_steady_state__v',
        source_global_id__v: '4242_17',
      })
    })

    it('a specific-version binding needs the bound version, and Medical types cannot be CrossLinks', async () => {
      const integration = await crm.login('admin__sys')
      const missing = await post(
        crm,
        integration,
        '/objects/documents',
        fieldsOf({
          ...BASE,
          source_vault_id__v: '4242',
          source_document_id__v: '18',
          source_binding_rule__v: 'specific_version__v',
        }),
      )
      expect(errorType(missing)).toBe('INVALID_DATA')
      const inMedical = await createDocument({ ...BASE, source_vault_id__v: '1', source_document_id__v: '2' })
      expect(errorType(inMedical)).toBe('OPERATION_NOT_ALLOWED')
    })
  })
})

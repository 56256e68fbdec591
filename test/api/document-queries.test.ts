import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import { documentQueryTargets } from '../../src/platform/documents/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { documentTargetProvider, runVql, type VqlResponse } from '../../src/platform/vql/index.js'
import { rowCount as countRows } from '../support/row-counts.js'
import { API, openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>

const clock = new ManualClock('2025-12-01T09:00:00.000Z')
let t: TestVault
let crm: TestVault
let manager: string
let reader: string
let us: string
let fr: string
/** Document ids by a short name. */
const ids: Record<string, number> = {}

const MEDICAL = { lifecycle__v: 'medical_content_lifecycle__v' } as const

/** Runs VQL as the platform does for a session (the HTTP route is exercised separately below). */
async function vqlIn(vault: TestVault, q: string, pagesize?: number): Promise<VqlResponse> {
  return runVql(
    {
      storage: vault.vault.storage,
      metadata: vault.vault.metadata.current,
      clock: vault.vault.clock,
      userId: 'system',
      canRead: () => true,
      targetProviders: [
        documentTargetProvider(
          documentQueryTargets({
            profile: vault.vault.profile,
            dialect: vault.vault.storage.dialect,
            vaultId: vault.vault.id,
          }),
        ),
      ],
    },
    { q, apiVersion: 'v25.2', ...(pagesize === undefined ? {} : { pagesize }) },
  )
}

const vql = (q: string, pagesize?: number) => vqlIn(t, q, pagesize)

async function create(fields: Json): Promise<number> {
  return t.vault.documents.create(SYSTEM_ACTOR, { fields: { ...MEDICAL, ...fields } })
}

async function approve(id: number): Promise<void> {
  const view = await t.vault.documents.get(id)
  const { major_version_number__v: major, minor_version_number__v: minor } = view.document as {
    major_version_number__v: number
    minor_version_number__v: number
  }
  const v = await t.vault.documents.runAction(SYSTEM_ACTOR, id, { major, minor }, 'submit_for_review__v')
  await t.vault.documents.runAction(SYSTEM_ACTOR, id, v, 'approve__v')
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile, { clock })
  crm = await openTestVault(crmProfile, { name: 'crm-doc-queries' })
  const countries = await t.vault.records.create(SYSTEM_ACTOR, 'country__v', [
    { name__v: 'United States', abbreviation__v: 'US' },
    { name__v: 'France', abbreviation__v: 'FR' },
  ])
  us = countries[0]!.id!
  fr = countries[1]!.id!
  ids.ref = await create({
    name__v: 'Cholecap dosing',
    type__v: 'reference_document__v',
    country__v: `${us},${fr}`,
    title__v: 'Dosing',
    crm_fax__v: true,
  })
  ids.response = await create({
    name__v: 'Standard response',
    type__v: 'medical_response__v',
    country__v: fr,
    clm_content__v: false,
  })
  ids.email = await create({ name__v: 'Welcome email', type__v: 'email_template__v', country__v: us })
  // ref: 0.1 draft → approved 1.0 → new draft 1.1 → approved 2.0 (1.0 superseded).
  await approve(ids.ref)
  clock.set('2026-02-01T10:00:00.000Z')
  await t.vault.documents.addVersion(SYSTEM_ACTOR, ids.ref, {
    bytes: Buffer.from('v2'),
    name: 'dosing-v2.txt',
    mime: 'text/plain',
  })
  await approve(ids.ref)
  await approve(ids.email)
  await t.vault.documents.runAction(SYSTEM_ACTOR, ids.email, { major: 1, minor: 0 }, 'make_obsolete__v')
  // Sessions live 48 hours on the vault's clock, so log in after moving it.
  manager = await t.login('content_manager__v')
  reader = await t.login('read_only__v')
})

afterAll(async () => {
  await t?.close()
  await crm?.close()
})

describe('VQL documents', () => {
  it('answers the latest version of each document, filtered by type', async () => {
    const answer = await vql(
      "SELECT id, name__v, status__v FROM documents WHERE type__v = 'reference_document__v'",
    )
    expect(answer.data).toEqual([{ id: ids.ref, name__v: 'Cholecap dosing', status__v: 'Approved' }])
    expect(answer.responseDetails).toMatchObject({ size: 1, total: 1, pageoffset: 0 })
  })

  it('answers status__v as the state label, as Vault does, filters by label, and TONAME(status__v) gives the name', async () => {
    const byLabel = await vql("SELECT id FROM documents WHERE status__v = 'Approved'")
    expect(byLabel.data).toEqual([{ id: ids.ref }])
    const named = await vql(
      "SELECT id, TONAME(status__v), state__v FROM documents WHERE TONAME(status__v) = 'approved__v'",
    )
    expect(named.data).toEqual([{ id: ids.ref, status__v: 'approved__v', state__v: 'approved__v' }])
  })

  it('answers every version with ALLVERSIONS, in id then version order when asked', async () => {
    const answer = await vql(
      `SELECT id, major_version_number__v, minor_version_number__v, status__v FROM ALLVERSIONS documents WHERE id = ${ids.ref} ORDER BY major_version_number__v, minor_version_number__v`,
    )
    expect(answer.data).toEqual([
      { id: ids.ref, major_version_number__v: 1, minor_version_number__v: 0, status__v: 'Superseded' },
      { id: ids.ref, major_version_number__v: 2, minor_version_number__v: 0, status__v: 'Approved' },
    ])
    const latest = await vql(`SELECT id, version_id FROM documents WHERE id = ${ids.ref}`)
    expect(latest.data).toEqual([{ id: ids.ref, version_id: `${ids.ref}_2_0` }])
  })

  it('runs the status functions against the lifecycle state types', async () => {
    const steady = await vql('SELECT id FROM documents WHERE status__v = STEADYSTATE()')
    expect(steady.data).toEqual([{ id: ids.ref }])
    const obsolete = await vql('SELECT id FROM documents WHERE status__v = OBSOLETESTATE()')
    expect(obsolete.data).toEqual([{ id: ids.email }])
    const superseded = await vql(
      'SELECT id, major_version_number__v FROM ALLVERSIONS documents WHERE status__v = SUPERSEDEDSTATE()',
    )
    expect(superseded.data).toEqual([{ id: ids.ref, major_version_number__v: 1 }])
    const onceSuperseded = await vql(
      'SELECT id, major_version_number__v FROM documents WHERE id IN (SELECT id FROM ALLVERSIONS documents WHERE status__v = SUPERSEDEDSTATE())',
    )
    expect(onceSuperseded.data).toEqual([{ id: ids.ref, major_version_number__v: 2 }])
    const notSteady = await vql('SELECT id FROM documents WHERE status__v != STEADYSTATE() ORDER BY id')
    expect(notSteady.data).toEqual([{ id: ids.response }, { id: ids.email }])
  })

  it('matches multi-value references with CONTAINS and =, and answers them as arrays', async () => {
    const both = await vql(
      `SELECT id, country__v FROM documents WHERE country__v CONTAINS ('${fr}') ORDER BY id`,
    )
    expect(both.data).toEqual([
      { id: ids.ref, country__v: [us, fr] },
      { id: ids.response, country__v: [fr] },
    ])
    const usOnly = await vql(`SELECT id FROM documents WHERE country__v = '${us}' ORDER BY id`)
    expect(usOnly.data).toEqual([{ id: ids.ref }, { id: ids.email }])
    const either = await vql(`SELECT id FROM documents WHERE country__v CONTAINS ('${us}', '${fr}')`)
    expect(either.data.map((r) => r.id)).toEqual([ids.ref, ids.response, ids.email])
  })

  it('compares Yes/No fields with true and false', async () => {
    expect((await vql('SELECT id FROM documents WHERE crm_fax__v = true')).data).toEqual([{ id: ids.ref }])
    expect((await vql('SELECT id FROM documents WHERE clm_content__v = false')).data).toEqual([
      { id: ids.response },
    ])
    const fax = await vql(`SELECT crm_fax__v, title__v, crosslink__v FROM documents WHERE id = ${ids.ref}`)
    expect(fax.data).toEqual([{ crm_fax__v: true, title__v: 'Dosing', crosslink__v: false }])
  })

  it('filters on version dates', async () => {
    const recent = await vql(
      "SELECT id FROM documents WHERE version_modified_date__v > '2026-01-01T00:00:00Z' ORDER BY id",
    )
    expect(recent.data).toEqual([{ id: ids.ref }, { id: ids.email }])
    const old = await vql("SELECT id FROM documents WHERE version_modified_date__v < '2026-01-01'")
    expect(old.data).toEqual([{ id: ids.response }])
  })

  it('orders, limits and pages like object queries', async () => {
    const page = await vql('SELECT id, name__v FROM documents ORDER BY name__v DESC', 2)
    expect(page.data.map((r) => r.name__v)).toEqual(['Welcome email', 'Standard response'])
    expect(page.responseDetails).toMatchObject({ pagesize: 2, size: 2, total: 3 })
    expect(page.responseDetails.next_page).toMatch(/\/query\//)
    const limited = await vql('SELECT id FROM documents ORDER BY id LIMIT 1 OFFSET 1')
    expect(limited.data).toEqual([{ id: ids.response }])
  })

  it('lists its fields, including every document type field, and is listed as a target', async () => {
    const fields = await vql('SHOW FIELDS FROM documents')
    const names = fields.data.map((f) => f.name)
    for (const name of [
      'id',
      'name__v',
      'status__v',
      'major_version_number__v',
      'global_id__sys',
      'version_modified_date__v',
      'title__v',
      'country__v',
      'product__v',
      'clm_content__v',
    ])
      expect(names).toContain(name)
    expect(fields.data.find((f) => f.name === 'country__v')).toMatchObject({
      type: 'Object',
      object: 'country__v',
      multi_value: true,
    })
    const targets = (await vql('SHOW TARGETS')).data.map((r) => r.name)
    expect(targets).toEqual(expect.arrayContaining(['documents', 'binders', 'relationships']))
  })

  it('reports unknown fields and options as query errors', async () => {
    await expect(vql('SELECT nope__v FROM documents')).rejects.toMatchObject({ code: 'QUERY_INVALID' })
    await expect(vql('SELECT id FROM ALLVERSIONS binders')).rejects.toMatchObject({ code: 'QUERY_INVALID' })
    await expect(vql('SELECT id FROM documents WHERE crm_fax__v = 3')).rejects.toMatchObject({
      code: 'QUERY_INVALID',
    })
  })

  it('keeps values bound: a quote in a value is a value', async () => {
    const answer = await vql("SELECT id FROM documents WHERE name__v = 'x''; drop table document; --'")
    expect(answer.data).toEqual([])
    expect((await vql('SELECT id FROM documents')).data).toHaveLength(3)
  })
})

describe('VQL documents on a CRM (CrossLinks)', () => {
  it('finds CrossLinks by source global id', async () => {
    const id = await crm.vault.documents.create(SYSTEM_ACTOR, {
      fields: {
        ...MEDICAL,
        name__v: 'Cholecap dosing',
        type__v: 'reference_document__v',
        source_vault_id__v: '12',
        source_document_id__v: '3',
        source_global_id__v: '12_3',
      },
    })
    await crm.vault.documents.create(SYSTEM_ACTOR, {
      fields: { ...MEDICAL, name__v: 'Local', type__v: 'reference_document__v' },
    })
    const answer = await vqlIn(
      crm,
      "SELECT id, source_global_id__v, major_version_number__v FROM documents WHERE crosslink__v = true AND source_global_id__v = '12_3'",
    )
    expect(answer.data).toEqual([{ id, source_global_id__v: '12_3', major_version_number__v: 0 }])
  })
})

async function httpQuery(q: string, session = reader): Promise<Json> {
  const { body } = await t.call('POST', `${API}/query`, {
    session,
    body: `q=${encodeURIComponent(q)}`,
    contentType: 'application/x-www-form-urlencoded',
  })
  return body
}

function errorType(body: Json): string | undefined {
  return (body.errors as { type: string }[] | undefined)?.[0]?.type
}

const rowCount = (table: string) => countRows(t.vault, table)

async function auditCount(): Promise<number> {
  return rowCount('audit_trail')
}

describe('VQL over HTTP', () => {
  it('answers document queries on POST /query with the object query envelope', async () => {
    const body = await httpQuery(
      "SELECT id, name__v, status__v FROM documents WHERE type__v = 'reference_document__v'",
    )
    expect(body).toMatchObject({
      responseStatus: 'SUCCESS',
      responseDetails: { pagesize: 1000, pageoffset: 0, size: 1, total: 1 },
      data: [{ id: ids.ref, name__v: 'Cholecap dosing', status__v: 'Approved' }],
    })
    const targets = await httpQuery("SHOW TARGETS LIKE '%s'")
    expect((targets.data as Json[]).map((r) => r.name)).toEqual(
      expect.arrayContaining(['documents', 'binders', 'relationships']),
    )
    expect(errorType(await httpQuery('SELECT bogus__v FROM documents'))).toBe('INVALID_DATA')
  })

  it('pages through ALLVERSIONS documents with next_page links', async () => {
    const { body: first } = await t.call('POST', `${API}/query?pagesize=2`, {
      session: reader,
      body: `q=${encodeURIComponent('SELECT id, version_id FROM ALLVERSIONS documents ORDER BY version_id')}`,
      contentType: 'application/x-www-form-urlencoded',
    })
    const details = first.responseDetails as { total: number; next_page: string }
    expect(details.total).toBe(4)
    const { body: second } = await t.call('POST', details.next_page, { session: reader })
    const versions = [...(first.data as Json[]), ...(second.data as Json[])].map((r) => r.version_id)
    expect(versions).toEqual(
      [`${ids.ref}_1_0`, `${ids.ref}_2_0`, `${ids.response}_0_1`, `${ids.email}_1_0`].sort(),
    )
  })
})

describe('binders', () => {
  let binder: number
  it('creates a binder as a document flagged binder__v, and adds documents in order', async () => {
    const created = await t.call('POST', `${API}/objects/binders`, {
      session: manager,
      body: { ...MEDICAL, name__v: 'Cholecap deck', type__v: 'multichannel_presentation__v' },
    })
    expect(created.body, JSON.stringify(created.body)).toMatchObject({ responseStatus: 'SUCCESS' })
    binder = Number(created.body.id)
    const second = await t.call('POST', `${API}/objects/binders/${binder}/documents`, {
      session: manager,
      body: { document_id__v: ids.response, order__v: 2 },
    })
    expect(second.body).toMatchObject({ responseStatus: 'SUCCESS', order__v: 2 })
    const first = await t.call('POST', `${API}/objects/binders/${binder}/documents`, {
      session: manager,
      body: { document_id__v: String(ids.ref), order__v: '1' },
    })
    expect(first.body).toMatchObject({ responseStatus: 'SUCCESS', order__v: 1 })
    const appended = await t.call('POST', `${API}/objects/binders/${binder}/documents`, {
      session: manager,
      body: { document_id__v: ids.email },
    })
    expect(appended.body).toMatchObject({ responseStatus: 'SUCCESS', order__v: 3 })
    const { body } = await t.call('GET', `${API}/objects/binders/${binder}`, { session: reader })
    expect(body.document).toMatchObject({ id: binder, binder__v: true, name__v: 'Cholecap deck' })
    expect((body.binder as { nodes: Json[] }).nodes).toEqual([
      expect.objectContaining({ order__v: 1, document_id__v: ids.ref, name__v: 'Cholecap dosing' }),
      expect.objectContaining({ order__v: 2, document_id__v: ids.response, type__v: 'document' }),
      expect.objectContaining({ order__v: 3, document_id__v: ids.email }),
    ])
    const audit = await t.call('GET', `${API}/objects/documents/${binder}/audittrail`, { session: reader })
    expect((audit.body.data as Json[]).map((e) => e.event_description)).toContain(
      `Added document ${ids.ref} to binder ${binder} at position 1`,
    )
  })

  it('refuses an unknown document, a taken position, a non-binder and a reader, changing nothing', async () => {
    const before = { nodes: await rowCount('binder_node'), audit: await auditCount() }
    const add = (id: number, body: Json, session = manager) =>
      t.call('POST', `${API}/objects/binders/${id}/documents`, { session, body })
    expect(errorType((await add(binder, { document_id__v: 99999 })).body)).toBe('INVALID_DATA')
    const taken = (await add(binder, { document_id__v: ids.email, order__v: 2 })).body
    expect(errorType(taken)).toBe('ITEM_NAME_EXISTS')
    expect(JSON.stringify(taken)).toContain('order__v 2')
    const notBinder = (await add(ids.ref, { document_id__v: ids.email })).body
    expect(errorType(notBinder)).toBe('OPERATION_NOT_ALLOWED')
    expect(JSON.stringify(notBinder)).toContain('is not a binder')
    expect(errorType((await add(binder, { document_id__v: binder })).body)).toBe('OPERATION_NOT_ALLOWED')
    expect(errorType((await add(binder, {})).body)).toBe('PARAMETER_REQUIRED')
    expect(errorType((await add(binder, { document_id__v: ids.ref, order__v: 'first' })).body)).toBe(
      'INVALID_DATA',
    )
    expect(errorType((await add(binder, { document_id__v: ids.email }, reader)).body)).toBe(
      'INSUFFICIENT_ACCESS',
    )
    const missing = await t.call('GET', `${API}/objects/binders/99999`, { session: reader })
    expect(missing.body.responseStatus).toBe('FAILURE')
    expect({ nodes: await rowCount('binder_node'), audit: await auditCount() }).toEqual(before)
  })

  it('answers binders in VQL, with the document fields', async () => {
    const body = await httpQuery('SELECT id, name__v, type__v, binder__v, status__v FROM binders')
    expect(body.data).toEqual([
      {
        id: binder,
        name__v: 'Cholecap deck',
        type__v: 'multichannel_presentation__v',
        binder__v: true,
        status__v: 'Draft',
      },
    ])
    const docs = await httpQuery('SELECT id FROM documents WHERE binder__v = true')
    expect(docs.data).toEqual([{ id: binder }])
  })

  it('B18: moves a node (the nodes numbered 1, 2, 3 … again), removes one, answers binder_node__sys in VQL and makes a binder version; bad input changes nothing', async () => {
    const nodes = async () =>
      (
        (await t.call('GET', `${API}/objects/binders/${binder}`, { session: reader })).body.binder as {
          nodes: { id: number; order__v: number; document_id__v: number }[]
        }
      ).nodes
    const before = await nodes()
    const last = before.at(-1)!
    const moved = await t.call('PUT', `${API}/objects/binders/${binder}/documents/${last.id}`, {
      session: manager,
      body: { order__v: 1 },
    })
    expect(moved.body).toMatchObject({ responseStatus: 'SUCCESS', order__v: 1 })
    expect((await nodes()).map((n) => [n.order__v, n.document_id__v])).toEqual([
      [1, ids.email],
      [2, ids.ref],
      [3, ids.response],
    ])
    const vqlNodes = await httpQuery(
      `SELECT content_id__sys, order__sys FROM binder_node__sys WHERE parent_binder_id__sys = ${binder} ORDER BY order__sys`,
    )
    expect(vqlNodes.data).toEqual([
      { content_id__sys: ids.email, order__sys: 1 },
      { content_id__sys: ids.ref, order__sys: 2 },
      { content_id__sys: ids.response, order__sys: 3 },
    ])
    const state = { nodes: await rowCount('binder_node'), audit: await auditCount() }
    const bad = [
      await t.call('PUT', `${API}/objects/binders/${binder}/documents/99999`, {
        session: manager,
        body: { order__v: 1 },
      }),
      await t.call('PUT', `${API}/objects/binders/${binder}/documents/${last.id}`, {
        session: manager,
        body: {},
      }),
      await t.call('DELETE', `${API}/objects/binders/${ids.ref}/documents/${last.id}`, { session: manager }),
      await t.call('DELETE', `${API}/objects/binders/${binder}/documents/${last.id}`, { session: reader }),
    ]
    expect(bad.map((r) => r.body.responseStatus)).toEqual(['FAILURE', 'FAILURE', 'FAILURE', 'FAILURE'])
    expect({ nodes: await rowCount('binder_node'), audit: await auditCount() }).toEqual(state)
    const removed = await t.call('DELETE', `${API}/objects/binders/${binder}/documents/${last.id}`, {
      session: manager,
    })
    expect(removed.body).toMatchObject({ responseStatus: 'SUCCESS' })
    expect((await nodes()).map((n) => n.document_id__v)).toEqual([ids.ref, ids.response])
    const version = await t.call('POST', `${API}/objects/binders/${binder}`, { session: manager })
    expect(version.body).toMatchObject({
      responseStatus: 'SUCCESS',
      major_version_number__v: 0,
      minor_version_number__v: 2,
    })
    // Nodes belong to the binder, not to one version: the new version shows the same ones.
    expect((await nodes()).map((n) => n.document_id__v)).toEqual([ids.ref, ids.response])
    // Put the removed node back where it was, for the tests below.
    await t.vault.binders.addDocument(SYSTEM_ACTOR, binder, { document_id__v: ids.email })
  })

  it('drops the nodes of a deleted document and says so in the binder audit trail', async () => {
    const extra = await create({ name__v: 'Temporary slide', type__v: 'multichannel_slide__v' })
    await t.vault.binders.addDocument(SYSTEM_ACTOR, binder, { document_id__v: extra })
    await t.vault.documents.delete(SYSTEM_ACTOR, extra)
    const view = await t.vault.binders.get(binder)
    expect(view.nodes.map((n) => n.document_id__v)).toEqual([ids.ref, ids.response, ids.email])
    const audit = await t.vault.documents.audit(binder, { limit: 100, offset: 0 })
    expect(audit.entries.map((e) => e.event_description)).toContain(
      `Removed document ${extra} from binder ${binder} because the document was deleted`,
    )
  })
})

describe('relationships', () => {
  let draft: number
  beforeAll(async () => {
    draft = await create({ name__v: 'Draft with sources', type__v: 'medical_response__v' })
  })
  const path = (id: number, major: number, minor: number) =>
    `${API}/objects/documents/${id}/versions/${major}/${minor}/relationships`

  it('relates a version to documents, lists them, audits them on the source and answers them in VQL', async () => {
    const created = await t.call('POST', path(draft, 0, 1), {
      session: manager,
      body: { target_doc_id__v: ids.ref, relationship_type__v: 'supporting_documents__v' },
    })
    expect(created.body, JSON.stringify(created.body)).toMatchObject({ responseStatus: 'SUCCESS' })
    const second = await t.call('POST', path(draft, 0, 1), {
      session: manager,
      body: { target_doc_id__v: ids.email, relationship_type__v: 'related_document__v' },
    })
    expect(second.body.responseStatus).toBe('SUCCESS')
    const listed = await t.call('GET', path(draft, 0, 1), { session: reader })
    expect(listed.body.relationships).toEqual([
      {
        relationship: expect.objectContaining({
          id: created.body.id,
          source_doc_id__v: draft,
          source_major_version__v: 0,
          source_minor_version__v: 1,
          target_doc_id__v: ids.ref,
          relationship_type__v: 'supporting_documents__v',
        }),
      },
      { relationship: expect.objectContaining({ target_doc_id__v: ids.email }) },
    ])
    const audit = await t.vault.documents.audit(draft, { limit: 100, offset: 0 })
    expect(audit.entries.map((e) => e.event_description)).toContain(
      `Added supporting_documents__v relationship ${String(created.body.id)} from document ${draft} version 0.1 to document ${ids.ref}`,
    )
    const q = await httpQuery(
      `SELECT id, source_doc_id__v, target_doc_id__v, relationship_type__v, created_by__v FROM relationships WHERE source_doc_id__v = ${draft} ORDER BY id`,
    )
    expect(q.data).toEqual([
      expect.objectContaining({ target_doc_id__v: ids.ref, relationship_type__v: 'supporting_documents__v' }),
      expect.objectContaining({ target_doc_id__v: ids.email, relationship_type__v: 'related_document__v' }),
    ])
    const byType = await httpQuery(
      "SELECT source_doc_id__v FROM relationships WHERE relationship_type__v = 'related_document__v'",
    )
    expect(byType.data).toEqual([{ source_doc_id__v: draft }])
  })

  it('refuses bad input and changes nothing', async () => {
    const before = { rows: await rowCount('document_relationship'), audit: await auditCount() }
    const post = (body: Json, id = draft, major = 0, minor = 1, session = manager) =>
      t.call('POST', path(id, major, minor), { session, body })
    const type = 'related_document__v'
    expect(errorType((await post({ target_doc_id__v: 99999, relationship_type__v: type })).body)).toBe(
      'INVALID_DATA',
    )
    expect(errorType((await post({ target_doc_id__v: ids.ref, relationship_type__v: 'x__v' })).body)).toBe(
      'INVALID_DATA',
    )
    expect(errorType((await post({ relationship_type__v: type })).body)).toBe('PARAMETER_REQUIRED')
    expect(errorType((await post({ target_doc_id__v: ids.ref })).body)).toBe('PARAMETER_REQUIRED')
    expect(
      errorType(
        (await post({ target_doc_id__v: ids.ref, relationship_type__v: 'supporting_documents__v' })).body,
      ),
    ).toBe('ITEM_NAME_EXISTS')
    expect(errorType((await post({ target_doc_id__v: draft, relationship_type__v: type })).body)).toBe(
      'OPERATION_NOT_ALLOWED',
    )
    expect(
      (await post({ target_doc_id__v: ids.ref, relationship_type__v: type }, draft, 9, 9)).body
        .responseStatus,
    ).toBe('FAILURE')
    expect(
      errorType(
        (await post({ target_doc_id__v: ids.ref, relationship_type__v: type }, draft, 0, 1, reader)).body,
      ),
    ).toBe('INSUFFICIENT_ACCESS')
    expect({ rows: await rowCount('document_relationship'), audit: await auditCount() }).toEqual(before)
  })

  it('moves relationships with their version when approval renumbers it', async () => {
    await approve(draft)
    expect(await t.vault.documentRelationships.list(draft, { major: 1, minor: 0 })).toHaveLength(2)
  })

  it('drops relationships with their documents, auditing the sources that lose one', async () => {
    const target = await create({ name__v: 'Short-lived source', type__v: 'reference_document__v' })
    const rel = await t.vault.documentRelationships.create(
      SYSTEM_ACTOR,
      draft,
      { major: 1, minor: 0 },
      {
        target_doc_id__v: target,
        relationship_type__v: 'based_on__v',
      },
    )
    await t.vault.documents.delete(SYSTEM_ACTOR, target)
    const audit = await t.vault.documents.audit(draft, { limit: 100, offset: 0 })
    expect(audit.entries.map((e) => e.event_description)).toContain(
      `Removed based_on__v relationship ${rel} from document ${draft} version 1.0 because document ${target} was deleted`,
    )
    await t.vault.documents.delete(SYSTEM_ACTOR, draft)
    expect(await rowCount('document_relationship')).toBe(0)
  })
})

/** A VQL string literal of `text`: backslashes and quotes escaped (the v21.3 escapes). */
function vqlString(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`
}

describe('VQL documents: properties', () => {
  it('finds a document by any text in a JSON field, bound as a value, on either database', async () => {
    const created = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(
        // PostgreSQL's jsonb holds no NUL character, and an empty title is stored as none.
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((s) => !s.includes('\u0000')),
        async (title) => {
          let id = created.get(title)
          if (id === undefined) {
            id = await create({ name__v: 'Property', type__v: 'reference_document__v', title__v: title })
            created.set(title, id)
          }
          const answer = await vql(`SELECT id, title__v FROM documents WHERE title__v = ${vqlString(title)}`)
          expect(answer.data).toEqual([{ id, title__v: title }])
        },
      ),
      { numRuns: 40 },
    )
    for (const id of created.values()) await t.vault.documents.delete(SYSTEM_ACTOR, id)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import { documentQueryTargets } from '../../src/platform/documents/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { documentTargetProvider, runVql, type VqlResponse } from '../../src/platform/vql/index.js'
import { openTestVault, type TestVault } from '../support/test-vault.js'

type Json = Record<string, unknown>

const clock = new ManualClock('2025-12-01T09:00:00.000Z')
let t: TestVault
let crm: TestVault
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
    expect(answer.data).toEqual([{ id: ids.ref, name__v: 'Cholecap dosing', status__v: 'approved__v' }])
    expect(answer.responseDetails).toMatchObject({ size: 1, total: 1, pageoffset: 0 })
  })

  it('answers every version with ALLVERSIONS, in id then version order when asked', async () => {
    const answer = await vql(
      `SELECT id, major_version_number__v, minor_version_number__v, status__v FROM ALLVERSIONS documents WHERE id = ${ids.ref} ORDER BY major_version_number__v, minor_version_number__v`,
    )
    expect(answer.data).toEqual([
      { id: ids.ref, major_version_number__v: 1, minor_version_number__v: 0, status__v: 'superseded__v' },
      { id: ids.ref, major_version_number__v: 2, minor_version_number__v: 0, status__v: 'approved__v' },
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

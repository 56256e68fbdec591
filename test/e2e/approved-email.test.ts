// B19 Approved Email between vaults served over HTTP on databases of their own: one Medical Vault
// and two CRMs (A: United States; C: Mexico and Canada). Content is written through the Medical
// Vault's REST API and read through each CRM's, as their users would (spec/clm-and-email.md, B19).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { connectionActor, receiveApprovedEmail } from '../../src/connection/flows/index.js'
import { connectionVaultOf } from '../../src/connection/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import type { InboundMessage } from '../../src/platform/messaging/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import {
  activeConnectionCountries,
  type ConnectedCrm,
  connectVaults,
  createConnectionSettings,
  type Json,
  pick,
  type ServedVault,
  startServedVault,
} from '../support/served-vaults.js'

const SECONDS = 15_000
const COUNTRIES = [
  ['United States', 'US'],
  ['Canada', 'CA'],
  ['Mexico', 'MX'],
  ['Global', 'GLOBAL'],
] as const
const PRODUCTS = [
  ['Cholecap', 'PRD-CHOLECAP'],
  ['Restolip', 'PRD-RESTOLIP'],
] as const

let medical: ServedVault
const crms: Record<'A' | 'C', ConnectedCrm> = {} as Record<'A' | 'C', ConnectedCrm>
const country: Record<string, string> = {}
const product: Record<string, string> = {}
/** CRM product ids by external id, per CRM. */
const crmProduct: Record<'A' | 'C', Record<string, string>> = { A: {}, C: {} }

function html(text: string): Blob {
  return new Blob([`<html><body><p>${text}</p></body></html>`], { type: 'text/html' })
}

/** Creates a Medical document through the REST API; answers its id. */
async function upload(fields: Record<string, string>, content: string): Promise<number> {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', html(content), `${fields.name__v}.html`)
  const body = await medical.call('POST', '/objects/documents', form)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return Number(body.id)
}

function emailDocument(
  name: string,
  countries: readonly string[],
  products: readonly string[],
  type = 'email_template__v',
): Record<string, string> {
  return {
    name__v: name,
    type__v: type,
    lifecycle__v: 'medical_content_lifecycle__v',
    title__v: `${name} (title)`,
    country__v: countries.map((c) => country[c]!).join(','),
    ...(products.length === 0 ? {} : { product__v: products.map((p) => product[p]!).join(',') }),
  }
}

async function action(id: number, major: number, minor: number, name: string): Promise<void> {
  const body = await medical.call(
    'PUT',
    `/objects/documents/${id}/versions/${major}/${minor}/lifecycle_actions/${name}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
}

async function edit(id: number, values: Record<string, unknown>): Promise<void> {
  const body = await medical.call('PUT', `/objects/documents/${id}`, values)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
}

/** Staged: draft 0.1 → in review → staged. */
async function stage(id: number): Promise<void> {
  await action(id, 0, 1, 'submit_for_review__v')
  await action(id, 0, 1, 'stage__v')
}

/** The Approved Documents of a Medical document in one CRM, read with VQL through the CRM's API. */
async function approvedDocuments(crm: ConnectedCrm, id: number): Promise<Json[]> {
  return crm.node.query(
    `SELECT id, name__v, link__v, document_type__v, crosslink_document__v, product__v, country__v, hidden__v, status__v FROM approved_document__v WHERE link__v = '${medical.vault.id}_${id}' ORDER BY id`,
  )
}

async function crossLinks(crm: ConnectedCrm, id: number): Promise<Json[]> {
  return crm.node.query(
    `SELECT id, name__v, type__v, state__v, major_version_number__v, minor_version_number__v, bound_source_major_version__v, bound_source_minor_version__v, source_global_id__v FROM documents WHERE source_global_id__v = '${medical.vault.id}_${id}'`,
  )
}

/** Status by CRM product external id ('' for the record without a product). */
async function statusByProduct(crm: 'A' | 'C', id: number): Promise<Record<string, string>> {
  const byId = new Map(Object.entries(crmProduct[crm]).map(([external, pid]) => [pid, external]))
  const out: Record<string, string> = {}
  for (const row of await approvedDocuments(crms[crm], id))
    out[row.product__v == null ? '' : (byId.get(String(row.product__v)) ?? String(row.product__v))] = pick(
      row.status__v,
    )!
  return out
}

async function approvedDocumentAudit(crm: ConnectedCrm): Promise<number> {
  const row = await crm.node.vault.storage.db
    .selectFrom('audit_trail')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('object_name', '=', 'approved_document__v')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function settled(): Promise<void> {
  await expectEventually(
    async () => {
      const outbound = await medical.vault.storage.db
        .selectFrom('outbound_message')
        .select('id')
        .where('state', '=', 'pending')
        .execute()
      const inbound = []
      for (const crm of Object.values(crms))
        inbound.push(
          ...(await crm.node.vault.storage.db
            .selectFrom('inbound_message')
            .select('message_id')
            .where('state', '=', 'received')
            .execute()),
        )
      expect([...outbound, ...inbound]).toEqual([])
    },
    { timeoutMs: SECONDS },
  )
}

beforeAll(async () => {
  medical = await startServedVault('medical-ae', medicalProfile)
  const created = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'country__v',
    COUNTRIES.map(([name, abbreviation]) => ({ name__v: name, abbreviation__v: abbreviation })),
  )
  for (const [i, [, abbreviation]] of COUNTRIES.entries()) country[abbreviation] = created[i]!.id!
  const products = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'product__v',
    PRODUCTS.map(([name, external]) => ({ name__v: name, external_id__v: external })),
  )
  for (const [i, [name]] of PRODUCTS.entries()) product[name] = products[i]!.id!
  const filters = { A: ['us__v'], C: ['mx__v', 'ca__v'] } as const
  for (const name of ['A', 'C'] as const) {
    const node = await startServedVault(`crm-ae-${name.toLowerCase()}`, crmProfile)
    const made = await node.vault.records.create(
      SYSTEM_ACTOR,
      'product__v',
      PRODUCTS.map(([label, external]) => ({ name__v: `${label} (CRM)`, external_id__v: external })),
    )
    for (const [i, [, external]] of PRODUCTS.entries()) crmProduct[name][external] = made[i]!.id!
    crms[name] = { node, ...(await connectVaults(medical, node)) }
    await createConnectionSettings(crms[name], 'approved_email_integration_settings__v', filters[name])
  }
  await expectEventually(
    async () => {
      expect(await activeConnectionCountries(medical, crms.A)).toEqual(['GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.C)).toEqual(['CA', 'GLOBAL', 'MX'])
    },
    { timeoutMs: SECONDS },
  )
}, 180_000)

afterAll(async () => {
  for (const crm of Object.values(crms)) await crm.node.destroy()
  await medical?.destroy()
})

describe('B19: Approved Email to the routed CRMs', () => {
  let template: number

  it('B19: the Approved Email integration, its points and rule are seeded on each connection, on both sides', async () => {
    const onMedical = await medical.query(
      `SELECT integration_point_api_name__sys, status__v FROM integration_point__sys WHERE connection__sys = '${crms.A.onMedical.id}' AND integration_point_api_name__sys = 'approved_email_outbound__v'`,
    )
    expect(onMedical).toHaveLength(1)
    const onCrm = await crms.A.node.query(
      "SELECT integration_rule_api_name__sys, primary_query_object__sys FROM integration_rule__sys WHERE integration_rule_api_name__sys = 'approved_email_integration_rule__v'",
    )
    expect(onCrm).toEqual([
      {
        integration_rule_api_name__sys: 'approved_email_integration_rule__v',
        primary_query_object__sys: 'documents',
      },
    ])
    const integrations = await crms.C.node.query(
      "SELECT integration_api_name__sys FROM integration__sys WHERE integration_api_name__sys = 'approved_email_integration__v'",
    )
    expect(integrations).toHaveLength(1)
  })

  it('B19: a draft template goes nowhere; staged, it reaches the CRMs its country routes to as staged__v, with its CrossLink; approved, it becomes approved__v', async () => {
    template = await upload(emailDocument('Cholecap visit follow-up', ['US'], ['Cholecap']), 'v1')
    await action(template, 0, 1, 'submit_for_review__v')
    await settled()
    expect(await approvedDocuments(crms.A, template)).toEqual([])
    expect(await crossLinks(crms.A, template)).toEqual([])

    await action(template, 0, 1, 'stage__v')
    await expectEventually(async () => expect(await approvedDocuments(crms.A, template)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    const [link] = await crossLinks(crms.A, template)
    expect(link).toMatchObject({
      type__v: 'email_template__v',
      state__v: 'staged__v',
      name__v: 'Cholecap visit follow-up',
    })
    const [record] = await approvedDocuments(crms.A, template)
    expect(record).toMatchObject({
      name__v: 'Cholecap visit follow-up',
      link__v: `${medical.vault.id}_${template}`,
      document_type__v: ['email_template__v'],
      crosslink_document__v: Number(link!.id),
      product__v: crmProduct.A['PRD-CHOLECAP'],
      country__v: ['us__v'],
      hidden__v: false,
      status__v: ['staged__v'],
    })
    // CRM C (Mexico, Canada) is not routed for the United States.
    await settled()
    expect(await approvedDocuments(crms.C, template)).toEqual([])

    await action(template, 0, 1, 'approve__v')
    await expectEventually(
      async () => expect(await statusByProduct('A', template)).toEqual({ 'PRD-CHOLECAP': 'approved__v' }),
      { timeoutMs: SECONDS },
    )
    expect((await crossLinks(crms.A, template))[0]).toMatchObject({
      state__v: 'approved__v',
      bound_source_major_version__v: 1,
      bound_source_minor_version__v: 0,
    })
    // Still one record: approval changed its status, it did not add one.
    expect(await approvedDocuments(crms.A, template)).toHaveLength(1)
  })

  it('B19: one approved_document__v per product; a source without products gives one record with an empty product', async () => {
    const two = await upload(
      emailDocument('Two products', ['MX'], ['Cholecap', 'Restolip'], 'email_fragment__v'),
      'two',
    )
    const none = await upload(emailDocument('No product', ['CA'], [], 'template_fragment__v'), 'none')
    await stage(two)
    await stage(none)
    await expectEventually(
      async () => {
        expect(await statusByProduct('C', two)).toEqual({
          'PRD-CHOLECAP': 'staged__v',
          'PRD-RESTOLIP': 'staged__v',
        })
        expect(await statusByProduct('C', none)).toEqual({ '': 'staged__v' })
      },
      { timeoutMs: SECONDS },
    )
    const rows = await approvedDocuments(crms.C, two)
    expect(rows.map((r) => r.document_type__v)).toEqual([['email_fragment__v'], ['email_fragment__v']])
    expect(rows.map((r) => r.country__v)).toEqual([['mx__v'], ['mx__v']])
    expect((await approvedDocuments(crms.C, none))[0]).toMatchObject({
      document_type__v: ['template_fragment__v'],
      country__v: ['ca__v'],
      product__v: null,
    })
    await settled()
    expect(await approvedDocuments(crms.A, two)).toEqual([])
  })

  it('B11, B19: a product the CRM does not have gets no record and raises a User Exception item naming the document; the other products go through', async () => {
    const [orphan] = await medical.vault.records.create(SYSTEM_ACTOR, 'product__v', [
      { name__v: 'Orphanol', external_id__v: 'PRD-ORPHAN' },
    ])
    product.Orphanol = orphan!.id!
    const mixed = await upload(
      emailDocument('Orphanol and Cholecap', ['MX'], ['Orphanol', 'Cholecap']),
      'mixed',
    )
    const only = await upload(emailDocument('Orphanol only', ['MX'], ['Orphanol']), 'only')
    await stage(mixed)
    await stage(only)
    await expectEventually(
      async () => {
        expect(await statusByProduct('C', mixed)).toEqual({ 'PRD-CHOLECAP': 'staged__v' })
        const items = await crms.C.node.query(
          `SELECT item_key__sys, error_message__sys FROM exception_item__sys WHERE item_key__sys CONTAINS ('${mixed}', '${only}')`,
        )
        expect(new Set(items.map((i) => i.item_key__sys))).toEqual(new Set([String(mixed), String(only)]))
        expect(String(items[0]!.error_message__sys)).toContain('medical_product_to_product__v')
      },
      { timeoutMs: SECONDS },
    )
    // A source whose only product cannot be mapped is not offered for every product instead.
    expect(await approvedDocuments(crms.C, only)).toEqual([])
    expect(await crossLinks(crms.C, only)).toHaveLength(1)
  })

  it('B19: a product added gives a new record; a product removed expires its record; nothing is deleted', async () => {
    await edit(template, { product__v: `${product.Cholecap},${product.Restolip}` })
    await expectEventually(
      async () =>
        expect(await statusByProduct('A', template)).toEqual({
          'PRD-CHOLECAP': 'approved__v',
          'PRD-RESTOLIP': 'approved__v',
        }),
      { timeoutMs: SECONDS },
    )
    await edit(template, { product__v: product.Restolip })
    await expectEventually(
      async () =>
        expect(await statusByProduct('A', template)).toEqual({
          'PRD-CHOLECAP': 'expired__v',
          'PRD-RESTOLIP': 'approved__v',
        }),
      { timeoutMs: SECONDS },
    )
    // Added back: the expired record comes back, never a second one.
    await edit(template, { product__v: `${product.Cholecap},${product.Restolip}` })
    await expectEventually(
      async () =>
        expect(await statusByProduct('A', template)).toEqual({
          'PRD-CHOLECAP': 'approved__v',
          'PRD-RESTOLIP': 'approved__v',
        }),
      { timeoutMs: SECONDS },
    )
    expect(await approvedDocuments(crms.A, template)).toHaveLength(2)
  })

  it('B19: crm_hidden__v in the Medical Vault is hidden__v on every record of the source', async () => {
    await edit(template, { crm_hidden__v: true })
    await expectEventually(
      async () =>
        expect((await approvedDocuments(crms.A, template)).map((r) => r.hidden__v)).toEqual([true, true]),
      { timeoutMs: SECONDS },
    )
    await edit(template, { crm_hidden__v: false })
    await expectEventually(
      async () =>
        expect((await approvedDocuments(crms.A, template)).map((r) => r.hidden__v)).toEqual([false, false]),
      { timeoutMs: SECONDS },
    )
  })

  it('B19: a new approved version updates the CrossLink and keeps the records approved__v', async () => {
    const form = new FormData()
    form.append('file', html('v2'), 'follow-up-v2.html')
    const versioned = await medical.call('POST', `/objects/documents/${template}`, form)
    expect(versioned.responseStatus, JSON.stringify(versioned)).toBe('SUCCESS')
    // A draft 1.1 leaves 1.0 in force.
    await settled()
    expect((await crossLinks(crms.A, template))[0]).toMatchObject({
      bound_source_major_version__v: 1,
      bound_source_minor_version__v: 0,
    })
    await action(template, 1, 1, 'submit_for_review__v')
    await action(template, 1, 1, 'approve__v')
    await expectEventually(
      async () =>
        expect((await crossLinks(crms.A, template))[0]).toMatchObject({
          state__v: 'approved__v',
          bound_source_major_version__v: 2,
          bound_source_minor_version__v: 0,
        }),
      { timeoutMs: SECONDS },
    )
    expect(await statusByProduct('A', template)).toEqual({
      'PRD-CHOLECAP': 'approved__v',
      'PRD-RESTOLIP': 'approved__v',
    })
    const file = await crms.A.node.download(
      `/objects/documents/${String((await crossLinks(crms.A, template))[0]!.id)}/file`,
    )
    expect(await file.text()).toContain('v2')
  })

  it('B19: delivered twice, or a notice for an older version arriving late, changes nothing', async () => {
    await settled()
    const before = await approvedDocumentAudit(crms.A)
    const linkBefore = (await crossLinks(crms.A, template))[0]
    // Twice: the run endpoint sends the connection every routed source again.
    const run = await medical.call(
      'POST',
      `/services/connections/${crms.A.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.approvedEmailOutbound}`,
    )
    expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
    await settled()
    // Late and out of order: the notice sent when version 1.0 was approved, processed again now.
    const first = await medical.vault.storage.db
      .selectFrom('outbound_message')
      .select(['id', 'items', 'created_date'])
      .where('connection_id', '=', crms.A.onMedical.id)
      .where('integration_point', '=', INTEGRATION_POINTS.approvedEmailOutbound)
      .orderBy('seq')
      .executeTakeFirstOrThrow()
    const old: InboundMessage = {
      id: String(first.id),
      connectionId: crms.A.onCrm.id,
      integrationPoint: INTEGRATION_POINTS.approvedEmailOutbound,
      orderingKey: 'approved-email',
      items: JSON.parse(String(first.items)) as string[],
      attributes: {},
      state: 'received',
      attempts: 0,
      receivedDate: new Date().toISOString(),
      enqueuedDate: String(first.created_date),
    }
    expect(old.items).toContain(String(template))
    const vault = connectionVaultOf(crms.A.node.vault)
    await receiveApprovedEmail(vault)(old, {
      connection: crms.A.onCrm,
      remote: vault.messaging.remote(crms.A.onCrm),
      actor: connectionActor(crms.A.onCrm, old.id),
    })
    expect(await approvedDocumentAudit(crms.A)).toBe(before)
    expect((await crossLinks(crms.A, template))[0]).toEqual(linkBefore)
  })

  it('B19: people read Approved Documents but never change them; the connection alone writes them', async () => {
    const [record] = await approvedDocuments(crms.A, template)
    const refused = await crms.A.node.call('PUT', '/vobjects/approved_document__v', [
      { id: record!.id, status__v: 'expired__v' },
    ])
    expect(JSON.stringify(refused)).toContain('FAILURE')
    expect(JSON.stringify(refused)).toContain('written by the Medical-CRM connection')
    const hidden = await crms.A.node.call('PUT', '/vobjects/approved_document__v', [
      { id: record!.id, hidden__v: true },
    ])
    expect(JSON.stringify(hidden)).toContain('FAILURE')
    expect(pick((await approvedDocuments(crms.A, template))[0]!.status__v)).toBe('approved__v')
  })

  it('B19: the dry run of the Approved Email rule shows what a Medical document would give, writing nothing', async () => {
    const before = await approvedDocumentAudit(crms.A)
    const body = await crms.A.node.call(
      'POST',
      `/services/connections/${crms.A.onCrm.apiName}/rules/approved_email_integration_rule__v/dry_run`,
      { source_id: String(template) },
    )
    expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
    const target = (body.data as Json).target as Record<string, Json>
    expect(target.approved_document__v).toMatchObject({
      document_type__v: 'email_template__v',
      hidden__v: false,
      product__v: [crmProduct.A['PRD-CHOLECAP'], crmProduct.A['PRD-RESTOLIP']],
    })
    expect(target.documents).toMatchObject({ name__v: 'Cholecap visit follow-up' })
    expect(await approvedDocumentAudit(crms.A)).toBe(before)
  })

  it('B19: a document related to a template (related_document__v) travels to the same CRMs as a CrossLink, whatever its type', async () => {
    // A medical response for Mexico only: not in the transfer group, not routed to CRM A by itself.
    const form = new FormData()
    for (const [name, value] of Object.entries({
      name__v: 'Cholecap safety data',
      type__v: 'medical_response__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      country__v: country.MX!,
    }))
      form.append(name, value)
    form.append('file', html('safety data'), 'safety.html')
    const created = await medical.call('POST', '/objects/documents', form)
    expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    const related = Number(created.id)
    const withRelated = await upload(emailDocument('With related', ['US'], ['Cholecap']), 'with related')
    const relation = await medical.call(
      'POST',
      `/objects/documents/${withRelated}/versions/0/1/relationships`,
      {
        target_doc_id__v: related,
        relationship_type__v: 'related_document__v',
      },
    )
    expect(relation.responseStatus, JSON.stringify(relation)).toBe('SUCCESS')
    await action(withRelated, 0, 1, 'submit_for_review__v')
    await action(withRelated, 0, 1, 'approve__v')
    await expectEventually(
      async () => {
        expect(await statusByProduct('A', withRelated)).toEqual({ 'PRD-CHOLECAP': 'approved__v' })
        expect(await crossLinks(crms.A, related)).toHaveLength(1)
      },
      { timeoutMs: SECONDS },
    )
    expect((await crossLinks(crms.A, related))[0]).toMatchObject({ type__v: 'medical_response__v' })
    // A relationship added to the approved version brings its document along too.
    const laterForm = new FormData()
    for (const [name, value] of Object.entries({
      name__v: 'Cholecap reference added later',
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
    }))
      laterForm.append(name, value)
    laterForm.append('file', html('added later'), 'later.html')
    const later = await medical.call('POST', '/objects/documents', laterForm)
    expect(later.responseStatus, JSON.stringify(later)).toBe('SUCCESS')
    const added = await medical.call('POST', `/objects/documents/${withRelated}/versions/1/0/relationships`, {
      target_doc_id__v: Number(later.id),
      relationship_type__v: 'related_document__v',
    })
    expect(added.responseStatus, JSON.stringify(added)).toBe('SUCCESS')
    await expectEventually(async () => expect(await crossLinks(crms.A, Number(later.id))).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    // B20: deleted in the Medical Vault, its CrossLink is obsoleted, not deleted.
    const gone = await medical.call('DELETE', `/objects/documents/${String(later.id)}`)
    expect(gone.responseStatus, JSON.stringify(gone)).toBe('SUCCESS')
    await expectEventually(
      async () =>
        expect((await crossLinks(crms.A, Number(later.id)))[0]).toMatchObject({ state__v: 'obsolete__v' }),
      { timeoutMs: SECONDS },
    )
    // A new version of the related document follows to its CrossLink.
    const next = new FormData()
    next.append('file', html('safety data v2'), 'safety-v2.html')
    const versioned = await medical.call('POST', `/objects/documents/${related}`, next)
    expect(versioned.responseStatus, JSON.stringify(versioned)).toBe('SUCCESS')
    await expectEventually(
      async () =>
        expect((await crossLinks(crms.A, related))[0]).toMatchObject({
          bound_source_major_version__v: 0,
          bound_source_minor_version__v: 2,
        }),
      { timeoutMs: SECONDS },
    )
  })

  it('B19, B20: an obsolete source expires its records and obsoletes its CrossLink; a deleted one expires them; nothing is deleted', async () => {
    await action(template, 2, 0, 'make_obsolete__v')
    await expectEventually(
      async () =>
        expect(await statusByProduct('A', template)).toEqual({
          'PRD-CHOLECAP': 'expired__v',
          'PRD-RESTOLIP': 'expired__v',
        }),
      { timeoutMs: SECONDS },
    )
    expect((await crossLinks(crms.A, template))[0]).toMatchObject({ state__v: 'obsolete__v' })

    const doomed = await upload(emailDocument('Staged then deleted', ['CA'], ['Restolip']), 'doomed')
    await stage(doomed)
    await expectEventually(
      async () => expect(await statusByProduct('C', doomed)).toEqual({ 'PRD-RESTOLIP': 'staged__v' }),
      { timeoutMs: SECONDS },
    )
    const deleted = await medical.call('DELETE', `/objects/documents/${doomed}`)
    expect(deleted.responseStatus, JSON.stringify(deleted)).toBe('SUCCESS')
    await expectEventually(
      async () => expect(await statusByProduct('C', doomed)).toEqual({ 'PRD-RESTOLIP': 'expired__v' }),
      { timeoutMs: SECONDS },
    )
    expect(await crossLinks(crms.C, doomed)).toHaveLength(1)
  })

  it('B19: switched off for a connection, nothing is sent to it; its scheduled pull (the safety net) catches up', async () => {
    const [point] = await medical.query(
      `SELECT id FROM integration_point__sys WHERE connection__sys = '${crms.A.onMedical.id}' AND integration_point_api_name__sys = 'approved_email_outbound__v'`,
    )
    const off = await medical.call('PUT', '/vobjects/integration_point__sys', [
      { id: point!.id, status__v: 'inactive__v' },
    ])
    expect(off.responseStatus, JSON.stringify(off)).toBe('SUCCESS')
    const quiet = await upload(emailDocument('While switched off', ['US'], ['Cholecap']), 'quiet')
    await stage(quiet)
    await settled()
    expect(await approvedDocuments(crms.A, quiet)).toEqual([])
    const run = await crms.A.node.call(
      'POST',
      `/services/connections/${crms.A.onCrm.apiName}/actions/run/${INTEGRATION_POINTS.approvedEmailInbound}`,
    )
    expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
    await expectEventually(
      async () => expect(await statusByProduct('A', quiet)).toEqual({ 'PRD-CHOLECAP': 'staged__v' }),
      { timeoutMs: SECONDS },
    )
    const on = await medical.call('PUT', '/vobjects/integration_point__sys', [
      { id: point!.id, status__v: 'active__v' },
    ])
    expect(on.responseStatus, JSON.stringify(on)).toBe('SUCCESS')
  })

  it('B19: a CRM unreachable during approval catches up once it is back', async () => {
    const late = await upload(emailDocument('Approved while A is down', ['US'], ['Cholecap']), 'late')
    await crms.A.node.stop()
    await action(late, 0, 1, 'submit_for_review__v')
    await action(late, 0, 1, 'approve__v')
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await crms.A.node.restart()
    await expectEventually(
      async () => expect(await statusByProduct('A', late)).toEqual({ 'PRD-CHOLECAP': 'approved__v' }),
      { timeoutMs: 30_000 },
    )
  })
})

// B16, B17, B20 (and B3 for documents) between vaults served over HTTP on databases of their own:
// one Medical Vault, the seed's three CRMs and a sandbox CRM. Documents are written through the
// Medical Vault's REST API and CrossLinks read through each CRM's, as their users would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { INTEGRATION_POINTS } from '../../src/connection/rules/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { expectEventually } from '../support/expect-eventually.js'
import {
  activeConnectionCountries,
  type ConnectedCrm,
  connectVaults,
  createConnectionSettings,
  type Json,
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

type Crm = ConnectedCrm

let medical: ServedVault
let sandbox: Crm
const crms: Record<'A' | 'B' | 'C', Crm> = {} as Record<'A' | 'B' | 'C', Crm>
const country: Record<string, string> = {}
let cholecap: string

function pdf(text: string): Blob {
  return new Blob([`%PDF-1.4\n% ${text}\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n`], {
    type: 'application/pdf',
  })
}

/** Creates a Medical document through the REST API, as a content manager would; answers its id. */
async function upload(fields: Record<string, string>, content?: string): Promise<number> {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  if (content !== undefined) form.append('file', pdf(content), `${fields.name__v}.pdf`)
  const body = await medical.call('POST', '/objects/documents', form)
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return Number(body.id)
}

function referenceDocument(name: string, countries: readonly string[], extra: Record<string, string> = {}) {
  return {
    name__v: name,
    type__v: 'reference_document__v',
    lifecycle__v: 'medical_content_lifecycle__v',
    title__v: `${name} (title)`,
    country__v: countries.map((c) => country[c]!).join(','),
    product__v: cholecap,
    ...extra,
  }
}

async function action(id: number, major: number, minor: number, name: string): Promise<void> {
  const body = await medical.call(
    'PUT',
    `/objects/documents/${id}/versions/${major}/${minor}/lifecycle_actions/${name}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
}

/** The CrossLinks to a Medical document in one CRM, read with VQL through the CRM's API. */
async function crossLinks(crm: { node: ServedVault }, id: number): Promise<Json[]> {
  return crm.node.query(
    `SELECT id, name__v, title__v, status__v, state__v, crosslink__v, crm_fax__v, product__v, country__v, source_global_id__v, source_vault_id__v, source_document_id__v, source_binding_rule__v, bound_source_major_version__v, bound_source_minor_version__v, major_version_number__v, minor_version_number__v, filename__v FROM documents WHERE source_global_id__v = '${medical.vault.id}_${id}'`,
  )
}

async function fileOf(crm: Crm, crossLinkId: unknown): Promise<string> {
  const response = await crm.node.download(`/objects/documents/${String(crossLinkId)}/file`)
  expect(response.status).toBe(200)
  return response.text()
}

function createSettings(crm: Crm, countries: readonly string[]): Promise<string> {
  return createConnectionSettings(crm, 'document_transfer_settings__v', countries)
}

/** Waits until the Medical Vault has sent everything and the second CRM has processed what it received. */
async function messagesSettled(): Promise<void> {
  await expectEventually(
    async () => {
      const pending = await crms.B.node.vault.storage.db
        .selectFrom('inbound_message')
        .select('message_id')
        .where('state', '=', 'received')
        .execute()
      const outbound = await medical.vault.storage.db
        .selectFrom('outbound_message')
        .select('id')
        .where('state', '=', 'pending')
        .execute()
      // Changes the router has not yet turned into messages (the run endpoint queues them there).
      const unrouted = await medical.vault.storage.db
        .selectFrom('document_change')
        .select('seq')
        .where('routed_date', 'is', null)
        .execute()
      expect([...pending, ...outbound, ...unrouted]).toEqual([])
    },
    { timeoutMs: SECONDS },
  )
}

async function lastAuditIdOf(node: ServedVault): Promise<number> {
  const row = await node.vault.storage.db
    .selectFrom('audit_trail')
    .select((eb) => eb.fn.max<number>('id').as('id'))
    .executeTakeFirstOrThrow()
  return Number(row.id ?? 0)
}

async function auditCount(node: ServedVault): Promise<number> {
  const row = await node.vault.storage.db
    .selectFrom('audit_trail')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function outboundDocumentMessages(): Promise<{ connection_id: string; items: string }[]> {
  return (await medical.vault.storage.db
    .selectFrom('outbound_message')
    .select(['connection_id', 'items'])
    .where('integration_point', '=', INTEGRATION_POINTS.documentTransferOutbound)
    .orderBy('seq')
    .execute()) as { connection_id: string; items: string }[]
}

beforeAll(async () => {
  medical = await startServedVault('medical-docs', medicalProfile)
  const created = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'country__v',
    COUNTRIES.map(([name, abbreviation]) => ({ name__v: name, abbreviation__v: abbreviation })),
  )
  for (const [i, [, abbreviation]] of COUNTRIES.entries()) country[abbreviation] = created[i]!.id!
  const [product] = await medical.vault.records.create(SYSTEM_ACTOR, 'product__v', [
    { name__v: 'Cholecap', external_id__v: 'PRD-CHOLECAP' },
  ])
  cholecap = product!.id!
  const filters = { A: ['us__v'], B: ['us__v', 'ca__v'], C: ['mx__v', 'ca__v'] } as const
  for (const name of ['A', 'B', 'C'] as const) {
    const node = await startServedVault(`crm-docs-${name.toLowerCase()}`, crmProfile)
    await node.vault.records.create(SYSTEM_ACTOR, 'product__v', [
      { name__v: 'Cholecap (CRM)', external_id__v: 'PRD-CHOLECAP' },
    ])
    crms[name] = { node, ...(await connectVaults(medical, node)) }
    await createSettings(crms[name], filters[name])
  }
  const node = await startServedVault('crm-docs-sandbox', crmProfile, { environment: 'sandbox' })
  sandbox = { node, ...(await connectVaults(medical, node)) }
  await createSettings(sandbox, ['us__v'])
  await expectEventually(
    async () => {
      expect(await activeConnectionCountries(medical, crms.A)).toEqual(['GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.B)).toEqual(['CA', 'GLOBAL', 'US'])
      expect(await activeConnectionCountries(medical, crms.C)).toEqual(['CA', 'GLOBAL', 'MX'])
    },
    { timeoutMs: SECONDS },
  )
  // A sandbox CRM's filter is read by the scheduled pull only (B3): run it now.
  const run = await medical.call(
    'POST',
    `/services/connections/${sandbox.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.connectionSettingsInbound}`,
  )
  expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
  expect(await activeConnectionCountries(medical, sandbox)).toEqual(['GLOBAL', 'US'])
}, 180_000)

afterAll(async () => {
  for (const crm of Object.values(crms)) await crm.node.destroy()
  await sandbox?.node.destroy()
  await medical?.destroy()
})

describe('B16, B17: Document Transfer routed by country', () => {
  let usDocument: number
  let outside: number

  it('B17: the Medical-CRM Connection document type group is seeded with reference_document__v', async () => {
    const rows = await medical.query(
      "SELECT api_name__v, document_types__v FROM document_type_group__v WHERE api_name__v = 'medical_crm_connection__v'",
    )
    expect(rows).toEqual([
      { api_name__v: 'medical_crm_connection__v', document_types__v: ['reference_document__v'] },
    ])
  })

  it('B16, B17: a reference document for the United States becomes a CrossLink in CRM A, B and the sandbox CRM within seconds, with its file and metadata; CRM C, without the US, gets nothing', async () => {
    // A type outside the group, written first: it must never arrive, even after the later document.
    outside = await upload(
      { ...referenceDocument('Standard response', ['US']), type__v: 'medical_response__v' },
      'response',
    )
    usDocument = await upload(
      referenceDocument('Cholecap dosing', ['US'], { crm_fax__v: 'true' }),
      'dosing v1',
    )
    for (const crm of [crms.A, crms.B, sandbox])
      await expectEventually(async () => expect(await crossLinks(crm, usDocument)).toHaveLength(1), {
        timeoutMs: SECONDS,
      })
    const [link] = await crossLinks(crms.A, usDocument)
    const crmProduct = (
      await crms.A.node.query("SELECT id FROM product__v WHERE external_id__v = 'PRD-CHOLECAP'")
    )[0]!
    expect(link).toMatchObject({
      name__v: 'Cholecap dosing',
      title__v: 'Cholecap dosing (title)',
      status__v: 'Draft',
      state__v: 'draft__v',
      crosslink__v: true,
      crm_fax__v: true,
      source_global_id__v: `${medical.vault.id}_${usDocument}`,
      source_vault_id__v: String(medical.vault.id),
      source_document_id__v: String(usDocument),
      source_binding_rule__v: 'latest_version__v',
      bound_source_major_version__v: 0,
      bound_source_minor_version__v: 1,
      major_version_number__v: 0,
      minor_version_number__v: 1,
    })
    // The product is the CRM's own record with the same external id.
    expect(link!.product__v).toEqual([crmProduct.id])
    expect(await fileOf(crms.A, link!.id)).toContain('dosing v1')
    expect(await crossLinks(crms.C, usDocument)).toEqual([])
    expect(await crossLinks(crms.A, outside)).toEqual([])
    expect(await crossLinks(crms.B, outside)).toEqual([])
  })

  it('B17: the dry run of the CrossLink rule shows the metadata a document would get, writing nothing', async () => {
    const before = await auditCount(crms.A.node)
    const body = await crms.A.node.call(
      'POST',
      `/services/connections/${crms.A.onCrm.apiName}/rules/document_transfer_integration_rule__v/dry_run`,
      { source_id: String(usDocument) },
    )
    expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
    const crmProduct = (
      await crms.A.node.query("SELECT id FROM product__v WHERE external_id__v = 'PRD-CHOLECAP'")
    )[0]!
    expect((body.data as Json).target).toEqual({
      documents: expect.objectContaining({
        name__v: 'Cholecap dosing',
        crm_fax__v: true,
        product__v: crmProduct.id,
      }),
    })
    expect((body.data as Json).issues).toEqual([])
    expect(await auditCount(crms.A.node)).toBe(before)
  })

  it('B11, B17: a product the CRM does not have leaves the CrossLink without it and raises a User Exception Message naming the document', async () => {
    const [orphan] = await medical.vault.records.create(SYSTEM_ACTOR, 'product__v', [
      { name__v: 'Orphanol', external_id__v: 'PRD-ORPHAN' },
    ])
    const id = await upload(
      referenceDocument('Orphanol leaflet', ['US'], { product__v: orphan!.id! }),
      'orphan',
    )
    await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    expect((await crossLinks(crms.A, id))[0]!.product__v ?? []).toEqual([])
    await expectEventually(
      async () => {
        const items = await crms.A.node.query(
          `SELECT item_key__sys, error_message__sys FROM exception_item__sys WHERE item_key__sys = '${id}'`,
        )
        expect(items).toHaveLength(1)
        expect(String(items[0]!.error_message__sys)).toContain('medical_product_to_product__v')
      },
      { timeoutMs: SECONDS },
    )
  })

  it('B16: one change is claimed once and sent once to each routed connection', async () => {
    const before = (await outboundDocumentMessages()).length
    const id = await upload(referenceDocument('Once', ['CA']), 'once')
    await expectEventually(async () => expect(await crossLinks(crms.C, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    await expectEventually(async () => expect(await crossLinks(crms.B, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    const sent = (await outboundDocumentMessages())
      .slice(before)
      .filter((m) => JSON.parse(m.items).includes(String(id)))
    expect(sent.map((m) => m.connection_id).sort()).toEqual([crms.B.onMedical.id, crms.C.onMedical.id].sort())
  })

  it('B16: adding a country to a document brings it to the CRMs of that country', async () => {
    const id = await upload(referenceDocument('Mexico later', ['US']), 'mexico later')
    await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    expect(await crossLinks(crms.C, id)).toEqual([])
    const edited = await medical.call('PUT', `/objects/documents/${id}`, {
      country__v: `${country.US},${country.MX}`,
    })
    expect(edited.responseStatus, JSON.stringify(edited)).toBe('SUCCESS')
    await expectEventually(async () => expect(await crossLinks(crms.C, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
  })

  it('B16: a Global document goes to every connection', async () => {
    const id = await upload(referenceDocument('Global safety letter', ['GLOBAL']), 'global')
    for (const crm of [crms.A, crms.B, crms.C, sandbox])
      await expectEventually(async () => expect(await crossLinks(crm, id)).toHaveLength(1), {
        timeoutMs: SECONDS,
      })
  })

  it('B17: a new version up-versions the CrossLinks with the new file; approval makes them the approved major version; a metadata edit follows', async () => {
    const form = new FormData()
    form.append('file', pdf('dosing v2'), 'dosing-v2.pdf')
    const versioned = await medical.call('POST', `/objects/documents/${usDocument}`, form)
    expect(versioned.responseStatus, JSON.stringify(versioned)).toBe('SUCCESS')
    await expectEventually(
      async () =>
        expect((await crossLinks(crms.B, usDocument))[0]).toMatchObject({ minor_version_number__v: 2 }),
      { timeoutMs: SECONDS },
    )
    const [link] = await crossLinks(crms.B, usDocument)
    expect(await fileOf(crms.B, link!.id)).toContain('dosing v2')
    await action(usDocument, 0, 2, 'submit_for_review__v')
    await action(usDocument, 0, 2, 'approve__v')
    const edited = await medical.call('PUT', `/objects/documents/${usDocument}`, {
      title__v: 'Cholecap dosing, approved',
    })
    expect(edited.responseStatus, JSON.stringify(edited)).toBe('SUCCESS')
    for (const crm of [crms.A, crms.B, sandbox])
      await expectEventually(
        async () =>
          expect((await crossLinks(crm, usDocument))[0]).toMatchObject({
            status__v: 'Approved',
            title__v: 'Cholecap dosing, approved',
            major_version_number__v: 1,
            minor_version_number__v: 0,
            bound_source_major_version__v: 1,
            bound_source_minor_version__v: 0,
          }),
        { timeoutMs: SECONDS },
      )
    // The CrossLink keeps every version it showed, each with its file.
    const versions = await crms.A.node.query(
      `SELECT major_version_number__v, minor_version_number__v, status__v FROM ALLVERSIONS documents WHERE source_global_id__v = '${medical.vault.id}_${usDocument}' ORDER BY major_version_number__v, minor_version_number__v`,
    )
    expect(versions.at(-1)).toMatchObject({
      major_version_number__v: 1,
      minor_version_number__v: 0,
      status__v: 'Approved',
    })
  })

  it('B17: repeated notices (the run endpoint resends every routed document) change nothing', async () => {
    // The earlier tests' last changes may still be on their way to this CRM: count from when they landed.
    await messagesSettled()
    const lastAuditId = await lastAuditIdOf(crms.B.node)
    const countBefore = (await crms.B.node.query('SELECT id FROM documents WHERE crosslink__v = true')).length
    for (let i = 0; i < 2; i++) {
      const run = await medical.call(
        'POST',
        `/services/connections/${crms.B.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.documentTransferOutbound}`,
      )
      expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
      expect((run.data as Json).queued).toBeGreaterThanOrEqual(3)
    }
    await messagesSettled()
    expect((await crms.B.node.query('SELECT id FROM documents WHERE crosslink__v = true')).length).toBe(
      countBefore,
    )
    // The entries written since, if any, so a failure shows what changed. The resent document whose
    // product the CRM lacks raises its User Exception Message again on each notice (B11: every failed
    // notice is visible); nothing else may change.
    const since = await crms.B.node.vault.storage.db
      .selectFrom('audit_trail')
      .where('object_name', 'not in', ['exception_message__sys', 'exception_item__sys'])
      .select([
        'object_name',
        'record_id',
        'field_name',
        'old_value',
        'new_value',
        'event_description',
        'message_id',
      ])
      .where('id', '>', lastAuditId)
      .orderBy('id')
      .limit(50)
      .execute()
    expect(since).toEqual([])
  })

  it('B16: widening a CRM country filter brings it the documents of that country already in Medical', async () => {
    const settings = await crms.C.node.query(
      `SELECT id FROM connection_settings__v WHERE connection__sys = '${crms.C.onCrm.id}'`,
    )
    const body = await crms.C.node.call('PUT', '/vobjects/connection_settings__v', [
      { id: settings[0]!.id, country_filter__v: ['mx__v', 'ca__v', 'us__v'] },
    ])
    expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
    await expectEventually(
      async () => expect((await crossLinks(crms.C, usDocument))[0]).toMatchObject({ status__v: 'Approved' }),
      { timeoutMs: SECONDS },
    )
  })

  it('B17: an admin chooses per connection which metadata travels: a field rule for country__v on CRM B only', async () => {
    const rule = await crms.B.node.query(
      "SELECT id FROM integration_rule__sys WHERE integration_rule_api_name__sys = 'document_transfer_integration_rule__v'",
    )
    const created = await crms.B.node.call('POST', '/vobjects/field_rule__sys', [
      {
        name__v: 'documents.country__v',
        integration_rule__sys: rule[0]!.id,
        target_object__sys: 'documents',
        target_object_field__sys: 'country__v',
        query_object__sys: 'documents',
        query_field__sys: 'country__v',
        reference_lookup__sys: 'medical_country_to_crm_country__v',
      },
    ])
    expect(created.responseStatus, JSON.stringify(created)).toBe('SUCCESS')
    const id = await upload(referenceDocument('Canada and US', ['US', 'CA']), 'both')
    await expectEventually(
      async () => expect((await crossLinks(crms.B, id))[0]?.country__v).toEqual(['us__v', 'ca__v']),
      { timeoutMs: SECONDS },
    )
    await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    expect((await crossLinks(crms.A, id))[0]?.country__v ?? []).toEqual([])
  })
})

describe('B17: the document type group', () => {
  it('B17: adding a type to the Medical-CRM Connection group brings its existing documents to the routed CRMs', async () => {
    const [group] = await medical.query(
      "SELECT id FROM document_type_group__v WHERE api_name__v = 'medical_crm_connection__v'",
    )
    const response = await upload(
      { ...referenceDocument('Standard response (CA)', ['CA']), type__v: 'medical_response__v' },
      'ca response',
    )
    const body = await medical.call('PUT', '/vobjects/document_type_group__v', [
      { id: group!.id, document_types__v: ['reference_document__v', 'medical_response__v'] },
    ])
    expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
    await expectEventually(async () => expect(await crossLinks(crms.C, response)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    expect(await crossLinks(crms.A, response)).toEqual([])
  })
})

describe('B20: no hard deletes across vaults', () => {
  it('B20: obsoleting a Medical document obsoletes its CrossLinks; deleting one obsoletes them too; nothing is deleted in a CRM', async () => {
    const kept = await upload(referenceDocument('To obsolete', ['US']), 'obsolete me')
    const gone = await upload(referenceDocument('To delete', ['US']), 'delete me')
    for (const id of [kept, gone])
      await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
        timeoutMs: SECONDS,
      })
    await action(kept, 0, 1, 'submit_for_review__v')
    await action(kept, 0, 1, 'approve__v')
    await action(kept, 1, 0, 'make_obsolete__v')
    const deleted = await medical.call('DELETE', `/objects/documents/${gone}`)
    expect(deleted.responseStatus, JSON.stringify(deleted)).toBe('SUCCESS')
    for (const id of [kept, gone])
      await expectEventually(
        async () => expect((await crossLinks(crms.A, id))[0]).toMatchObject({ status__v: 'Obsolete' }),
        { timeoutMs: SECONDS },
      )
    // A CrossLink cannot be deleted by hand either: the connection keeps it.
    const [link] = await crossLinks(crms.A, gone)
    const refused = await crms.A.node.call('DELETE', `/objects/documents/${String(link!.id)}`)
    expect(refused.responseStatus).toBe('FAILURE')
  })
})

describe('B3: sandboxes', () => {
  it('B3: a sandbox Medical Vault never sends documents into a production CRM, even Global ones', async () => {
    const sandboxMedical = await startServedVault('medical-docs-sandbox', medicalProfile, {
      environment: 'sandbox',
    })
    try {
      const [global] = await sandboxMedical.vault.records.create(SYSTEM_ACTOR, 'country__v', [
        { name__v: 'Global', abbreviation__v: 'GLOBAL' },
      ])
      await connectVaults(sandboxMedical, crms.A.node)
      const form = new FormData()
      for (const [name, value] of Object.entries({
        name__v: 'Sandbox only',
        type__v: 'reference_document__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        country__v: global!.id!,
      }))
        form.append(name, value)
      form.append('file', pdf('sandbox'), 'sandbox.pdf')
      const body = await sandboxMedical.call('POST', '/objects/documents', form)
      expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
      // The change is routed (claimed) and goes nowhere.
      await expectEventually(
        async () => {
          const pending = await sandboxMedical.vault.storage.db
            .selectFrom('document_change')
            .select('seq')
            .where('routed_date', 'is', null)
            .execute()
          expect(pending).toEqual([])
        },
        { timeoutMs: SECONDS },
      )
      const sent = await sandboxMedical.vault.storage.db
        .selectFrom('outbound_message')
        .select('id')
        .where('integration_point', '=', INTEGRATION_POINTS.documentTransferOutbound)
        .execute()
      expect(sent).toEqual([])
      expect(
        await crms.A.node.query(
          `SELECT id FROM documents WHERE source_vault_id__v = '${sandboxMedical.vault.id}'`,
        ),
      ).toEqual([])
    } finally {
      await sandboxMedical.destroy()
    }
  })
})

describe('Document Transfer reliability', () => {
  it("B17: an admin switches a connection's Document Transfer off; switched on again, the connection gets what it missed", async () => {
    const [point] = await medical.query(
      `SELECT id FROM integration_point__sys WHERE connection__sys = '${crms.B.onMedical.id}' AND integration_point_api_name__sys = '${INTEGRATION_POINTS.documentTransferOutbound}'`,
    )
    const off = await medical.call('PUT', '/vobjects/integration_point__sys', [
      { id: point!.id, status__v: 'inactive__v' },
    ])
    expect(off.responseStatus, JSON.stringify(off)).toBe('SUCCESS')
    const id = await upload(referenceDocument('While B is off', ['US']), 'off')
    await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    // Routed together with A's: had B been sent one, it would be on its way in the same batch.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await crossLinks(crms.B, id)).toEqual([])
    const on = await medical.call('PUT', '/vobjects/integration_point__sys', [
      { id: point!.id, status__v: 'active__v' },
    ])
    expect(on.responseStatus, JSON.stringify(on)).toBe('SUCCESS')
    await expectEventually(async () => expect(await crossLinks(crms.B, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
  })

  it('B17: a CRM that is unreachable for a while catches up once it is back', async () => {
    const id = await upload(referenceDocument('While A is down', ['US']), 'outage')
    await expectEventually(async () => expect(await crossLinks(crms.A, id)).toHaveLength(1), {
      timeoutMs: SECONDS,
    })
    await crms.A.node.stop()
    const edited = await medical.call('PUT', `/objects/documents/${id}`, {
      title__v: 'Changed while A was down',
    })
    expect(edited.responseStatus, JSON.stringify(edited)).toBe('SUCCESS')
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await crms.A.node.restart()
    await expectEventually(
      async () =>
        expect((await crossLinks(crms.A, id))[0]).toMatchObject({ title__v: 'Changed while A was down' }),
      { timeoutMs: 30_000 },
    )
  })
})

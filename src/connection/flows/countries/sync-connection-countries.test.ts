// B15 between four vaults served over HTTP on databases of their own: one Medical Vault and the
// seed's three CRMs. Connection Settings are written through each CRM's REST API, so the change
// hook's nudge (not a direct call) is what brings the Medical Vault in step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectEventually } from '../../../../test/support/expect-eventually.js'
import {
  activeConnectionCountries,
  type ConnectedCrm,
  connectVaults,
  createConnectionSettings,
  type ServedVault,
  startServedVault,
} from '../../../../test/support/served-vaults.js'
import { crmProfile } from '../../../apps/crm/index.js'
import { medicalProfile } from '../../../apps/medical/index.js'
import { SYSTEM_ACTOR } from '../../../platform/vault/index.js'
import { connectionVaultOf } from '../../medical-crm-connection.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import { syncConnectionCountries } from './sync-connection-countries.js'

const NUDGE_MS = 10_000
/** Medical's countries in this test; France is left out to stand for a code Medical cannot match. */
const COUNTRIES = [
  ['United States', 'US'],
  ['Canada', 'CA'],
  ['Mexico', 'MX'],
  ['United Kingdom', 'GB'],
  ['Global', 'GLOBAL'],
] as const

type Crm = ConnectedCrm

let medical: ServedVault
const crms: Record<'A' | 'B' | 'C', Crm> = {} as Record<'A' | 'B' | 'C', Crm>

const createSettings = createConnectionSettings

async function editSettings(crm: Crm, id: string, countries: readonly string[]): Promise<void> {
  const body = await crm.node.call('PUT', '/vobjects/connection_settings__v', [
    { id, country_filter__v: countries },
  ])
  const [result] = body.data as { responseStatus: string }[]
  expect(result?.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
}

const connectionCountries = (crm: Crm) => activeConnectionCountries(medical, crm)

/** Every Connection Country record of the connection, active or not. */
async function connectionCountryRecords(crm: Crm): Promise<number> {
  const rows = await medical.vault.storage.db
    .selectFrom('connection_country__v')
    .select('id')
    .where('connection__sys', '=', crm.onMedical.id)
    .execute()
  return rows.length
}

/** country_cda__v of each test country, as the Medical admin reads it over VQL. */
async function countryCodes(): Promise<Record<string, string[]>> {
  const rows = await medical.query('SELECT abbreviation__v, country_cda__v FROM country__v')
  return Object.fromEntries(
    rows.map((r) => [String(r.abbreviation__v), [...((r.country_cda__v as string[] | null) ?? [])].sort()]),
  )
}

async function auditEntries(): Promise<number> {
  const row = await medical.vault.storage.db
    .selectFrom('audit_trail')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** POST …/actions/run/connection_settings_inbound__v on the Medical Vault (the run endpoint). */
async function runSync(crm: Crm): Promise<Record<string, unknown>> {
  const body = await medical.call(
    'POST',
    `/services/connections/${crm.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.connectionSettingsInbound}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body.data as Record<string, unknown>
}

beforeAll(async () => {
  medical = await startServedVault('medical', medicalProfile)
  const created = await medical.vault.records.create(
    SYSTEM_ACTOR,
    'country__v',
    COUNTRIES.map(([name, abbreviation]) => ({ name__v: name, abbreviation__v: abbreviation })),
  )
  expect(created.every((r) => r.responseStatus === 'SUCCESS')).toBe(true)
  for (const name of ['A', 'B', 'C'] as const) {
    const node = await startServedVault(`crm-${name.toLowerCase()}`, crmProfile)
    crms[name] = { node, ...(await connectVaults(medical, node)) }
  }
}, 120_000)

afterAll(async () => {
  for (const crm of Object.values(crms)) await crm.node.destroy()
  await medical?.destroy()
})

describe('B15: Connection Country', () => {
  let filterOfC: string

  it("B15: the seed's example: CRM A (United States), B (United States, Canada) and C (Mexico, Canada) give Connection Countries A: US, Global; B: US, CA, Global; C: MX, CA, Global", async () => {
    // Filters per feature: the union of a CRM's Connection Settings records counts.
    await createSettings(crms.A, 'medical_inquiry_settings__v', ['us__v'])
    await createSettings(crms.A, 'clm_integration_settings__v', ['us__v'])
    await createSettings(crms.B, 'medical_inquiry_settings__v', ['us__v'])
    await createSettings(crms.B, 'document_transfer_settings__v', ['us__v', 'ca__v'])
    filterOfC = await createSettings(crms.C, 'clm_integration_settings__v', ['mx__v', 'ca__v'])
    await expectEventually(
      async () => {
        expect(await connectionCountries(crms.A)).toEqual(['GLOBAL', 'US'])
        expect(await connectionCountries(crms.B)).toEqual(['CA', 'GLOBAL', 'US'])
        expect(await connectionCountries(crms.C)).toEqual(['CA', 'GLOBAL', 'MX'])
        expect(await countryCodes()).toEqual({
          US: ['us__v'],
          CA: ['ca__v'],
          MX: ['mx__v'],
          GB: [],
          GLOBAL: ['ca__v', 'mx__v', 'us__v'],
        })
      },
      { timeoutMs: NUDGE_MS },
    )
  })

  it('B15: a repeated sync (run endpoint and scheduled pull alike) changes nothing and writes no audit entries', async () => {
    const before = await auditEntries()
    for (const crm of Object.values(crms)) {
      const result = await runSync(crm)
      expect(result).toMatchObject({ mode: 'synced', added: 0, removed: 0, countriesUpdated: 0 })
    }
    expect(await syncConnectionCountries(connectionVaultOf(medical.vault), crms.B.onMedical)).toMatchObject({
      codes: ['ca__v', 'us__v'],
      read: 2,
      added: 0,
      removed: 0,
      countriesUpdated: 0,
    })
    expect(await auditEntries()).toBe(before)
    expect(await connectionCountryRecords(crms.A)).toBe(2)
    expect(await connectionCountryRecords(crms.B)).toBe(3)
    expect(await connectionCountryRecords(crms.C)).toBe(3)
  })

  it('B15: a filter change in the CRM (Mexico removed, United Kingdom added) reaches the Medical Vault within seconds through the nudge', async () => {
    await editSettings(crms.C, filterOfC, ['ca__v', 'gb__v'])
    await expectEventually(
      async () => {
        expect(await connectionCountries(crms.C)).toEqual(['CA', 'GB', 'GLOBAL'])
        // Mexico is used by no connection any more: its code leaves Mexico and Global.
        expect(await countryCodes()).toEqual({
          US: ['us__v'],
          CA: ['ca__v'],
          MX: [],
          GB: ['gb__v'],
          GLOBAL: ['ca__v', 'gb__v', 'us__v'],
        })
      },
      { timeoutMs: NUDGE_MS },
    )
    expect(await connectionCountries(crms.A)).toEqual(['GLOBAL', 'US'])
    expect(await connectionCountries(crms.B)).toEqual(['CA', 'GLOBAL', 'US'])
    // Mexico's record is inactive, not deleted: adding it back reactivates it, never a duplicate.
    await editSettings(crms.C, filterOfC, ['ca__v', 'gb__v', 'mx__v'])
    await expectEventually(
      async () => {
        expect(await connectionCountries(crms.C)).toEqual(['CA', 'GB', 'GLOBAL', 'MX'])
        expect((await countryCodes()).GLOBAL).toEqual(['ca__v', 'gb__v', 'mx__v', 'us__v'])
      },
      { timeoutMs: NUDGE_MS },
    )
    expect(await connectionCountryRecords(crms.C)).toBe(4)
  })

  it('B15: a code no Country record matches becomes one exception item, reported once; the other countries apply', async () => {
    await editSettings(crms.A, (await settingsIds(crms.A))[0]!, ['us__v', 'fr__v'])
    await expectEventually(
      async () => {
        const exceptions = await exceptionsOf(crms.A)
        expect(exceptions).toHaveLength(1)
        expect(exceptions[0]!.error_message__sys).toMatch(/fr__v/)
      },
      { timeoutMs: NUDGE_MS },
    )
    expect(await connectionCountries(crms.A)).toEqual(['GLOBAL', 'US'])
    const items = await medical.vault.storage.db
      .selectFrom('exception_item__sys')
      .select(['item_key__sys', 'error_type__sys'])
      .where('exception_message__sys', '=', String((await exceptionsOf(crms.A))[0]!.id))
      .execute()
    expect(items).toEqual([{ item_key__sys: 'fr__v', error_type__sys: 'REFERENCE_NOT_FOUND' }])
    const result = await runSync(crms.A)
    expect(result).toMatchObject({ unknown: ['fr__v'], added: 0, removed: 0 })
    expect(await exceptionsOf(crms.A)).toHaveLength(1)
  })

  it('B15, B3: a sandbox CRM sends no nudge into the production Medical Vault; its filter arrives by the scheduled pull (here the run endpoint)', async () => {
    const node = await startServedVault('crm-sandbox', crmProfile, { environment: 'sandbox' })
    try {
      const sandbox: Crm = { node, ...(await connectVaults(medical, node)) }
      await createSettings(sandbox, 'medical_inquiry_settings__v', ['mx__v'])
      const nudges = await node.vault.storage.db
        .selectFrom('outbound_message')
        .select('id')
        .where('integration_point', '=', INTEGRATION_POINTS.connectionSettingsOutbound)
        .execute()
      expect(nudges).toEqual([])
      expect(await connectionCountries(sandbox)).toEqual([])
      expect(await runSync(sandbox)).toMatchObject({ codes: ['mx__v'], added: 2 })
      expect(await connectionCountries(sandbox)).toEqual(['GLOBAL', 'MX'])
    } finally {
      await node.destroy()
    }
  })
})

async function settingsIds(crm: Crm): Promise<string[]> {
  const rows = await crm.node.query('SELECT id FROM connection_settings__v ORDER BY id ASC')
  return rows.map((r) => String(r.id))
}

async function exceptionsOf(crm: Crm): Promise<Record<string, unknown>[]> {
  return medical.vault.storage.db
    .selectFrom('exception_message__sys')
    .selectAll()
    .where('connection__sys', '=', crm.onMedical.id)
    .where('error_type__sys', '=', 'REFERENCE_NOT_FOUND')
    .execute()
}

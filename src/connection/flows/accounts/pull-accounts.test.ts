import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ConnectedVaults,
  type ServedVault,
  startConnectedVaults,
} from '../../../../test/support/connected-vaults.js'
import { expectEventually } from '../../../../test/support/expect-eventually.js'
import { SYSTEM_ACTOR } from '../../../platform/vault/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'

let v: ConnectedVaults
type Json = Record<string, unknown>

async function newAccount(crm: ServedVault, values: Json): Promise<string> {
  const [created] = await crm.vault.records.create(SYSTEM_ACTOR, 'account__v', [
    { name__v: `${String(values.first_name__v)} ${String(values.last_name__v)}`, ...values },
  ])
  if (created?.id === undefined) throw new Error(JSON.stringify(created))
  return created.id
}

async function editAccount(crm: ServedVault, id: string, values: Json): Promise<void> {
  const [result] = await crm.vault.records.update(SYSTEM_ACTOR, 'account__v', [{ id, ...values }])
  expect(result?.responseStatus, JSON.stringify(result)).toBe('SUCCESS')
}

/** Transfers an inquiry of the account and waits for its success (so its Case Contact exists). */
async function transferInquiryOf(vaults: ConnectedVaults, accountId: string): Promise<void> {
  const created = await vaults.crm.call('rep__v', 'POST', '/vobjects/medical_inquiry__v', [
    {
      account__v: accountId,
      inquiry_text__v: 'Any interaction with warfarin?',
      delivery_method__v: 'email__v',
      email__v: 'hcp@example.org',
    },
  ])
  const id = (created.data as { data: { id: string } }[])[0]!.data.id
  await vaults.crm.call('rep__v', 'POST', `/vobjects/medical_inquiry__v/${id}/actions/transfer_to_medical__v`)
  await expectEventually(
    async () => {
      const [row] = await vaults.crm.query(
        'admin__sys',
        `SELECT transfer_status__v FROM medical_inquiry__v WHERE id = '${id}'`,
      )
      expect(row?.transfer_status__v).toEqual(['success__v'])
    },
    { timeoutMs: 15_000 },
  )
}

/** POST …/actions/run/account_inbound__v on the Medical Vault, as its admin. */
async function runAccountPull(vaults: ConnectedVaults = v): Promise<Json> {
  const body = await vaults.medical.call(
    'admin__sys',
    'POST',
    `/services/connections/${vaults.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.accountInbound}`,
  )
  expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return body.data as Json
}

async function contactsOf(accountId: string, vaults: ConnectedVaults = v): Promise<Json[]> {
  return vaults.medical.vault.storage.db
    .selectFrom('case_contact__v')
    .selectAll()
    .where('crm_org__v', '=', String(vaults.crm.vault.id))
    .where('crm_id__v', '=', accountId)
    .execute()
}

async function sourceData(contactId: string): Promise<Json[]> {
  return v.medical.vault.storage.db
    .selectFrom('case_contact_source_data__v')
    .selectAll()
    .where('case_contact__v', '=', contactId)
    .where('data_source__v', '=', 'account__v')
    .execute()
}

async function setRule(ruleApiName: string, active: boolean): Promise<void> {
  const rule = await v.medical.vault.storage.db
    .selectFrom('integration_rule__sys')
    .select('id')
    .where('connection__sys', '=', v.onMedical.id)
    .where('integration_rule_api_name__sys', '=', ruleApiName)
    .executeTakeFirstOrThrow()
  const body = await v.medical.call('admin__sys', 'PUT', '/vobjects/integration_rule__sys', [
    { id: rule.id, status__v: active ? 'active__v' : 'inactive__v' },
  ])
  expect(body.responseStatus, JSON.stringify(body)).not.toBe('FAILURE')
}

beforeAll(async () => {
  v = await startConnectedVaults()
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('B6: the Account inbound integration point', () => {
  let withInquiry: string
  let withoutInquiry: string

  it('B6: with only_accounts_with_inquiries active, a changed account updates the Case Contact of an account with a transferred inquiry, and no other account is pulled', async () => {
    withInquiry = await newAccount(v.crm, {
      first_name__v: 'Grace',
      last_name__v: 'Hopper',
      specialty__v: 'Cardiology',
      veeva_id__v: 'V-GH-1',
    })
    withoutInquiry = await newAccount(v.crm, {
      first_name__v: 'Alan',
      last_name__v: 'Turing',
      specialty__v: 'Oncology',
      veeva_id__v: 'V-AT-1',
    })
    await transferInquiryOf(v, withInquiry)
    const [contact] = await contactsOf(withInquiry)
    expect(contact).toMatchObject({ specialty__v: 'Cardiology' })
    const sourcesBefore = (await sourceData(String(contact!.id))).length

    await editAccount(v.crm, withInquiry, { specialty__v: 'Nephrology', institution__v: 'Harvard' })
    await editAccount(v.crm, withoutInquiry, { specialty__v: 'Neurology' })
    const first = await runAccountPull()
    // Only accounts with an inquiry are read from the CRM.
    expect(first).toMatchObject({
      mode: 'accounts_with_inquiries',
      read: 1,
      updated: 1,
      created: 0,
      failed: 0,
    })
    const [updated] = await contactsOf(withInquiry)
    expect(updated).toMatchObject({ id: contact!.id, specialty__v: 'Nephrology', institution__v: 'Harvard' })
    expect(await contactsOf(withoutInquiry)).toEqual([])
    // B7: the received account is kept as Case Contact Source Data.
    const sources = await sourceData(String(contact!.id))
    expect(sources).toHaveLength(sourcesBefore + 1)
    expect(JSON.parse(String(sources.at(-1)!.source_payload__v))).toMatchObject({
      specialty__v: 'Nephrology',
    })

    // A second pull reads the overlap again and applies nothing new.
    const second = await runAccountPull()
    expect(second).toMatchObject({ updated: 0, created: 0, failed: 0 })
    expect(await sourceData(String(contact!.id))).toHaveLength(sourcesBefore + 1)
    // The watermark moved with the batch, on the connection's integration point.
    const point = await v.medical.vault.storage.db
      .selectFrom('integration_point__sys')
      .select('last_successful_run_time__sys')
      .where('connection__sys', '=', v.onMedical.id)
      .where('integration_point_api_name__sys', '=', INTEGRATION_POINTS.accountInbound)
      .executeTakeFirstOrThrow()
    expect(point.last_successful_run_time__sys).toBe(first.watermark)
  }, 40_000)

  it('B6, B7a: with only_accounts_with_inquiries inactive, every changed account matches (Veeva ID first) or creates a Case Contact', async () => {
    await setRule('only_accounts_with_inquiries_integration_rule__v', false)
    // A contact Medical already has with the same Veeva ID, from elsewhere (no CRM keys).
    const [known] = await v.medical.vault.records.create(SYSTEM_ACTOR, 'case_contact__v', [
      {
        name__v: 'Katherine Johnson',
        first_name__v: 'Katherine',
        last_name__v: 'Johnson',
        veeva_id__v: 'V-KJ-1',
      },
    ])
    const matching = await newAccount(v.crm, {
      first_name__v: 'Katherine',
      last_name__v: 'Johnson',
      specialty__v: 'Mathematics',
      veeva_id__v: 'V-KJ-1',
    })
    await editAccount(v.crm, withoutInquiry, { credentials__v: 'PhD' })
    const result = await runAccountPull()
    expect(result).toMatchObject({ mode: 'all_accounts', failed: 0 })
    expect(result.created).toBeGreaterThanOrEqual(1)
    // Matched by Veeva ID: updated, not duplicated, and keeps its own keys.
    const byVeeva = await v.medical.vault.storage.db
      .selectFrom('case_contact__v')
      .selectAll()
      .where('veeva_id__v', '=', 'V-KJ-1')
      .execute()
    expect(byVeeva).toHaveLength(1)
    expect(byVeeva[0]).toMatchObject({ id: known!.id, specialty__v: 'Mathematics', crm_id__v: null })
    expect(await contactsOf(matching)).toEqual([])
    // No match: created with the CRM account's keys.
    const [created] = await contactsOf(withoutInquiry)
    expect(created).toMatchObject({
      first_name__v: 'Alan',
      last_name__v: 'Turing',
      credentials__v: 'PhD',
      veeva_id__v: 'V-AT-1',
      link__v: `${v.crm.vault.id}_${withoutInquiry}`,
    })
    // Again: nothing new.
    const again = await runAccountPull()
    expect(again).toMatchObject({ created: 0, updated: 0 })
    expect(await contactsOf(withoutInquiry)).toHaveLength(1)
    // Two pulls at once (the schedule and a run request): still one contact per account.
    const racing = await newAccount(v.crm, {
      first_name__v: 'Edsger',
      last_name__v: 'Dijkstra',
      veeva_id__v: 'V-ED-1',
    })
    await Promise.all([runAccountPull(), runAccountPull(), runAccountPull()])
    expect(await contactsOf(racing)).toHaveLength(1)
  }, 40_000)

  it('B6: under the inquiry-only agreement no account is pulled at all', async () => {
    await setRule('do_not_pull_from_accounts_integration_rule__v', true)
    await setRule('account_integration_rule__v', false)
    try {
      await editAccount(v.crm, withInquiry, { specialty__v: 'Dermatology' })
      const result = await runAccountPull()
      expect(result).toMatchObject({ mode: 'inquiry_only', read: 0, created: 0, updated: 0 })
      const [contact] = await contactsOf(withInquiry)
      expect(contact).toMatchObject({ specialty__v: 'Nephrology' })
    } finally {
      await setRule('do_not_pull_from_accounts_integration_rule__v', false)
      await setRule('account_integration_rule__v', true)
      await setRule('only_accounts_with_inquiries_integration_rule__v', true)
    }
  })

  it('B6, B11: an account whose value has no mapping fails alone, as a User Exception item, and applies after the fix', async () => {
    const rule = await v.medical.vault.storage.db
      .selectFrom('integration_rule__sys')
      .select('id')
      .where('connection__sys', '=', v.onMedical.id)
      .where('integration_rule_api_name__sys', '=', 'only_accounts_with_inquiries_integration_rule__v')
      .executeTakeFirstOrThrow()
    // An admin maps the account's country to the contact's, through the country lookup.
    const added = await v.medical.call('admin__sys', 'POST', '/vobjects/field_rule__sys', [
      {
        name__v: 'case_contact__v.country__v',
        integration_rule__sys: rule.id,
        target_object__sys: 'case_contact__v',
        target_object_field__sys: 'country__v',
        query_object__sys: 'account__v',
        query_field__sys: 'country__v',
        reference_lookup__sys: 'crm_country_to_country__v',
      },
    ])
    expect(added.responseStatus, JSON.stringify(added)).toBe('SUCCESS')
    await editAccount(v.crm, withInquiry, { country__v: 'ca__v', specialty__v: 'Hepatology' })
    const failed = await runAccountPull()
    expect(failed).toMatchObject({ failed: 1, updated: 0 })
    const items = await v.medical.vault.storage.db
      .selectFrom('exception_item__sys')
      .select(['item_key__sys', 'error_message__sys'])
      .where('item_key__sys', '=', withInquiry)
      .execute()
    expect(items).toEqual([expect.objectContaining({ error_message__sys: expect.stringContaining('ca__v') })])
    expect((await contactsOf(withInquiry))[0]).toMatchObject({ specialty__v: 'Nephrology' })
    // The fix: Medical gets the country. The overlap reads the account again on the next pull.
    const [canada] = await v.medical.vault.records.create(SYSTEM_ACTOR, 'country__v', [
      { name__v: 'Canada', abbreviation__v: 'CA' },
    ])
    const fixed = await runAccountPull()
    expect(fixed).toMatchObject({ failed: 0, updated: 1 })
    expect((await contactsOf(withInquiry))[0]).toMatchObject({
      specialty__v: 'Hepatology',
      country__v: canada!.id,
    })
  }, 40_000)

  it('B6: the run endpoint is for admins only', async () => {
    const body = await v.medical.call(
      'medical_information_agent__v',
      'POST',
      `/services/connections/${v.onMedical.apiName}/actions/run/${INTEGRATION_POINTS.accountInbound}`,
    )
    expect(body.responseStatus).toBe('FAILURE')
    expect((body.errors as { type: string }[])[0]?.type).toBe('INSUFFICIENT_ACCESS')
  })
})

describe('B6, B12: account changes arrive on the schedule', () => {
  let s: ConnectedVaults

  beforeAll(async () => {
    s = await startConnectedVaults({ pullIntervalMs: 300 })
  }, 60_000)

  afterAll(async () => {
    await s?.close()
  })

  it('B6: a changed account updates its Case Contact with no run request', async () => {
    const account = await newAccount(s.crm, {
      first_name__v: 'Ada',
      last_name__v: 'Lovelace',
      veeva_id__v: 'V-AL-1',
    })
    await transferInquiryOf(s, account)
    await editAccount(s.crm, account, { institution__v: 'Analytical Engine Society' })
    await expectEventually(
      async () =>
        expect((await contactsOf(account, s))[0]).toMatchObject({
          institution__v: 'Analytical Engine Society',
        }),
      { timeoutMs: 10_000 },
    )
  }, 40_000)
})

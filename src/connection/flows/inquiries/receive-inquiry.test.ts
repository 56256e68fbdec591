import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../../test/support/test-vault.js'
import { medicalProfile } from '../../../apps/medical/index.js'
import type { RecordActor } from '../../../platform/records/index.js'
import { SYSTEM_ACTOR } from '../../../platform/vault/index.js'
import { loadRuleSet, seedConnectionConfiguration } from '../../rules/index.js'
import { medicalLookupResolvers } from '../shared/medical-lookups.js'
import { type InquirySource, type ReceiveOutcome, receiveInquiries } from './receive-inquiry.js'

let t: TestVault
let source: InquirySource
const actor: RecordActor = { ...SYSTEM_ACTOR, connection: 'medical_crm__v_crm_na', messageId: 'msg-1' }
const NOW = '2026-11-25T10:00:00.000Z'

function inquiry(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name__v: `MI-${id}`,
    account__v: '0AC000000000001',
    'account__vr.first_name__v': 'Meredith',
    'account__vr.last_name__v': 'Grey',
    'account__vr.credentials__v': 'MD',
    'account__vr.specialty__v': 'Surgery',
    'account__vr.institution__v': 'Seattle Grace',
    'account__vr.veeva_id__v': 'V-100',
    'account__vr.external_id__v': 'EXT-100',
    first_name__v: 'Mer',
    last_name__v: 'Grey',
    inquiry_text__v: 'Is Cholecap safe in pregnancy?',
    'product__vr.external_id__v': 'PRD-T1',
    'product__vr.name__v': 'Cholecap',
    country__v: ['us__v'],
    delivery_method__v: ['email__v'],
    email__v: 'Meredith.Grey@example.org',
    ...extra,
  }
}

async function receiveAll(rows: readonly Record<string, unknown>[]): Promise<Map<string, ReceiveOutcome>> {
  return t.vault.storage.db.transaction().execute(async (trx) => {
    const rules = await loadRuleSet(trx, source.connectionId)
    return receiveInquiries(
      trx,
      t.vault.records,
      actor,
      source,
      rules,
      rows,
      medicalLookupResolvers(trx),
      NOW,
    )
  })
}

async function receive(row: Record<string, unknown>): Promise<ReceiveOutcome> {
  return (await receiveAll([row])).get(String(row.id))!
}

async function rows(object: string, where: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  let q = t.vault.storage.db.selectFrom(object).selectAll()
  for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v)
  return q.execute()
}

/**
 * What the Medical Vault holds for the given inquiries, with ids replaced by the order they are
 * first seen in, and mode-specific keys reduced to the part the modes share.
 */
async function medicalSide(inquiries: readonly Record<string, unknown>[]) {
  const names = new Map<string, string>()
  const alias = (id: unknown) => {
    if (id === null || id === undefined) return null
    const key = String(id)
    if (!names.has(key)) names.set(key, `#${names.size}`)
    return names.get(key)
  }
  const unmode = (value: unknown) => (typeof value === 'string' ? value.replace(/^[SG]\d+/, '') : value)
  const result = []
  for (const row of inquiries) {
    const [c] = await rows('case__v', { crm_id__v: String(row.id) })
    const [contact] = await rows('case_contact__v', { id: String(c!.case_contact__v) })
    const infos = await rows('person_information__v', { case_contact__v: String(contact!.id) })
    result.push({
      contact: alias(contact!.id),
      keys: [contact!.veeva_id__v, contact!.external_id__v, contact!.crm_id__v].map(unmode),
      first: contact!.first_name__v,
      preferred: alias(c!.preferred_contact_information__v),
      infos: infos
        .map((i) => [alias(i.id), i.type__v, i.email__v, i.phone__v, i.address_line_1__v, i.primary__v])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    })
  }
  return result
}

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  const [connection] = await t.vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
    {
      name__v: 'crm-na',
      api_name__sys: 'medical_crm__v_crm_na',
      connection_type__sys: 'vault_to_vault__sys',
    },
  ])
  source = { connectionId: connection!.id!, crmOrg: '4242' }
  await t.vault.storage.db
    .transaction()
    .execute((trx) =>
      seedConnectionConfiguration(
        trx,
        t.vault.records,
        SYSTEM_ACTOR,
        { id: source.connectionId, apiName: 'crm_na' },
        'medical',
      ),
    )
  await t.vault.records.create(SYSTEM_ACTOR, 'country__v', [
    { name__v: 'United States', abbreviation__v: 'US' },
  ])
  await t.vault.records.create(SYSTEM_ACTOR, 'product__v', [
    { name__v: 'Cholecap', external_id__v: 'PRD-T1' },
  ])
})

afterAll(async () => {
  await t.close()
})

describe('receiving a transferred inquiry in the Medical Vault', () => {
  it('B8: creates the Case and its Case Request with the CRM keys; a redelivery creates nothing', async () => {
    const first = await receive(inquiry('0MI000000000001'))
    expect(first.kind).toBe('created')
    const again = await receive(inquiry('0MI000000000001'))
    expect(again).toMatchObject({ kind: 'existing' })
    const cases = await rows('case__v', { crm_id__v: '0MI000000000001' })
    expect(cases).toHaveLength(1)
    expect(cases[0]).toMatchObject({
      crm_org__v: '4242',
      link__v: '4242_0MI000000000001',
      connection__sys: source.connectionId,
      channel__v: 'crm__v',
    })
    const requests = await rows('case_request__v', { crm_id__v: '0MI000000000001' })
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({
      case__v: cases[0]!.id,
      origin__v: 'crm__v',
      crm_org__v: '4242',
      question__v: 'Is Cholecap safe in pregnancy?',
      state__v: 'new_state__v',
    })
    const [product] = await rows('product__v', { external_id__v: 'PRD-T1' })
    expect(requests[0]!.product__v).toBe(product!.id)
  })

  it('B7, B6: builds the contact from the Account, matches it by Veeva ID next time, and records source data each time', async () => {
    await receive(inquiry('0MI000000000002'))
    const contacts = await rows('case_contact__v', { veeva_id__v: 'V-100' })
    expect(contacts).toHaveLength(1)
    expect(contacts[0]).toMatchObject({
      first_name__v: 'Meredith',
      specialty__v: 'Surgery',
      external_id__v: 'EXT-100',
    })
    const sourceData = await rows('case_contact_source_data__v', { case_contact__v: String(contacts[0]!.id) })
    expect(sourceData.length).toBeGreaterThanOrEqual(2)
    expect(sourceData.every((s) => s.data_source__v === 'account__v' && s.crm_org__v === '4242')).toBe(true)
  })

  it('B9: points the case at the matching Person Information, comparing emails without case', async () => {
    await receive(inquiry('0MI000000000003', { email__v: 'MEREDITH.GREY@example.org' }))
    const [contact] = await rows('case_contact__v', { veeva_id__v: 'V-100' })
    const infos = await rows('person_information__v', { case_contact__v: String(contact!.id) })
    expect(infos.filter((i) => i.type__v === 'email__v')).toHaveLength(1)
    const [c] = await rows('case__v', { crm_id__v: '0MI000000000003' })
    expect(c!.preferred_contact_information__v).toBe(infos[0]!.id)
    await receive(
      inquiry('0MI000000000004', {
        delivery_method__v: ['mail__v'],
        address_line_1__v: '1 Main Street',
        city__v: 'Seattle',
        postal_code__v: '98101',
      }),
    )
    const address = (await rows('person_information__v', { case_contact__v: String(contact!.id) })).find(
      (i) => i.type__v === 'address__v',
    )
    expect(address).toMatchObject({ address_line_1__v: '1 Main Street', city__v: 'Seattle' })
    const [mailCase] = await rows('case__v', { crm_id__v: '0MI000000000004' })
    expect(mailCase!.preferred_contact_information__v).toBe(address!.id)
  })

  it('B14: a contact with the same name but other keys is a new contact, never merged', async () => {
    await receive(
      inquiry('0MI000000000010', {
        account__v: '0AC000000000077',
        'account__vr.veeva_id__v': 'V-777',
        'account__vr.external_id__v': 'EXT-777',
      }),
    )
    const sameName = await rows('case_contact__v', { first_name__v: 'Meredith', last_name__v: 'Grey' })
    expect(new Set(sameName.map((c) => c.veeva_id__v))).toEqual(new Set(['V-100', 'V-777']))
    const [other] = await rows('case_contact__v', { veeva_id__v: 'V-777' })
    expect(other).toMatchObject({
      crm_org__v: '4242',
      crm_id__v: '0AC000000000077',
      link__v: '4242_0AC000000000077',
    })
  })

  it('B11: an unknown product fails the item with a reason and writes nothing', async () => {
    const casesBefore = (await rows('case__v')).length
    const outcome = await receive(
      inquiry('0MI000000000005', { 'product__vr.external_id__v': 'NOPE', 'product__vr.name__v': 'Nope' }),
    )
    expect(outcome).toMatchObject({ kind: 'failed' })
    expect(outcome.kind === 'failed' && outcome.reason).toContain('NOPE')
    expect((await rows('case__v')).length).toBe(casesBefore)
  })

  it('B7, B7a, B9, B14: a group received at once gives what receiving its inquiries one by one gives', async () => {
    const person = fc.record({
      account: fc.constantFrom('A1', 'A2', 'A3', null),
      veeva: fc.constantFrom('V1', 'V2', null),
      external: fc.constantFrom('E1', 'E2', null),
      first: fc.constantFrom('Ana', 'Ben'),
      method: fc.constantFrom('email__v', 'phone__v', 'mail__v'),
      email: fc.constantFrom('a@x.org', 'A@X.org', 'b@x.org'),
      phone: fc.constantFrom('+1 555 0100', '15550100', '555 0199'),
      street: fc.constantFrom('1 Main Street', '1 main st.', '2 Oak Road'),
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(person, { minLength: 1, maxLength: 8 }), async (people) => {
        run++
        /** The same people as inquiries of one mode: ids and keys of their own, so the modes never meet. */
        const inquiriesOf = (mode: string) =>
          people.map((p, i) =>
            inquiry(`${mode}${run}-${i}`, {
              account__v: p.account === null ? null : `${mode}${run}${p.account}`,
              'account__vr.veeva_id__v': p.veeva === null ? null : `${mode}${run}${p.veeva}`,
              'account__vr.external_id__v': p.external === null ? null : `${mode}${run}${p.external}`,
              'account__vr.first_name__v': p.first,
              delivery_method__v: [p.method],
              email__v: p.email,
              phone__v: p.phone,
              address_line_1__v: p.street,
              postal_code__v: '98101',
            }),
          )
        const oneByOne = inquiriesOf('S')
        for (const row of oneByOne) await receive(row)
        const together = inquiriesOf('G')
        await receiveAll(together)
        expect(await medicalSide(together)).toEqual(await medicalSide(oneByOne))
      }),
      { numRuns: 25 },
    )
  })

  it('B6: under the inquiry-only agreement no Account field is read', async () => {
    const db = t.vault.storage.db
    const ruleId = async (name: string) =>
      String(
        (
          await db
            .selectFrom('integration_rule__sys')
            .select('id')
            .where('integration_rule_api_name__sys', '=', name)
            .executeTakeFirstOrThrow()
        ).id,
      )
    await t.vault.records.update(SYSTEM_ACTOR, 'integration_rule__sys', [
      { id: await ruleId('do_not_pull_from_accounts_integration_rule__v'), status__v: 'active__v' },
      { id: await ruleId('account_integration_rule__v'), status__v: 'inactive__v' },
    ])
    await receive(
      inquiry('0MI000000000006', {
        first_name__v: 'Cristina',
        last_name__v: 'Yang',
        'account__vr.veeva_id__v': 'V-200',
      }),
    )
    const [c] = await rows('case__v', { crm_id__v: '0MI000000000006' })
    const [contact] = await rows('case_contact__v', { id: String(c!.case_contact__v) })
    expect(contact).toMatchObject({
      first_name__v: 'Cristina',
      last_name__v: 'Yang',
      veeva_id__v: null,
      specialty__v: null,
    })
    const [data] = await rows('case_contact_source_data__v', { crm_id__v: '0MI000000000006' })
    expect(data!.data_source__v).toBe('inquiry__v')
    expect(String(data!.source_payload__v)).not.toContain('V-200')
  })
})

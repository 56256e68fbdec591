import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../test/support/test-vault.js'
import { medicalProfile } from '../../apps/medical/index.js'
import { SYSTEM_ACTOR } from '../../platform/vault/index.js'
import { applyFieldRules, queryFieldsFor } from './apply-field-rules.js'
import { loadRuleSet } from './rule-set.js'
import { seedConnectionConfiguration } from './seed-connection-configuration.js'

let t: TestVault
let connectionId: string

beforeAll(async () => {
  t = await openTestVault(medicalProfile)
  const [created] = await t.vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
    {
      name__v: 'crm-na',
      api_name__sys: 'medical_crm__v_crm_na',
      connection_type__sys: 'vault_to_vault__sys',
    },
  ])
  connectionId = created!.id!
})

afterAll(async () => {
  await t.close()
})

describe('integration rules', () => {
  it('B4, B6: seeds the standard rules per connection once, with the data usage agreement defaults', async () => {
    const seed = () =>
      t.vault.storage.db
        .transaction()
        .execute((trx) =>
          seedConnectionConfiguration(
            trx,
            t.vault.records,
            SYSTEM_ACTOR,
            { id: connectionId, apiName: 'medical_crm__v_crm_na' },
            'medical',
          ),
        )
    await seed()
    await seed()
    const rules = await loadRuleSet(t.vault.storage.db, connectionId)
    expect(rules.rules.get('account_integration_rule__v')?.active).toBe(true)
    expect(rules.rules.get('only_accounts_with_inquiries_integration_rule__v')?.active).toBe(true)
    expect(rules.rules.get('do_not_pull_from_accounts_integration_rule__v')?.active).toBe(false)
    expect(rules.rules.get('medical_inquiries_integration_rule__v')?.active).toBe(true)
    expect(rules.rules.get('clm_content_metrics_integration_rule__v')?.active).toBe(true)
    const count = await t.vault.storage.db
      .selectFrom('integration_rule__sys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(5)
  })

  it('maps fields, looks up references and applies static defaults, reporting what has no mapping', async () => {
    const rules = await loadRuleSet(t.vault.storage.db, connectionId)
    const caseRule = rules.rules.get('medical_inquiries_integration_rule__v')!
    expect(queryFieldsFor(caseRule.fieldRules, 'medical_inquiry__v')).toEqual(
      expect.arrayContaining(['inquiry_text__v', 'country__v', 'product__vr.external_id__v']),
    )
    const applied = await applyFieldRules(
      caseRule.fieldRules,
      {
        inquiry_text__v: 'Dose in renal impairment?',
        country__v: ['us__v'],
        'product__vr.external_id__v': 'PRD-404',
      },
      rules,
      { crm_country_to_country__v: async (code) => (code === 'us__v' ? '0CY000000000001' : undefined) },
    )
    expect(applied.values.get('case__v')).toMatchObject({
      channel__v: 'crm__v',
      country__v: '0CY000000000001',
    })
    expect(applied.values.get('case_request__v')).toMatchObject({
      question__v: 'Dose in renal impairment?',
      origin__v: 'crm__v',
    })
    expect(applied.issues).toEqual([
      expect.objectContaining({ targetField: 'product__v', message: expect.stringContaining('PRD-404') }),
    ])
  })
})

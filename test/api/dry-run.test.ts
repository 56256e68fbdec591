import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { type ConnectedVaults, type ServedVault, startConnectedVaults } from '../support/connected-vaults.js'
import { expectEventually } from '../support/expect-eventually.js'
import { rowCounts } from '../support/row-counts.js'

let v: ConnectedVaults
let accountId: string
let inquiryId: string
let transferredId: string
let usId: string
type Json = Record<string, unknown>

/** Rows of every table a flow writes, and the audit trail: a dry run must change none of them. */
async function footprint(served: ServedVault, tables: readonly string[]): Promise<Record<string, number>> {
  return rowCounts(served.vault, [...tables, 'audit_trail', 'outbound_message', 'inbound_message'])
}

const MEDICAL_TABLES = [
  'case__v',
  'case_request__v',
  'case_contact__v',
  'case_contact_source_data__v',
  'person_information__v',
  'exception_message__sys',
  'exception_item__sys',
  'integration_point__sys',
]
const CRM_TABLES = ['medical_inquiry__v', 'account__v', 'exception_message__sys', 'integration_point__sys']

async function dryRun(
  served: ServedVault,
  connection: string,
  rule: string,
  sourceId: string | undefined,
  profile: 'admin__sys' | 'medical_information_agent__v' = 'admin__sys',
): Promise<Json> {
  return served.call(
    profile,
    'POST',
    `/services/connections/${connection}/rules/${rule}/dry_run`,
    new URLSearchParams(sourceId === undefined ? {} : { source_id: sourceId }),
  )
}

async function setMedicalRule(rule: string, active: boolean): Promise<void> {
  const row = await v.medical.vault.storage.db
    .selectFrom('integration_rule__sys')
    .select('id')
    .where('connection__sys', '=', v.onMedical.id)
    .where('integration_rule_api_name__sys', '=', rule)
    .executeTakeFirstOrThrow()
  const [result] = await v.medical.vault.records.update(SYSTEM_ACTOR, 'integration_rule__sys', [
    { id: row.id, status__v: active ? 'active__v' : 'inactive__v' },
  ])
  expect(result?.responseStatus).not.toBe('FAILURE')
}

beforeAll(async () => {
  v = await startConnectedVaults()
  const [account] = await v.crm.vault.records.create(SYSTEM_ACTOR, 'account__v', [
    {
      name__v: 'Dr. Rosalind Franklin',
      first_name__v: 'Rosalind',
      last_name__v: 'Franklin',
      credentials__v: 'PhD',
      specialty__v: 'Crystallography',
      veeva_id__v: 'V-RF-1',
    },
  ])
  accountId = account!.id!
  const [product] = await v.crm.vault.records.create(SYSTEM_ACTOR, 'product__v', [
    { name__v: 'Helixor', external_id__v: 'PRD-HX' },
  ])
  const [us] = await v.medical.vault.records.create(SYSTEM_ACTOR, 'country__v', [
    { name__v: 'United States', abbreviation__v: 'US' },
  ])
  usId = us!.id!
  const inquiry = {
    account__v: accountId,
    inquiry_text__v: 'What is the half-life of Helixor?',
    country__v: 'us__v',
    product__v: product!.id,
    delivery_method__v: 'email__v',
    email__v: 'rosalind@example.org',
  }
  const created = await v.crm.call('rep__v', 'POST', '/vobjects/medical_inquiry__v', [
    inquiry,
    { ...inquiry, product__v: null },
  ])
  const ids = (created.data as { data: { id: string } }[]).map((d) => d.data.id)
  inquiryId = ids[0]!
  transferredId = ids[1]!
  await v.crm.call(
    'rep__v',
    'POST',
    `/vobjects/medical_inquiry__v/${transferredId}/actions/transfer_to_medical__v`,
  )
  await expectEventually(
    async () => {
      const [row] = await v.crm.query(
        'admin__sys',
        `SELECT transfer_status__v FROM medical_inquiry__v WHERE id = '${transferredId}'`,
      )
      expect(row?.transfer_status__v).toEqual(['success__v'])
    },
    { timeoutMs: 15_000 },
  )
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('POST /services/connections/{api_name}/rules/{integration_rule}/dry_run', () => {
  it('shows what a Case and Case Request, and a Case Contact, would get from a CRM inquiry, and changes nothing in either vault', async () => {
    // Sessions first: creating the test users is audited.
    await v.medical.login('admin__sys')
    await v.crm.login('admin__sys')
    const medicalBefore = await footprint(v.medical, MEDICAL_TABLES)
    const crmBefore = await footprint(v.crm, CRM_TABLES)

    const caseRun = await dryRun(
      v.medical,
      v.onMedical.apiName,
      'medical_inquiries_integration_rule__v',
      inquiryId,
    )
    expect(caseRun.responseStatus, JSON.stringify(caseRun)).toBe('SUCCESS')
    const caseData = caseRun.data as Json
    expect(caseData.rule).toEqual({
      api_name: 'medical_inquiries_integration_rule__v',
      active: true,
      primary_query_object: 'medical_inquiry__v',
      connection: v.onMedical.apiName,
    })
    expect(caseData.source).toMatchObject({
      id: inquiryId,
      inquiry_text__v: 'What is the half-life of Helixor?',
    })
    expect(caseData.target).toEqual({
      case__v: { channel__v: 'crm__v', country__v: usId },
      case_request__v: { question__v: 'What is the half-life of Helixor?', origin__v: 'crm__v' },
    })
    // The Medical Vault has no such product: the flow would fail the transfer (B11); the dry run says why.
    expect(caseData.issues).toEqual([
      expect.objectContaining({
        target_object: 'case_request__v',
        target_field: 'product__v',
        message: expect.stringContaining('PRD-HX'),
      }),
    ])

    const contactRun = await dryRun(v.medical, v.onMedical.apiName, 'account_integration_rule__v', inquiryId)
    expect(contactRun.responseStatus, JSON.stringify(contactRun)).toBe('SUCCESS')
    expect((contactRun.data as Json).target).toEqual({
      case_contact__v: {
        first_name__v: 'Rosalind',
        last_name__v: 'Franklin',
        credentials__v: 'PhD',
        specialty__v: 'Crystallography',
        institution__v: null,
        veeva_id__v: 'V-RF-1',
        external_id__v: null,
      },
    })
    expect((contactRun.data as Json).issues).toEqual([])

    // The CRM side previews its own rule against a Case Request in Medical.
    const [request] = await v.medical.vault.storage.db
      .selectFrom('case_request__v')
      .select('id')
      .where('crm_id__v', '=', transferredId)
      .execute()
    const statusRun = await dryRun(
      v.crm,
      v.onCrm.apiName,
      'case_request_integration_rule__v',
      String(request!.id),
    )
    expect(statusRun.responseStatus, JSON.stringify(statusRun)).toBe('SUCCESS')
    expect((statusRun.data as Json).target).toMatchObject({
      medical_inquiry__v: {
        medical_inquiry_case_status__v: 'new__v',
        case_number__v: expect.stringMatching(/^CASE-/),
      },
    })

    expect(await footprint(v.medical, MEDICAL_TABLES)).toEqual(medicalBefore)
    expect(await footprint(v.crm, CRM_TABLES)).toEqual(crmBefore)
  })

  it('B6: under the inquiry-only agreement the dry run reads no Account field and says so', async () => {
    await setMedicalRule('do_not_pull_from_accounts_integration_rule__v', true)
    try {
      const run = await dryRun(v.medical, v.onMedical.apiName, 'account_integration_rule__v', inquiryId)
      expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
      const data = run.data as Json
      expect(Object.keys(data.source as Json).some((k) => k.startsWith('account__vr.'))).toBe(false)
      expect(data.target).toEqual({})
      expect(data.issues).toHaveLength(7)
      expect((data.issues as Json[])[0]?.message).toContain('do_not_pull_from_accounts_integration_rule__v')
      const inquiryOnly = await dryRun(
        v.medical,
        v.onMedical.apiName,
        'do_not_pull_from_accounts_integration_rule__v',
        inquiryId,
      )
      expect((inquiryOnly.data as Json).target).toEqual({
        case_contact__v: { first_name__v: null, last_name__v: null },
      })
    } finally {
      await setMedicalRule('do_not_pull_from_accounts_integration_rule__v', false)
    }
  })

  it('says so when the rule is inactive', async () => {
    await setMedicalRule('only_accounts_with_inquiries_integration_rule__v', false)
    try {
      const run = await dryRun(
        v.medical,
        v.onMedical.apiName,
        'only_accounts_with_inquiries_integration_rule__v',
        accountId,
      )
      expect(run.responseStatus, JSON.stringify(run)).toBe('SUCCESS')
      expect((run.data as Json).target).toMatchObject({ case_contact__v: { last_name__v: 'Franklin' } })
      expect((run.data as Json).issues).toEqual([
        expect.objectContaining({ target_field: null, message: expect.stringContaining('inactive') }),
      ])
    } finally {
      await setMedicalRule('only_accounts_with_inquiries_integration_rule__v', true)
    }
  })

  it('is for admins only, needs source_id, and names what is unknown', async () => {
    const agent = await dryRun(
      v.medical,
      v.onMedical.apiName,
      'medical_inquiries_integration_rule__v',
      inquiryId,
      'medical_information_agent__v',
    )
    expect(agent).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'INSUFFICIENT_ACCESS' }] })
    const missing = await dryRun(
      v.medical,
      v.onMedical.apiName,
      'medical_inquiries_integration_rule__v',
      undefined,
    )
    expect(missing).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'PARAMETER_REQUIRED' }] })
    const rule = await dryRun(v.medical, v.onMedical.apiName, 'no_such_rule__c', inquiryId)
    expect(rule).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'INVALID_DATA' }] })
    expect((rule.errors as Json[])[0]?.message).toContain('medical_inquiries_integration_rule__v')
    const record = await dryRun(
      v.medical,
      v.onMedical.apiName,
      'medical_inquiries_integration_rule__v',
      'V0M000000009999',
    )
    expect(record).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'INVALID_DATA' }] })
    const connection = await dryRun(
      v.medical,
      'no_such_connection',
      'medical_inquiries_integration_rule__v',
      inquiryId,
    )
    expect(connection).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'INVALID_DATA' }] })
    const bad = await dryRun(
      v.medical,
      v.onMedical.apiName,
      'medical_inquiries_integration_rule__v',
      "x' OR '1'='1",
    )
    expect(bad).toMatchObject({ responseStatus: 'FAILURE', errors: [{ type: 'INVALID_DATA' }] })
  })

  it('is documented in the OpenAPI document', async () => {
    const response = await fetch(`${v.medical.url}/api/openapi.json`)
    const doc = (await response.json()) as { paths: Record<string, Record<string, { summary?: string }>> }
    const path = doc.paths['/api/{version}/services/connections/{api_name}/rules/{integration_rule}/dry_run']
    expect(path?.post?.summary).toContain('Dry run')
  })
})

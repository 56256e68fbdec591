import type { Kysely, Transaction } from 'kysely'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { RecordActor, RecordResult, RecordService } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { applyFieldRules, type LookupResolver, type RuleSet } from '../../rules/index.js'
import { type ContactCandidate, matchCaseContact } from '../shared/case-contact-matching.js'
import { type DeliveryDetail, detailKey, personInformationTypeOf } from './contact-details.js'

/** The CRM side of a connection as the Medical Vault knows it. */
export interface InquirySource {
  readonly connectionId: string
  /** The CRM's vault id: `crm_org__v` on everything built from it (B14). */
  readonly crmOrg: string
}

export type ReceiveOutcome =
  | {
      readonly kind: 'created'
      readonly caseId: string
      readonly caseNumber: string
      readonly conflict?: string
    }
  | { readonly kind: 'existing'; readonly caseId: string; readonly caseNumber: string }
  | { readonly kind: 'failed'; readonly code: string; readonly reason: string }

function text(value: unknown): string | null {
  if (Array.isArray(value)) return value.length === 0 ? null : String(value[0])
  return value === null || value === undefined || value === '' ? null : String(value)
}

function must(result: RecordResult | undefined, what: string): string {
  if (result?.id === undefined)
    throw new LiaisonError(
      'FIELD_TYPE',
      `${what} could not be written: ${result?.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
    )
  return result.id
}

/** The VQL fields of `medical_inquiry__v` the flow reads besides those its field rules name. */
export const INQUIRY_BASE_FIELDS = [
  'id',
  'name__v',
  'account__v',
  'first_name__v',
  'last_name__v',
  'delivery_method__v',
  'address_line_1__v',
  'address_line_2__v',
  'city__v',
  'state_province__v',
  'postal_code__v',
  'country__v',
  'email__v',
  'phone__v',
  'fax__v',
  'product__vr.name__v',
  'account__vr.veeva_id__v',
  'account__vr.external_id__v',
] as const

/**
 * Builds the Medical side of one transferred inquiry inside the caller's transaction: the Case
 * Contact (matched or created, B7/B7a) with its source data, the preferred Person Information (B9),
 * then the Case and its Case Request (B8). A second delivery finds the existing Case Request by
 * `crm_org__v` + `crm_id__v` and creates nothing (B8, B24).
 */
export async function receiveInquiry(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  source: InquirySource,
  rules: RuleSet,
  inquiry: Readonly<Record<string, unknown>>,
  resolvers: Readonly<Record<string, LookupResolver>>,
  receivedAt: string,
): Promise<ReceiveOutcome> {
  const inquiryId = String(inquiry.id)
  const existing = await db
    .selectFrom('case_request__v')
    .innerJoin('case__v', 'case__v.id', 'case_request__v.case__v')
    .select(['case__v.id as case_id', 'case__v.name__v as case_number'])
    .where('case_request__v.crm_org__v', '=', source.crmOrg)
    .where('case_request__v.crm_id__v', '=', inquiryId)
    .executeTakeFirst()
  if (existing !== undefined)
    return { kind: 'existing', caseId: String(existing.case_id), caseNumber: String(existing.case_number) }

  const accountRule = rules.rules.get('account_integration_rule__v')
  const inquiryOnlyRule = rules.rules.get('do_not_pull_from_accounts_integration_rule__v')
  const caseRule = rules.rules.get('medical_inquiries_integration_rule__v')
  if (caseRule === undefined || !caseRule.active)
    return {
      kind: 'failed',
      code: 'OPERATION_NOT_ALLOWED',
      reason:
        'The Medical Vault does not accept inquiries from this CRM: medical_inquiries_integration_rule__v is inactive.',
    }
  // B6: the data usage agreement decides where HCP data comes from; inquiry-only never reads the Account.
  const fromAccount =
    inquiryOnlyRule?.active !== true && accountRule?.active === true && text(inquiry.account__v) !== null
  const contactRule = fromAccount ? accountRule : inquiryOnlyRule
  const contactApplied = contactRule
    ? await applyFieldRules(contactRule.fieldRules, inquiry, rules, resolvers)
    : {
        values: new Map([
          [
            'case_contact__v',
            { first_name__v: text(inquiry.first_name__v), last_name__v: text(inquiry.last_name__v) },
          ],
        ]),
        issues: [],
      }
  const caseApplied = await applyFieldRules(caseRule.fieldRules, inquiry, rules, resolvers)
  const issues = [...contactApplied.issues, ...caseApplied.issues]
  if (issues.length > 0)
    return { kind: 'failed', code: 'REFERENCE_NOT_FOUND', reason: issues.map((i) => i.message).join(' ') }

  const contactValues: Record<string, unknown> = { ...(contactApplied.values.get('case_contact__v') ?? {}) }
  if (!fromAccount) {
    // The inquiry-only agreement keeps no Account keys on the contact.
    delete contactValues.veeva_id__v
    delete contactValues.external_id__v
  }
  const crmAccountId = fromAccount ? text(inquiry.account__v) : null
  const veevaId = fromAccount ? text(contactValues.veeva_id__v) : null
  const externalId = fromAccount ? text(contactValues.external_id__v) : null
  const candidates = await candidatesFor(db, veevaId, externalId, source.crmOrg, crmAccountId)
  const { match, conflict } = matchCaseContact(
    { veevaId, externalId, crmOrg: source.crmOrg, crmId: crmAccountId },
    candidates,
  )
  const name = [text(contactValues.first_name__v), text(contactValues.last_name__v)]
    .filter((x) => x !== null)
    .join(' ')
  let contactId: string
  if (match.kind === 'matched') {
    contactId = match.id
    const update = { ...contactValues }
    // Keep the keys the contact was matched by; never overwrite another CRM's account keys.
    delete update.external_id__v
    const [result] = await records.updateIn(db, actor, 'case_contact__v', [{ id: contactId, values: update }])
    if (result?.responseStatus === 'FAILURE') must(result, 'The Case Contact')
  } else {
    const [created] = await records.createIn(db, actor, 'case_contact__v', [
      {
        ...contactValues,
        name__v: name === '' ? `Contact ${inquiryId}` : name,
        crm_org__v: source.crmOrg,
        crm_id__v: crmAccountId,
        link__v: crmAccountId === null ? null : `${source.crmOrg}_${crmAccountId}`,
      },
    ])
    contactId = must(created, 'The Case Contact')
  }
  await records.createIn(db, actor, 'case_contact_source_data__v', [
    {
      name__v: `${fromAccount ? 'Account' : 'Inquiry'} ${crmAccountId ?? inquiryId}`,
      case_contact__v: contactId,
      connection__sys: source.connectionId,
      crm_org__v: source.crmOrg,
      crm_id__v: crmAccountId ?? inquiryId,
      data_source__v: fromAccount ? 'account__v' : 'inquiry__v',
      source_payload__v: JSON.stringify(
        Object.fromEntries(
          Object.entries(inquiry).filter(([k]) => fromAccount || !k.startsWith('account__vr.')),
        ),
      ),
      received_date__v: receivedAt,
    },
  ])

  const preferred = await preferredContactInformation(db, records, actor, contactId, inquiry, resolvers)
  const caseValues = caseApplied.values.get('case__v') ?? {}
  const [createdCase] = await records.createIn(db, actor, 'case__v', [
    {
      ...caseValues,
      case_contact__v: contactId,
      preferred_contact_information__v: preferred,
      crm_org__v: source.crmOrg,
      crm_id__v: inquiryId,
      link__v: `${source.crmOrg}_${inquiryId}`,
      connection__sys: source.connectionId,
      received_date__v: receivedAt,
    },
  ])
  const caseId = must(createdCase, 'The Case')
  const [createdRequest] = await records.createIn(db, actor, 'case_request__v', [
    {
      ...(caseApplied.values.get('case_request__v') ?? {}),
      case__v: caseId,
      crm_org__v: source.crmOrg,
      crm_id__v: inquiryId,
      link__v: `${source.crmOrg}_${inquiryId}`,
      connection__sys: source.connectionId,
    },
  ])
  must(createdRequest, 'The Case Request')
  const row = await db
    .selectFrom('case__v')
    .select('name__v')
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow()
  return {
    kind: 'created',
    caseId,
    caseNumber: String(row.name__v),
    ...(conflict === undefined ? {} : { conflict }),
  }
}

async function candidatesFor(
  db: Kysely<VaultDb>,
  veevaId: string | null,
  externalId: string | null,
  crmOrg: string,
  crmId: string | null,
): Promise<ContactCandidate[]> {
  if (veevaId === null && externalId === null && crmId === null) return []
  const rows = await db
    .selectFrom('case_contact__v')
    .select(['id', 'veeva_id__v', 'external_id__v', 'crm_org__v', 'crm_id__v'])
    .where((eb) =>
      eb.or([
        ...(veevaId === null ? [] : [eb('veeva_id__v', '=', veevaId)]),
        ...(externalId === null ? [] : [eb('external_id__v', '=', externalId)]),
        ...(crmId === null ? [] : [eb.and([eb('crm_org__v', '=', crmOrg), eb('crm_id__v', '=', crmId)])]),
      ]),
    )
    .orderBy('created_date__v')
    .execute()
  return rows.map((r) => ({
    id: String(r.id),
    veeva_id__v: text(r.veeva_id__v),
    external_id__v: text(r.external_id__v),
    crm_org__v: text(r.crm_org__v),
    crm_id__v: text(r.crm_id__v),
  }))
}

/** B9: the inquiry's delivery detail matched to, or added as, one of the contact's Person Information. */
async function preferredContactInformation(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  contactId: string,
  inquiry: Readonly<Record<string, unknown>>,
  resolvers: Readonly<Record<string, LookupResolver>>,
): Promise<string | null> {
  const method = text(inquiry.delivery_method__v)
  const type = method === null ? undefined : personInformationTypeOf(method)
  if (type === undefined) return null
  const countryCode = text(inquiry.country__v)
  const country =
    type === 'address__v' && countryCode !== null
      ? ((await resolvers.crm_country_to_country__v?.(countryCode, inquiry)) ?? null)
      : null
  const detail: DeliveryDetail = {
    type,
    address_line_1__v: text(inquiry.address_line_1__v),
    address_line_2__v: text(inquiry.address_line_2__v),
    city__v: text(inquiry.city__v),
    state_province__v: text(inquiry.state_province__v),
    postal_code__v: text(inquiry.postal_code__v),
    country__v: country,
    email__v: text(inquiry.email__v),
    phone__v: text(inquiry.phone__v),
    fax__v: text(inquiry.fax__v),
  }
  const key = detailKey(detail)
  if (key === undefined) return null
  const existing = await db
    .selectFrom('person_information__v')
    .selectAll()
    .where('case_contact__v', '=', contactId)
    .execute()
  const same = existing.find(
    (row) =>
      detailKey({
        type: (text(row.type__v) ?? type) as DeliveryDetail['type'],
        address_line_1__v: text(row.address_line_1__v),
        postal_code__v: text(row.postal_code__v),
        country__v: text(row.country__v),
        email__v: text(row.email__v),
        phone__v: text(row.phone__v),
        fax__v: text(row.fax__v),
      }) === key,
  )
  if (same !== undefined) return String(same.id)
  const fields: Record<string, unknown> = {
    case_contact__v: contactId,
    type__v: type,
    primary__v: existing.length === 0,
  }
  if (type === 'address__v')
    Object.assign(fields, {
      address_line_1__v: detail.address_line_1__v,
      address_line_2__v: detail.address_line_2__v,
      city__v: detail.city__v,
      state_province__v: detail.state_province__v,
      postal_code__v: detail.postal_code__v,
      country__v: detail.country__v,
    })
  else fields[type] = detail[type]
  const [created] = await records.createIn(db, actor, 'person_information__v', [fields])
  return must(created, 'The Person Information')
}

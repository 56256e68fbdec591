import type { Transaction } from 'kysely'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { RecordActor, RecordResult, RecordService } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import {
  applyFieldRules,
  type CompiledFieldRule,
  type LookupResolver,
  type RuleSet,
} from '../../rules/index.js'
import type { ContactKeys } from '../shared/case-contact-matching.js'
import { ContactBook, type ContactRef, withContactIds } from './contact-book.js'
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

/** One inquiry of a group, with what its field rules made of it, before anything is written. */
interface PreparedInquiry {
  readonly id: string
  readonly inquiry: Readonly<Record<string, unknown>>
  readonly fromAccount: boolean
  readonly crmAccountId: string | null
  readonly contactValues: Record<string, unknown>
  readonly caseValues: Readonly<Record<string, unknown>>
  readonly requestValues: Readonly<Record<string, unknown>>
  contact?: ContactRef
  conflict?: string
  preferred?: string | null
}

/**
 * Builds the Medical side of transferred inquiries inside the caller's transaction: for each, the
 * Case Contact (matched or created, B7/B7a) with its source data, the preferred Person Information
 * (B9), then the Case and its Case Request (B8). An inquiry whose Case Request exists (by
 * `crm_org__v` + `crm_id__v`) creates nothing (B8, B24).
 *
 * The inquiries are matched in order against one in-memory view of the contacts (`ContactBook`),
 * so the result is the one of receiving them one by one, but each object is written with one call
 * for the whole group: a group costs a few statements per object instead of a few per inquiry.
 * A write the records module refuses throws, and nothing of the group should be kept: the caller
 * rolls back and receives the inquiries one at a time to find the one at fault.
 */
export async function receiveInquiries(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  source: InquirySource,
  rules: RuleSet,
  inquiries: readonly Readonly<Record<string, unknown>>[],
  resolvers: Readonly<Record<string, LookupResolver>>,
  receivedAt: string,
): Promise<Map<string, ReceiveOutcome>> {
  const outcomes = new Map<string, ReceiveOutcome>()
  const unique = [...new Map(inquiries.map((i) => [String(i.id), i])).values()]
  if (unique.length === 0) return outcomes
  const existing = await db
    .selectFrom('case_request__v')
    .innerJoin('case__v', 'case__v.id', 'case_request__v.case__v')
    .select([
      'case_request__v.crm_id__v as crm_id',
      'case__v.id as case_id',
      'case__v.name__v as case_number',
    ])
    .where('case_request__v.crm_org__v', '=', source.crmOrg)
    .where(
      'case_request__v.crm_id__v',
      'in',
      unique.map((i) => String(i.id)),
    )
    .execute()
  for (const row of existing)
    outcomes.set(String(row.crm_id), {
      kind: 'existing',
      caseId: String(row.case_id),
      caseNumber: String(row.case_number),
    })

  const caseRule = rules.rules.get('medical_inquiries_integration_rule__v')
  const prepared: PreparedInquiry[] = []
  for (const inquiry of unique) {
    const id = String(inquiry.id)
    if (outcomes.has(id)) continue
    if (caseRule === undefined || !caseRule.active) {
      outcomes.set(id, {
        kind: 'failed',
        code: 'OPERATION_NOT_ALLOWED',
        reason:
          'The Medical Vault does not accept inquiries from this CRM: medical_inquiries_integration_rule__v is inactive.',
      })
      continue
    }
    const ready = await prepareInquiry(inquiry, rules, caseRule.fieldRules, resolvers)
    if ('reason' in ready)
      outcomes.set(id, { kind: 'failed', code: 'REFERENCE_NOT_FOUND', reason: ready.reason })
    else prepared.push(ready)
  }
  if (prepared.length === 0) return outcomes

  const keysOf = (p: PreparedInquiry): ContactKeys => ({
    veevaId: p.fromAccount ? text(p.contactValues.veeva_id__v) : null,
    externalId: p.fromAccount ? text(p.contactValues.external_id__v) : null,
    crmOrg: source.crmOrg,
    crmId: p.crmAccountId,
  })
  const book = await ContactBook.load(db, prepared.map(keysOf))
  for (const p of prepared) {
    const { ref, conflict } = book.match(keysOf(p))
    if (conflict !== undefined) p.conflict = conflict
    if (ref !== undefined) {
      const update = { ...p.contactValues }
      // Keep the keys the contact was matched by; never overwrite another CRM's account keys.
      delete update.external_id__v
      book.update(ref, update)
      p.contact = ref
    } else {
      const name = [text(p.contactValues.first_name__v), text(p.contactValues.last_name__v)]
        .filter((x) => x !== null)
        .join(' ')
      p.contact = book.plan({
        ...p.contactValues,
        name__v: name === '' ? `Contact ${p.id}` : name,
        crm_org__v: source.crmOrg,
        crm_id__v: p.crmAccountId,
        link__v: p.crmAccountId === null ? null : `${source.crmOrg}_${p.crmAccountId}`,
      })
    }
  }

  const contactIds = new Map<ContactRef, string>()
  const plannedContacts = [...book.planned]
  const created = await records.createIn(
    db,
    actor,
    'case_contact__v',
    plannedContacts.map(([, values]) => values),
  )
  plannedContacts.forEach(([ref], i) => {
    contactIds.set(ref, must(created[i], 'The Case Contact'))
  })
  const updates = [...book.updates].map(([id, values]) => ({ id, values }))
  if (updates.length > 0)
    for (const result of await records.updateIn(db, actor, 'case_contact__v', updates))
      if (result.responseStatus === 'FAILURE') must(result, 'The Case Contact')
  const contactOf = (p: PreparedInquiry): string => contactIds.get(p.contact!) ?? p.contact!

  await records.createIn(
    db,
    actor,
    'case_contact_source_data__v',
    prepared.map((p) => ({
      name__v: `${p.fromAccount ? 'Account' : 'Inquiry'} ${p.crmAccountId ?? p.id}`,
      case_contact__v: contactOf(p),
      connection__sys: source.connectionId,
      crm_org__v: source.crmOrg,
      crm_id__v: p.crmAccountId ?? p.id,
      data_source__v: p.fromAccount ? 'account__v' : 'inquiry__v',
      source_payload__v: JSON.stringify(
        Object.fromEntries(
          Object.entries(p.inquiry).filter(([k]) => p.fromAccount || !k.startsWith('account__vr.')),
        ),
      ),
      received_date__v: receivedAt,
    })),
  )

  await choosePreferredContactInformation(db, records, actor, prepared, contactOf, resolvers)

  const cases = await records.createIn(
    db,
    actor,
    'case__v',
    prepared.map((p) => ({
      ...p.caseValues,
      case_contact__v: contactOf(p),
      preferred_contact_information__v: p.preferred ?? null,
      crm_org__v: source.crmOrg,
      crm_id__v: p.id,
      link__v: `${source.crmOrg}_${p.id}`,
      connection__sys: source.connectionId,
      received_date__v: receivedAt,
    })),
  )
  const caseIds = prepared.map((_, i) => must(cases[i], 'The Case'))
  const requests = await records.createIn(
    db,
    actor,
    'case_request__v',
    prepared.map((p, i) => ({
      ...p.requestValues,
      case__v: caseIds[i],
      crm_org__v: source.crmOrg,
      crm_id__v: p.id,
      link__v: `${source.crmOrg}_${p.id}`,
      connection__sys: source.connectionId,
    })),
  )
  for (const r of requests) must(r, 'The Case Request')
  const numbers = new Map(
    (await db.selectFrom('case__v').select(['id', 'name__v']).where('id', 'in', caseIds).execute()).map(
      (r) => [String(r.id), String(r.name__v)],
    ),
  )
  prepared.forEach((p, i) => {
    outcomes.set(p.id, {
      kind: 'created',
      caseId: caseIds[i]!,
      caseNumber: numbers.get(caseIds[i]!) ?? '',
      ...(p.conflict === undefined ? {} : { conflict: withContactIds(p.conflict, contactIds) }),
    })
  })
  return outcomes
}

/** Applies the contact and case field rules to one inquiry (B6); answers the issues if a value has no match. */
async function prepareInquiry(
  inquiry: Readonly<Record<string, unknown>>,
  rules: RuleSet,
  caseFieldRules: readonly CompiledFieldRule[],
  resolvers: Readonly<Record<string, LookupResolver>>,
): Promise<PreparedInquiry | { reason: string }> {
  const accountRule = rules.rules.get('account_integration_rule__v')
  const inquiryOnlyRule = rules.rules.get('do_not_pull_from_accounts_integration_rule__v')
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
  const caseApplied = await applyFieldRules(caseFieldRules, inquiry, rules, resolvers)
  const issues = [...contactApplied.issues, ...caseApplied.issues]
  if (issues.length > 0) return { reason: issues.map((i) => i.message).join(' ') }
  const contactValues: Record<string, unknown> = { ...(contactApplied.values.get('case_contact__v') ?? {}) }
  if (!fromAccount) {
    // The inquiry-only agreement keeps no Account keys on the contact.
    delete contactValues.veeva_id__v
    delete contactValues.external_id__v
  }
  return {
    id: String(inquiry.id),
    inquiry,
    fromAccount,
    crmAccountId: fromAccount ? text(inquiry.account__v) : null,
    contactValues,
    caseValues: caseApplied.values.get('case__v') ?? {},
    requestValues: caseApplied.values.get('case_request__v') ?? {},
  }
}

/**
 * B9: each inquiry's delivery detail matched to, or added as, one of its contact's Person
 * Information, in inquiry order, so a detail that an earlier inquiry of the group added is matched,
 * not added twice; sets `preferred` on each inquiry.
 */
async function choosePreferredContactInformation(
  db: Transaction<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  prepared: readonly PreparedInquiry[],
  contactOf: (p: PreparedInquiry) => string,
  resolvers: Readonly<Record<string, LookupResolver>>,
): Promise<void> {
  const contactIds = [...new Set(prepared.map(contactOf))]
  const stored = await db
    .selectFrom('person_information__v')
    .selectAll()
    .where('case_contact__v', 'in', contactIds)
    .execute()
  /** Per contact: each detail's key and its id, or its index among the new ones. */
  const known = new Map<string, { key: string | undefined; ref: string | number }[]>()
  for (const row of stored) {
    const list = known.get(String(row.case_contact__v)) ?? []
    list.push({ key: storedDetailKey(row), ref: String(row.id) })
    known.set(String(row.case_contact__v), list)
  }
  const added: Record<string, unknown>[] = []
  const refs = new Map<PreparedInquiry, string | number>()
  for (const p of prepared) {
    const detail = await deliveryDetailOf(p.inquiry, resolvers)
    const key = detail === undefined ? undefined : detailKey(detail)
    if (detail === undefined || key === undefined) {
      p.preferred = null
      continue
    }
    const contactId = contactOf(p)
    const list = known.get(contactId) ?? []
    const same = list.find((k) => k.key === key)
    if (same !== undefined) {
      refs.set(p, same.ref)
      continue
    }
    const fields: Record<string, unknown> = {
      case_contact__v: contactId,
      type__v: detail.type,
      primary__v: list.length === 0,
    }
    if (detail.type === 'address__v')
      Object.assign(fields, {
        address_line_1__v: detail.address_line_1__v,
        address_line_2__v: detail.address_line_2__v,
        city__v: detail.city__v,
        state_province__v: detail.state_province__v,
        postal_code__v: detail.postal_code__v,
        country__v: detail.country__v,
      })
    else fields[detail.type] = detail[detail.type]
    list.push({ key, ref: added.length })
    known.set(contactId, list)
    refs.set(p, added.length)
    added.push(fields)
  }
  const created = added.length === 0 ? [] : await records.createIn(db, actor, 'person_information__v', added)
  const ids = created.map((r) => must(r, 'The Person Information'))
  for (const [p, ref] of refs) p.preferred = typeof ref === 'number' ? ids[ref]! : ref
}

function storedDetailKey(row: Readonly<Record<string, unknown>>): string | undefined {
  const type = text(row.type__v)
  if (type === null) return undefined
  return detailKey({
    type: type as DeliveryDetail['type'],
    address_line_1__v: text(row.address_line_1__v),
    postal_code__v: text(row.postal_code__v),
    country__v: text(row.country__v),
    email__v: text(row.email__v),
    phone__v: text(row.phone__v),
    fax__v: text(row.fax__v),
  })
}

/** The inquiry's way to reach the person, as a Person Information detail; none for a method without one. */
async function deliveryDetailOf(
  inquiry: Readonly<Record<string, unknown>>,
  resolvers: Readonly<Record<string, LookupResolver>>,
): Promise<DeliveryDetail | undefined> {
  const method = text(inquiry.delivery_method__v)
  const type = method === null ? undefined : personInformationTypeOf(method)
  if (type === undefined) return undefined
  const countryCode = text(inquiry.country__v)
  const country =
    type === 'address__v' && countryCode !== null
      ? ((await resolvers.crm_country_to_country__v?.(countryCode, inquiry)) ?? null)
      : null
  return {
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
}

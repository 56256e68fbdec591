import type { Kysely } from 'kysely'
import type { VaultDb } from '../../../platform/storage/index.js'
import { type ContactCandidate, type ContactKeys, matchCaseContact } from '../shared/case-contact-matching.js'

/** A contact id, or the placeholder of a contact this group creates (`new-contact:{n}`). */
export type ContactRef = string

const PLANNED_PREFIX = 'new-contact:'

interface BookEntry {
  candidate: {
    id: ContactRef
    veeva_id__v: string | null
    external_id__v: string | null
    crm_org__v: string | null
    crm_id__v: string | null
  }
}

const KEY_FIELDS = ['veeva_id__v', 'external_id__v', 'crm_org__v', 'crm_id__v'] as const

function text(value: unknown): string | null {
  if (Array.isArray(value)) return value.length === 0 ? null : String(value[0])
  return value === null || value === undefined || value === '' ? null : String(value)
}

/**
 * The Case Contacts a group of transferred inquiries can match (B7, B7a), held in memory so a
 * group is matched as if its inquiries arrived one by one: the contacts the database holds for any
 * of the group's keys, in creation order, then the contacts the group itself plans, with the key
 * changes its earlier inquiries make. A contact the group creates is found by the next inquiry of
 * the same person exactly as a committed one would be.
 */
export class ContactBook {
  readonly #entries: BookEntry[] = []
  /** Values of contacts the group creates, by placeholder, in planning order. */
  readonly #planned = new Map<ContactRef, Record<string, unknown>>()
  /** Merged updates of stored contacts, by id, in first-update order. */
  readonly #updates = new Map<string, Record<string, unknown>>()

  /** Loads the stored contacts any of `keys` could match, with the same conditions one inquiry's look-up uses. */
  static async load(db: Kysely<VaultDb>, keys: readonly ContactKeys[]): Promise<ContactBook> {
    const book = new ContactBook()
    const veevaIds = [...new Set(keys.flatMap((k) => (k.veevaId === null ? [] : [k.veevaId])))]
    const externalIds = [...new Set(keys.flatMap((k) => (k.externalId === null ? [] : [k.externalId])))]
    const crmKeys = keys.filter((k) => k.crmId !== null)
    if (veevaIds.length === 0 && externalIds.length === 0 && crmKeys.length === 0) return book
    const rows = await db
      .selectFrom('case_contact__v')
      .select(['id', 'veeva_id__v', 'external_id__v', 'crm_org__v', 'crm_id__v'])
      .where((eb) =>
        eb.or([
          ...(veevaIds.length === 0 ? [] : [eb('veeva_id__v', 'in', veevaIds)]),
          ...(externalIds.length === 0 ? [] : [eb('external_id__v', 'in', externalIds)]),
          ...crmKeys.map((k) => eb.and([eb('crm_org__v', '=', k.crmOrg), eb('crm_id__v', '=', k.crmId)])),
        ]),
      )
      .orderBy('created_date__v')
      .orderBy('id')
      .execute()
    for (const r of rows)
      book.#entries.push({
        candidate: {
          id: String(r.id),
          veeva_id__v: text(r.veeva_id__v),
          external_id__v: text(r.external_id__v),
          crm_org__v: text(r.crm_org__v),
          crm_id__v: text(r.crm_id__v),
        },
      })
    return book
  }

  /** The candidates one inquiry's keys select, in the order a database look-up would answer them. */
  candidates(keys: ContactKeys): ContactCandidate[] {
    if (keys.veevaId === null && keys.externalId === null && keys.crmId === null) return []
    return this.#entries
      .map((e) => e.candidate)
      .filter(
        (c) =>
          (keys.veevaId !== null && c.veeva_id__v === keys.veevaId) ||
          (keys.externalId !== null && c.external_id__v === keys.externalId) ||
          (keys.crmId !== null && c.crm_org__v === keys.crmOrg && c.crm_id__v === keys.crmId),
      )
  }

  /** B7a matching against the book; answers the contact to use, and the conflict to report if any. */
  match(keys: ContactKeys): { ref: ContactRef | undefined; conflict?: string } {
    const { match, conflict } = matchCaseContact(keys, this.candidates(keys))
    return {
      ref: match.kind === 'matched' ? match.id : undefined,
      ...(conflict === undefined ? {} : { conflict }),
    }
  }

  /** Plans a new contact; later inquiries of the group match it by its keys. */
  plan(values: Record<string, unknown>): ContactRef {
    const ref = `${PLANNED_PREFIX}${this.#planned.size}`
    this.#planned.set(ref, { ...values })
    this.#entries.push({
      candidate: {
        id: ref,
        veeva_id__v: text(values.veeva_id__v),
        external_id__v: text(values.external_id__v),
        crm_org__v: text(values.crm_org__v),
        crm_id__v: text(values.crm_id__v),
      },
    })
    return ref
  }

  /** An update of a matched contact: merged into its plan, or into the one update of a stored contact. */
  update(ref: ContactRef, values: Record<string, unknown>): void {
    const planned = this.#planned.get(ref)
    if (planned !== undefined) Object.assign(planned, values)
    else this.#updates.set(ref, Object.assign(this.#updates.get(ref) ?? {}, values))
    const entry = this.#entries.find((e) => e.candidate.id === ref)
    if (entry !== undefined)
      for (const field of KEY_FIELDS) if (field in values) entry.candidate[field] = text(values[field])
  }

  get planned(): ReadonlyMap<ContactRef, Record<string, unknown>> {
    return this.#planned
  }

  get updates(): ReadonlyMap<string, Record<string, unknown>> {
    return this.#updates
  }
}

/** Replaces the placeholders of planned contacts in `message` by the ids they were created with. */
export function withContactIds(message: string, ids: ReadonlyMap<ContactRef, string>): string {
  return message.replace(/new-contact:\d+/g, (ref) => ids.get(ref) ?? ref)
}

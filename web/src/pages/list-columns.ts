import type { FieldMeta, ObjectMeta } from '../api/metadata'

/**
 * The columns a list shows first, per object, as Vault's default views do; any other object shows
 * its name, its first few fields a person fills in, its state and when it last changed.
 */
const PREFERRED: Record<string, readonly string[]> = {
  medical_inquiry__v: [
    'name__v',
    'account__v',
    'inquiry_text__v',
    'transfer_status__v',
    'case_number__v',
    'medical_inquiry_case_status__v',
    'modified_date__v',
  ],
  account__v: ['name__v', 'first_name__v', 'last_name__v', 'credentials__v', 'specialty__v', 'country__v'],
  case__v: ['name__v', 'case_contact__v', 'state__v', 'channel__v', 'country__v', 'received_date__v'],
  case_request__v: ['name__v', 'case__v', 'question__v', 'product__v', 'state__v', 'modified_date__v'],
  case_contact__v: ['name__v', 'first_name__v', 'last_name__v', 'institution__v', 'country__v'],
  exception_message__sys: [
    'name__v',
    'connection__sys',
    'error_type__sys',
    'error_message__sys',
    'state__v',
    'modified_date__v',
  ],
}

const COLUMNS_MAX = 7

export function listColumns(meta: ObjectMeta): FieldMeta[] {
  const byName = new Map(meta.fields.map((f) => [f.name, f]))
  const preferred = PREFERRED[meta.name]
  if (preferred !== undefined) return preferred.flatMap((n) => byName.get(n) ?? [])
  const name = byName.get('name__v')
  const filled = meta.fields.filter(
    (f) => !f.system_managed && f.name !== 'name__v' && f.type !== 'LongText' && f.multi_value !== true,
  )
  const tail = ['state__v', 'modified_date__v'].flatMap((n) => byName.get(n) ?? [])
  return [...(name === undefined ? [] : [name]), ...filled.slice(0, COLUMNS_MAX - 1 - tail.length), ...tail]
}

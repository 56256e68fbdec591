/**
 * How a delivery detail from CRM is compared with a contact's Person Information (B9): emails
 * case-insensitively, phone and fax numbers by their digits, addresses by normalised line 1,
 * postal code and country.
 */

export const PERSON_INFORMATION_TYPES = ['address__v', 'email__v', 'phone__v', 'fax__v'] as const
export type PersonInformationType = (typeof PERSON_INFORMATION_TYPES)[number]

export interface DeliveryDetail {
  readonly type: PersonInformationType
  readonly address_line_1__v?: string | null
  readonly address_line_2__v?: string | null
  readonly city__v?: string | null
  readonly state_province__v?: string | null
  readonly postal_code__v?: string | null
  /** The Medical country record id. */
  readonly country__v?: string | null
  readonly email__v?: string | null
  readonly phone__v?: string | null
  readonly fax__v?: string | null
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

export function phoneDigits(phone: string): string {
  return phone.replace(/\D+/g, '')
}

/** Line 1 without case, punctuation or repeated spaces; common street words shortened. */
export function normalizeAddressLine(line: string): string {
  return line
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[.,#]/g, ' ')
    .replace(/\bstreet\b/g, 'st')
    .replace(/\bavenue\b/g, 'ave')
    .replace(/\broad\b/g, 'rd')
    .replace(/\bsuite\b/g, 'ste')
    .replace(/\s+/g, ' ')
    .trim()
}

function postal(code: string | null | undefined): string {
  return (code ?? '').replace(/\s+/g, '').toUpperCase()
}

/** The key two details are compared by; equal keys are the same way to reach someone. */
export function detailKey(detail: DeliveryDetail): string | undefined {
  switch (detail.type) {
    case 'email__v':
      return detail.email__v ? `email:${normalizeEmail(detail.email__v)}` : undefined
    case 'phone__v':
      return detail.phone__v && phoneDigits(detail.phone__v) !== ''
        ? `phone:${phoneDigits(detail.phone__v)}`
        : undefined
    case 'fax__v':
      return detail.fax__v && phoneDigits(detail.fax__v) !== ''
        ? `fax:${phoneDigits(detail.fax__v)}`
        : undefined
    case 'address__v':
      return detail.address_line_1__v
        ? `address:${normalizeAddressLine(detail.address_line_1__v)}|${postal(detail.postal_code__v)}|${detail.country__v ?? ''}`
        : undefined
  }
}

/** The delivery method of an inquiry as a Person Information type (mail is an address). */
export function personInformationTypeOf(method: string): PersonInformationType | undefined {
  return ({ mail__v: 'address__v', email__v: 'email__v', phone__v: 'phone__v', fax__v: 'fax__v' } as const)[
    method as 'mail__v' | 'email__v' | 'phone__v' | 'fax__v'
  ]
}

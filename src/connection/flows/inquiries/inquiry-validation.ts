/** The inquiry fields the Transfer to Medical action checks (B5). */
export interface InquiryForTransfer {
  readonly account__v?: unknown
  readonly first_name__v?: unknown
  readonly last_name__v?: unknown
  readonly inquiry_text__v?: unknown
  readonly delivery_method__v?: unknown
  readonly address_line_1__v?: unknown
  readonly city__v?: unknown
  readonly postal_code__v?: unknown
  readonly country__v?: unknown
  readonly email__v?: unknown
  readonly phone__v?: unknown
  readonly fax__v?: unknown
}

function present(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0
  return value !== null && value !== undefined && String(value).trim() !== ''
}

const DETAIL_NEEDED: Readonly<Record<string, readonly (readonly [keyof InquiryForTransfer, string])[]>> = {
  mail__v: [
    ['address_line_1__v', 'address line 1'],
    ['city__v', 'city'],
    ['postal_code__v', 'postal code'],
    ['country__v', 'country'],
  ],
  email__v: [['email__v', 'email address']],
  phone__v: [['phone__v', 'phone number']],
  fax__v: [['fax__v', 'fax number']],
}

/**
 * What stops an inquiry from being transferred, in words a rep understands; empty when it may go.
 * An inquiry names its requester through an account or a first and last name, says what was asked,
 * and how and where the answer should be delivered.
 */
export function transferProblems(inquiry: InquiryForTransfer): string[] {
  const problems: string[] = []
  if (!present(inquiry.account__v) && !(present(inquiry.first_name__v) && present(inquiry.last_name__v)))
    problems.push('Choose an account, or enter the requester’s first and last name.')
  if (!present(inquiry.inquiry_text__v)) problems.push('Enter the inquiry text: what did the HCP ask?')
  const method = Array.isArray(inquiry.delivery_method__v)
    ? inquiry.delivery_method__v[0]
    : inquiry.delivery_method__v
  if (!present(method)) problems.push('Choose a delivery method (mail, email, phone or fax).')
  else {
    const needed = DETAIL_NEEDED[String(method)] ?? []
    const missing = needed.filter(([field]) => !present(inquiry[field])).map(([, label]) => label)
    if (missing.length > 0)
      problems.push(`Delivery by ${String(method).replace('__v', '')} needs the ${missing.join(', ')}.`)
  }
  return problems
}

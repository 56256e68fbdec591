// How the CRM's country codes (`us__v`, in country filters and Country fields) and the Medical
// Vault's Country records (abbreviation__v `US`) name the same country.

/** `abbreviation__v` of the country record whose content goes to every connection (B15, B16). */
export const GLOBAL_ABBREVIATION = 'GLOBAL'

/** `us__v` → `US`; undefined for a value that is not a lower-case alpha-2 code plus `__v`. */
export function abbreviationOfCode(code: string): string | undefined {
  const match = /^([a-z]{2})__v$/.exec(code)
  return match === null ? undefined : match[1]!.toUpperCase()
}

/** `US` → `us__v`; undefined for Global and anything that is not an alpha-2 abbreviation. */
export function codeOfAbbreviation(abbreviation: string): string | undefined {
  return /^[A-Z]{2}$/.test(abbreviation) ? `${abbreviation.toLowerCase()}__v` : undefined
}

import { LiaisonError } from '../errors/index.js'

/**
 * A VQL string literal that the lexer reads back as exactly `value`, and as one literal whatever it
 * holds: backslashes and quotes are escaped (`\\`, `\'`), so no value can end the literal and go on
 * as VQL. The one way a value goes into a query that Liaison writes (the connection's callbacks).
 * NUL has no VQL spelling (the lexer refuses it on every database): such a value is refused here.
 */
export function vqlString(value: string): string {
  if (value.includes('\u0000'))
    throw new LiaisonError(
      'QUERY_INVALID',
      `A value holding a NUL character cannot be put into a VQL query: ${JSON.stringify(value.slice(0, 80))}.`,
    )
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** `('a', 'b')`: values for `CONTAINS` or `IN`, each a `vqlString`. */
export function vqlStringList(values: readonly string[]): string {
  return `(${values.map(vqlString).join(', ')})`
}

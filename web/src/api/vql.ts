/**
 * VQL text the app writes. Values always go through vqlString, so no text a person types can end a
 * literal and go on as VQL (the same escapes as the server's lexer reads: `\\`, `\'`).
 */
export function vqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** A name is an API name the metadata gave (letters, digits, `_`, `.`): never free text. */
export function vqlName(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(name)) throw new Error(`Not an API name: ${name}`)
  return name
}

export interface ListQuery {
  readonly object: string
  readonly fields: readonly string[]
  readonly search?: string
  readonly where?: string
  readonly orderBy?: string
  readonly pageSize: number
  readonly page: number
}

/** A page of a list: the search as FIND (Vault's full-text search over the object's text fields). */
export function listQuery(q: ListQuery): string {
  const search = q.search?.trim()
  const find =
    search === undefined || search === '' ? '' : ` FIND (${vqlString(search.replace(/[()"]/g, ' '))})`
  const where = q.where === undefined ? '' : ` WHERE ${q.where}`
  return (
    `SELECT ${['id', ...q.fields.filter((f) => f !== 'id')].map(vqlName).join(', ')}` +
    ` FROM ${vqlName(q.object)}${find}${where}` +
    ` ORDER BY ${q.orderBy ?? 'modified_date__v DESC'}` +
    ` PAGESIZE ${q.pageSize} PAGEOFFSET ${q.page * q.pageSize}`
  )
}

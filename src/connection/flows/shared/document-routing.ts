/**
 * B16 routing as a pure rule, so that it can be stated once and tested on its own: a document
 * goes to each connection that has one of its countries among its Connection Countries, and a
 * document for Global goes to every connection.
 */

/** What routing needs to know about the connections a Medical Vault may send documents to. */
export interface RoutingTable {
  /** The id of the Global country record; undefined when the vault has none. */
  readonly globalCountryId: string | undefined
  /** Connections that may receive documents now, each with its active Connection Countries. */
  readonly connections: readonly { readonly id: string; readonly countries: ReadonlySet<string> }[]
}

/** The connection ids (in table order) that receive a document tagged with these countries. */
export function connectionsForDocument(countries: readonly string[], table: RoutingTable): string[] {
  if (table.globalCountryId !== undefined && countries.includes(table.globalCountryId))
    return table.connections.map((c) => c.id)
  return table.connections
    .filter((c) => countries.some((country) => c.countries.has(country)))
    .map((c) => c.id)
}

/** The country ids of a document version's fields (its `country__v`, a list of record ids). */
export function countriesOfFields(fields: Readonly<Record<string, unknown>>): string[] {
  const value = fields.country__v
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '')
  if (typeof value === 'string' && value !== '') return value.split(',')
  return []
}

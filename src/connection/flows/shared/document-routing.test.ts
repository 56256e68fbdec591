import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { connectionsForDocument, countriesOfFields, type RoutingTable } from './document-routing.js'

const GLOBAL = 'global'
const countryIds = fc.constantFrom('us', 'ca', 'fr', 'de', 'jp', GLOBAL)
const tables = fc.array(fc.uniqueArray(countryIds, { maxLength: 4 }), { maxLength: 6 }).map(
  (lists): RoutingTable => ({
    globalCountryId: GLOBAL,
    connections: lists.map((countries, i) => ({ id: `c${i}`, countries: new Set(countries) })),
  }),
)

describe('B16 routing', () => {
  it('B16: a document goes to exactly the connections that share one of its countries', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          countryIds.filter((c) => c !== GLOBAL),
          { maxLength: 4 },
        ),
        tables,
        (countries, table) => {
          const routed = new Set(connectionsForDocument(countries, table))
          for (const connection of table.connections)
            expect(routed.has(connection.id)).toBe(countries.some((c) => connection.countries.has(c)))
        },
      ),
    )
  })

  it('B16: a document for Global goes to every connection, whatever else it is tagged with', () => {
    fc.assert(
      fc.property(fc.uniqueArray(countryIds, { maxLength: 4 }), tables, (countries, table) => {
        const routed = connectionsForDocument([...countries, GLOBAL], table)
        expect(routed).toEqual(table.connections.map((c) => c.id))
      }),
    )
  })

  it('B16: a document without countries goes nowhere, and a connection is never named twice', () => {
    fc.assert(
      fc.property(fc.array(countryIds, { maxLength: 8 }), tables, (countries, table) => {
        const routed = connectionsForDocument(countries, table)
        expect(new Set(routed).size).toBe(routed.length)
        if (countries.length === 0) expect(routed).toEqual([])
      }),
    )
  })

  it('reads the countries of a version as a list or as comma-separated ids', () => {
    expect(countriesOfFields({ country__v: ['a', 'b'] })).toEqual(['a', 'b'])
    expect(countriesOfFields({ country__v: 'a,b' })).toEqual(['a', 'b'])
    expect(countriesOfFields({})).toEqual([])
  })
})

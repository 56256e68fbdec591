import type { Kysely } from 'kysely'
import type { VaultDb } from '../../../platform/storage/index.js'
import type { LookupResolver } from '../../rules/index.js'
import { GLOBAL_ABBREVIATION } from './country-codes.js'

/**
 * Lookups the Medical Vault resolves against its own data when no reference_lookup__sys entry
 * maps a value: a CRM country code (`us__v`) to the country whose abbreviation is `US` or whose
 * `country_cda__v` holds the code; a CRM product to the product with the same external id, else
 * the same name. A `countries` map given by the caller keeps each code's country for the work it
 * spans (one message of 500 inquiries asks for the same few codes; each look-up scans countries).
 */
export function medicalLookupResolvers(
  db: Kysely<VaultDb>,
  countries?: Map<string, string | undefined>,
): Readonly<Record<string, LookupResolver>> {
  return {
    async crm_country_to_country__v(code) {
      if (countries?.has(code) === true) return countries.get(code)
      const id = await countryOf(db, code)
      countries?.set(code, id)
      return id
    },
    async crm_product_to_product__v(externalId, source) {
      const byExternal = await db
        .selectFrom('product__v')
        .select('id')
        .where('external_id__v', '=', externalId)
        .executeTakeFirst()
      if (byExternal !== undefined) return String(byExternal.id)
      const name = source['product__vr.name__v']
      if (typeof name !== 'string' || name === '') return undefined
      const byName = await db
        .selectFrom('product__v')
        .select('id')
        .where('name__v', '=', name)
        .executeTakeFirst()
      return byName === undefined ? undefined : String(byName.id)
    },
  }
}

async function countryOf(db: Kysely<VaultDb>, code: string): Promise<string | undefined> {
  const abbreviation = code.replace(/__v$/, '').toUpperCase()
  const row = await db
    .selectFrom('country__v')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('abbreviation__v', '=', abbreviation),
        eb('country_cda__v', '=', code),
        eb('country_cda__v', 'like', `${code},%`),
        eb('country_cda__v', 'like', `%,${code}`),
        eb('country_cda__v', 'like', `%,${code},%`),
      ]),
    )
    .where('abbreviation__v', '!=', GLOBAL_ABBREVIATION)
    .orderBy('id')
    .executeTakeFirst()
  return row === undefined ? undefined : String(row.id)
}

import type { Kysely } from 'kysely'
import type { RemoteVault } from '../../../platform/messaging/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { vqlStringList } from '../../../platform/vql/index.js'
import type { LookupResolver } from '../../rules/index.js'
import { parseRecordIds } from '../flow-ports.js'
import { abbreviationOfCode, codeOfAbbreviation } from './country-codes.js'

function valuesOf(rows: readonly Record<string, unknown>[], field: string): string[] {
  const ids = new Set<string>()
  for (const row of rows) {
    const value = row[field]
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : []
    for (const id of parseRecordIds(list.map(String)).ids) ids.add(id)
  }
  return [...ids]
}

/**
 * Lookups the CRM resolves for Document Transfer when no reference_lookup__sys entry maps a value:
 * a Medical product to the CRM product with the same external id, else the same name; a Medical
 * country to its `country_cda__v` code (`US` → `us__v`; Global has none). The Medical records the
 * given documents (and the first looked-up one) name are read in one callback per lookup, on first use.
 */
export function crmDocumentLookups(
  db: Kysely<VaultDb>,
  remote: Pick<RemoteVault, 'query'>,
  documents: readonly Record<string, unknown>[],
): Readonly<Record<string, LookupResolver>> {
  let products: Promise<Map<string, string>> | undefined
  let countries: Promise<Map<string, string>> | undefined
  const productMap = async (source: Readonly<Record<string, unknown>>): Promise<Map<string, string>> => {
    const ids = valuesOf([...documents, source], 'product__v')
    const map = new Map<string, string>()
    if (ids.length === 0) return map
    const { data } = await remote.query(
      `SELECT id, external_id__v, name__v FROM product__v WHERE id CONTAINS ${vqlStringList(ids)}`,
    )
    const externalIds = data
      .map((r) => r.external_id__v)
      .filter((v): v is string => typeof v === 'string' && v !== '')
    const names = data.map((r) => r.name__v).filter((v): v is string => typeof v === 'string' && v !== '')
    const local = await db
      .selectFrom('product__v')
      .select(['id', 'external_id__v', 'name__v'])
      .where((eb) =>
        eb.or([
          ...(externalIds.length === 0 ? [] : [eb('external_id__v', 'in', externalIds)]),
          ...(names.length === 0 ? [] : [eb('name__v', 'in', names)]),
        ]),
      )
      .orderBy('id')
      .execute()
    for (const medical of data) {
      const byExternal = local.find(
        (p) =>
          medical.external_id__v != null &&
          medical.external_id__v !== '' &&
          p.external_id__v === medical.external_id__v,
      )
      const byName = local.find((p) => p.name__v === medical.name__v)
      const match = byExternal ?? byName
      if (match !== undefined) map.set(String(medical.id), String(match.id))
    }
    return map
  }
  const countryMap = async (source: Readonly<Record<string, unknown>>): Promise<Map<string, string>> => {
    const ids = valuesOf([...documents, source], 'country__v')
    const map = new Map<string, string>()
    if (ids.length === 0) return map
    const { data } = await remote.query(
      `SELECT id, abbreviation__v FROM country__v WHERE id CONTAINS ${vqlStringList(ids)}`,
    )
    for (const row of data) {
      const code = codeOfAbbreviation(String(row.abbreviation__v ?? ''))
      if (code !== undefined && abbreviationOfCode(code) !== undefined) map.set(String(row.id), code)
    }
    return map
  }
  return {
    async medical_product_to_product__v(id, source) {
      products ??= productMap(source)
      return (await products).get(id)
    },
    async medical_country_to_crm_country__v(id, source) {
      countries ??= countryMap(source)
      return (await countries).get(id)
    },
  }
}

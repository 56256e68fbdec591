import type { Kysely } from 'kysely'
import type { VaultDb } from '../../../platform/storage/index.js'
import {
  addSums,
  type ClmFigures,
  type ClmSums,
  figuresOf,
  levelOfObjectType,
  OBJECT_TYPE_OF_LEVEL,
  sumsOfFigures,
  ZERO_SUMS,
} from './clm-metric-sums.js'

/**
 * B21 for a content manager: "how is this presentation (or slide) doing", from the Medical Vault's
 * `clm_content_metrics__v` records of one document, added across CRMs (and countries) as sums, so
 * averages are weighted by what they average (never an average of averages).
 */

export const REPORT_GROUPINGS = ['none', 'crm', 'country'] as const
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number]

export interface ReportRow extends ClmFigures {
  /** With group_by=crm: the CRM's vault id and the connection. */
  readonly crm_org__v?: string | null
  readonly connection__sys?: string | null
  readonly connection_name?: string | null
  /** The CRM vault's name (`crm-na`), as the connection knows it. */
  readonly crm_name?: string | null
  /** With group_by=country: the country record, its name and abbreviation. */
  readonly country__v?: string | null
  readonly country_name?: string | null
  readonly country_abbreviation?: string | null
  /** How many CRMs the figures come from. */
  readonly crm_count: number
  /** The latest calculation among the records added. */
  readonly last_calculated__v: string | null
}

export interface ClmMetricsReport {
  readonly documentId: number
  /** `pres_level_metrics__v` or `slide_level_metrics__v`; undefined while no CRM sent figures. */
  readonly objectType: string | undefined
  readonly groupBy: ReportGrouping
  readonly rows: readonly ReportRow[]
}

interface Group {
  sums: ClmSums
  crms: Set<string>
  last: string | null
  key: Record<string, string | null>
}

/** The figures of one document's metrics, added over CRMs, per CRM or per country. */
export async function clmMetricsReport(
  db: Kysely<VaultDb>,
  documentId: number,
  groupBy: ReportGrouping,
): Promise<ClmMetricsReport> {
  const rows = await db
    .selectFrom('clm_content_metrics__v as m')
    .leftJoin('connection__sys as c', 'c.id', 'm.connection__sys')
    .leftJoin('country__v as k', 'k.id', 'm.country__v')
    .selectAll('m')
    .select([
      'c.name__v as connection_name',
      'c.remote_vault_name__sys as crm_name',
      'k.name__v as country_name',
      'k.abbreviation__v as country_abbreviation',
    ])
    .where('m.document__v', '=', documentId)
    .orderBy('m.id')
    .execute()
  // A document is a presentation or a slide; should both kinds exist, the presentation's come first.
  const types = [...new Set(rows.map((r) => String(r.object_type__v)))].sort((a, b) =>
    a === OBJECT_TYPE_OF_LEVEL.presentation ? -1 : b === OBJECT_TYPE_OF_LEVEL.presentation ? 1 : 0,
  )
  const objectType = types[0]
  const level = levelOfObjectType(objectType ?? '') ?? 'presentation'
  const groups = new Map<string, Group>()
  for (const row of rows) {
    if (String(row.object_type__v) !== objectType) continue
    const country = row.country__v === null || row.country__v === undefined ? null : String(row.country__v)
    // Country rows add up to the all-countries row; each grouping reads one of the two, never both.
    if ((groupBy === 'country') !== (country !== null)) continue
    const key: Record<string, string | null> =
      groupBy === 'crm'
        ? {
            crm_org__v: row.crm_org__v === null ? null : String(row.crm_org__v),
            connection__sys: String(row.connection__sys),
            connection_name: row.connection_name === null ? null : String(row.connection_name),
            crm_name: row.crm_name === null ? null : String(row.crm_name),
          }
        : groupBy === 'country'
          ? {
              country__v: country,
              country_name: row.country_name === null ? null : String(row.country_name),
              country_abbreviation:
                row.country_abbreviation === null ? null : String(row.country_abbreviation),
            }
          : {}
    const id = JSON.stringify(key)
    const group = groups.get(id) ?? { sums: ZERO_SUMS, crms: new Set<string>(), last: null, key }
    group.sums = addSums(group.sums, sumsOfFigures(level, row))
    group.crms.add(String(row.connection__sys))
    const calculated = row.last_calculated__v === null ? null : String(row.last_calculated__v)
    if (calculated !== null && (group.last === null || calculated > group.last)) group.last = calculated
    groups.set(id, group)
  }
  if (groupBy === 'none' && groups.size === 0)
    groups.set('{}', { sums: ZERO_SUMS, crms: new Set(), last: null, key: {} })
  const out = [...groups.values()].map(
    (g): ReportRow => ({
      ...g.key,
      ...figuresOf(level, g.sums),
      crm_count: g.crms.size,
      last_calculated__v: g.last,
    }),
  )
  const sortKey = (r: ReportRow) =>
    String(r.country_abbreviation ?? r.crm_name ?? r.connection_name ?? r.crm_org__v ?? '')
  out.sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
  return { documentId, objectType, groupBy, rows: out }
}

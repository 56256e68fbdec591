import { useQueries, useQuery } from '@tanstack/react-query'
import { useSession } from '../app/session'
import type { Json } from './client'

/**
 * B21's figures for a content manager, all from the Medical Vault's public report
 * (`GET /reports/clm_content_metrics`): a document's summary, its rows by CRM and by country, and
 * for a presentation each slide's summary in the binder's node order.
 */

export const PRESENTATION_TYPE = 'multichannel_presentation__v'
export const SLIDE_TYPE = 'multichannel_slide__v'

/** One row of the report, as the API answers it. */
export interface MetricsRow {
  readonly times_shown__v: number
  readonly total_duration_seconds__v: number
  readonly average_duration_seconds__v: number
  readonly custom_presentation_uses__v: number
  /** Null for presentations: only slides have a place in the order. */
  readonly average_view_order__v: number | null
  readonly reactions_positive__v: number
  readonly reactions_neutral__v: number
  readonly reactions_negative__v: number
  readonly previews__v: number
  readonly times_sent_as_link__v: number
  /** Clicks ÷ links sent, 0 to 1 (4 decimals). */
  readonly link_click_rate__v: number
  readonly crm_count: number
  readonly last_calculated__v: string | null
  readonly crm_org__v?: string | null
  readonly connection__sys?: string | null
  readonly connection_name?: string | null
  /** The CRM vault's name (`crm-na`). */
  readonly crm_name?: string | null
  readonly country__v?: string | null
  readonly country_name?: string | null
  readonly country_abbreviation?: string | null
}

export type Grouping = 'crm' | 'country'

/** A slide of a presentation with its figures, in node order. */
export interface SlideMetrics {
  readonly documentId: number
  readonly name: string
  readonly row: MetricsRow
}

/** Figures change as calls arrive: re-read every half minute while the tab is open. */
const METRICS_REFRESH_MS = 30_000

function reportPath(documentId: string | number, groupBy?: Grouping): string {
  const query = new URLSearchParams({ document_id: String(documentId) })
  if (groupBy !== undefined) query.set('group_by', groupBy)
  return `/reports/clm_content_metrics?${query}`
}

/** The report's rows for a document, for all CRMs and countries (one row) or by CRM or country. */
export function useMetricsReport(documentId: string, groupBy?: Grouping) {
  const { client } = useSession()
  return useQuery({
    queryKey: ['clm-metrics', documentId, groupBy ?? 'none'],
    refetchInterval: METRICS_REFRESH_MS,
    queryFn: async () =>
      ((await client.call('GET', reportPath(documentId, groupBy))).data ?? []) as MetricsRow[],
  })
}

interface BinderNode {
  readonly document_id__v: number
  readonly name__v: string | null
}

/** A presentation's slides (its binder's nodes, in order), each with its all-CRMs figures. */
export function useSlideMetrics(binderId: string, enabled: boolean) {
  const { client } = useSession()
  const binder = useQuery({
    queryKey: ['binder-nodes', binderId],
    enabled,
    queryFn: async () =>
      (((await client.call('GET', `/objects/binders/${encodeURIComponent(binderId)}`)).binder as Json)
        ?.nodes ?? []) as BinderNode[],
  })
  const nodes = binder.data ?? []
  const reports = useQueries({
    queries: nodes.map((node) => ({
      queryKey: ['clm-metrics', String(node.document_id__v), 'none'],
      refetchInterval: METRICS_REFRESH_MS,
      queryFn: async () =>
        ((await client.call('GET', reportPath(node.document_id__v))).data ?? []) as MetricsRow[],
    })),
  })
  const error = binder.error ?? reports.find((r) => r.error)?.error
  const ready = binder.data !== undefined && reports.every((r) => r.data !== undefined)
  const slides: SlideMetrics[] = ready
    ? nodes.map((node, i) => ({
        documentId: node.document_id__v,
        name: node.name__v ?? `Slide ${i + 1}`,
        row: reports[i]!.data![0] ?? ZERO_ROW,
      }))
    : []
  return { slides, ready, error }
}

/** What the report answers for a document no CRM has sent figures for. */
export const ZERO_ROW: MetricsRow = {
  times_shown__v: 0,
  total_duration_seconds__v: 0,
  average_duration_seconds__v: 0,
  custom_presentation_uses__v: 0,
  average_view_order__v: null,
  reactions_positive__v: 0,
  reactions_neutral__v: 0,
  reactions_negative__v: 0,
  previews__v: 0,
  times_sent_as_link__v: 0,
  link_click_rate__v: 0,
  crm_count: 0,
  last_calculated__v: null,
}

/** A rate of 0 to 1 as a person reads it: 0.3333 is "33.33 %" (the report's 4 decimals, exactly). */
export function formatRate(rate: number): string {
  return `${(Math.round(rate * 10_000) / 100).toFixed(2)} %`
}

/** The name of a group's row: the country (with its abbreviation) or the CRM (its vault name). */
export function groupLabel(row: MetricsRow, groupBy: Grouping): string {
  if (groupBy === 'country')
    return row.country_name === null || row.country_name === undefined
      ? String(row.country_abbreviation ?? row.country__v ?? '')
      : `${row.country_name}${row.country_abbreviation ? ` (${row.country_abbreviation})` : ''}`
  return String(row.crm_name ?? row.connection_name ?? row.crm_org__v ?? row.connection__sys ?? '')
}

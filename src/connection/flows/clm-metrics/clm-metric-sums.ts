/**
 * B21's arithmetic (spec/clm-and-email.md): the running sums a CRM keeps per presentation or slide
 * and country, and the nine statistics made from them. Everything is whole numbers until the last
 * division, which rounds half up, so the same rows give the same figures in any order and on any
 * database.
 */

/** Slide level sums `call2_key_message__v` rows of a key message; presentation level those of a presentation. */
export type MetricLevel = 'slide' | 'presentation'

export const METRIC_LEVELS: readonly MetricLevel[] = ['slide', 'presentation']

/** The `clm_content_metrics__v` object type of each level. */
export const OBJECT_TYPE_OF_LEVEL: Readonly<Record<MetricLevel, string>> = {
  slide: 'slide_level_metrics__v',
  presentation: 'pres_level_metrics__v',
}

/** The level of a `clm_content_metrics__v` object type, or undefined for any other value. */
export function levelOfObjectType(objectType: unknown): MetricLevel | undefined {
  return METRIC_LEVELS.find((level) => OBJECT_TYPE_OF_LEVEL[level] === objectType)
}

export interface ClmSums {
  /** Call key message rows. */
  readonly shown: number
  /** Distinct calls among the rows (presentation level). */
  readonly calls: number
  readonly duration: number
  readonly orderSum: number
  /** Rows with a display order. */
  readonly orderCount: number
  readonly customRows: number
  /** Distinct calls with a custom-presentation row (presentation level). */
  readonly customCalls: number
  readonly positive: number
  readonly neutral: number
  readonly negative: number
  readonly previews: number
  readonly linksSent: number
  readonly linksClicked: number
}

export const SUM_KEYS = [
  'shown',
  'calls',
  'duration',
  'orderSum',
  'orderCount',
  'customRows',
  'customCalls',
  'positive',
  'neutral',
  'negative',
  'previews',
  'linksSent',
  'linksClicked',
] as const satisfies readonly (keyof ClmSums)[]

export const ZERO_SUMS: ClmSums = Object.freeze({
  shown: 0,
  calls: 0,
  duration: 0,
  orderSum: 0,
  orderCount: 0,
  customRows: 0,
  customCalls: 0,
  positive: 0,
  neutral: 0,
  negative: 0,
  previews: 0,
  linksSent: 0,
  linksClicked: 0,
})

export function addSums(a: ClmSums, b: Partial<ClmSums>): ClmSums {
  const out: Record<string, number> = {}
  for (const key of SUM_KEYS) out[key] = a[key] + (b[key] ?? 0)
  return out as unknown as ClmSums
}

/** The statistics of one `clm_content_metrics__v` record, by field name. */
export interface ClmFigures {
  readonly times_shown__v: number
  readonly total_duration_seconds__v: number
  readonly average_duration_seconds__v: number
  readonly custom_presentation_uses__v: number
  readonly average_view_order__v: number | null
  readonly reactions_positive__v: number
  readonly reactions_neutral__v: number
  readonly reactions_negative__v: number
  readonly previews__v: number
  readonly times_sent_as_link__v: number
  readonly link_click_rate__v: number
}

export const FIGURE_FIELDS = [
  'times_shown__v',
  'total_duration_seconds__v',
  'average_duration_seconds__v',
  'custom_presentation_uses__v',
  'average_view_order__v',
  'reactions_positive__v',
  'reactions_neutral__v',
  'reactions_negative__v',
  'previews__v',
  'times_sent_as_link__v',
  'link_click_rate__v',
] as const satisfies readonly (keyof ClmFigures)[]

/**
 * `numerator ÷ denominator` to `decimals` places, half rounded up, 0 when the denominator is 0.
 * Integer arithmetic: 1 ÷ 8 is 0.13, never 0.12 from a binary 0.125 that is a hair low.
 */
export function roundedRatio(numerator: number, denominator: number, decimals: number): number {
  if (denominator === 0) return 0
  const scale = 10 ** decimals
  return Math.floor((2 * numerator * scale + denominator) / (2 * denominator)) / scale
}

/** The contract's figures of one level from its sums (spec/clm-and-email.md, the B21 table). */
export function figuresOf(level: MetricLevel, sums: ClmSums): ClmFigures {
  const shown = level === 'slide' ? sums.shown : sums.calls
  return {
    times_shown__v: shown,
    total_duration_seconds__v: sums.duration,
    average_duration_seconds__v: roundedRatio(sums.duration, shown, 2),
    custom_presentation_uses__v: level === 'slide' ? sums.customRows : sums.customCalls,
    average_view_order__v: level === 'slide' ? roundedRatio(sums.orderSum, sums.orderCount, 2) : null,
    reactions_positive__v: sums.positive,
    reactions_neutral__v: sums.neutral,
    reactions_negative__v: sums.negative,
    previews__v: sums.previews,
    times_sent_as_link__v: sums.linksSent,
    link_click_rate__v: roundedRatio(sums.linksClicked, sums.linksSent, 4),
  }
}

function count(value: unknown): number {
  const n = Number(value ?? 0)
  return Number.isFinite(n) ? n : 0
}

/**
 * The sums that figures stand for, to add the figures of several CRMs or countries (weighted, not
 * averages of averages). Counts and totals are exact; clicks come back exactly from a rate of 4
 * decimals over up to 10,000 links; the view-order sum is the average times the times shown.
 */
export function sumsOfFigures(level: MetricLevel, figures: Readonly<Record<string, unknown>>): ClmSums {
  const shown = count(figures.times_shown__v)
  const sent = count(figures.times_sent_as_link__v)
  return {
    ...ZERO_SUMS,
    shown,
    calls: level === 'presentation' ? shown : 0,
    duration: count(figures.total_duration_seconds__v),
    orderSum: level === 'slide' ? Math.round(count(figures.average_view_order__v) * shown) : 0,
    orderCount: level === 'slide' ? shown : 0,
    customRows: level === 'slide' ? count(figures.custom_presentation_uses__v) : 0,
    customCalls: level === 'presentation' ? count(figures.custom_presentation_uses__v) : 0,
    positive: count(figures.reactions_positive__v),
    neutral: count(figures.reactions_neutral__v),
    negative: count(figures.reactions_negative__v),
    previews: count(figures.previews__v),
    linksSent: sent,
    linksClicked: Math.round(count(figures.link_click_rate__v) * sent),
  }
}

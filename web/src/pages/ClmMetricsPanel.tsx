import type { EChartsCoreOption } from 'echarts/core'
import { type ReactNode, useId, useMemo, useState } from 'react'
import { Button } from 'react-aria-components'
import {
  formatRate,
  type Grouping,
  groupLabel,
  type MetricsRow,
  PRESENTATION_TYPE,
  type SlideMetrics,
  useMetricsReport,
  useSlideMetrics,
  ZERO_ROW,
} from '../api/clm-metrics'
import { formatDateTime } from '../api/values'
import { ErrorMessage } from '../app/ErrorMessage'
import { shownAndClickRateOption, slideDurationOption, slideReactionsOption } from '../charts/clm-charts'
import { EChart } from '../charts/EChart'

/** What a document with no figures yet says, in place of a chart or a table's rows. */
const NOT_SHOWN = 'Not shown in calls yet.'

/**
 * B21's dashboard for a content manager, on a presentation's (or slide's) document page: the
 * summary figures, then charts of the slides (presentation only) and of the countries and CRMs.
 * Every chart is an image named by its title with a table of the same figures beside it (visually
 * hidden until asked for), which is what screen readers and tests read.
 */
export function ClmMetricsPanel({ id, type }: { readonly id: string; readonly type: string }) {
  const isPresentation = type === PRESENTATION_TYPE
  const summary = useMetricsReport(id)
  const slides = useSlideMetrics(id, isPresentation)
  const row = summary.data?.[0] ?? ZERO_ROW
  return (
    <div className="clm-metrics">
      <ErrorMessage error={summary.error} />
      {summary.data === undefined && summary.error === null ? (
        <p className="loading">Loading…</p>
      ) : (
        <Summary row={row} isPresentation={isPresentation} />
      )}
      {isPresentation && (
        <>
          <ErrorMessage error={slides.error} />
          {slides.ready ? <SlideCharts slides={slides.slides} /> : <p className="loading">Loading slides…</p>}
        </>
      )}
      <GroupChart documentId={id} groupBy="country" />
      <GroupChart documentId={id} groupBy="crm" />
    </div>
  )
}

function Summary({ row, isPresentation }: { readonly row: MetricsRow; readonly isPresentation: boolean }) {
  const headingId = useId()
  const figures: [string, string][] = [
    ['Times shown in calls', String(row.times_shown__v)],
    ['Total duration (seconds)', String(row.total_duration_seconds__v)],
    ['Average duration (seconds)', String(row.average_duration_seconds__v)],
    ['Custom presentation uses', String(row.custom_presentation_uses__v)],
    ...(isPresentation
      ? []
      : [['Average view order', String(row.average_view_order__v ?? 0)] as [string, string]]),
    ['Positive reactions', String(row.reactions_positive__v)],
    ['Neutral reactions', String(row.reactions_neutral__v)],
    ['Negative reactions', String(row.reactions_negative__v)],
    ['Previews', String(row.previews__v)],
    ['Times sent as a link', String(row.times_sent_as_link__v)],
    ['Link click rate', formatRate(row.link_click_rate__v)],
    ['CRMs reporting', String(row.crm_count)],
    ['Last calculated', row.last_calculated__v === null ? 'Never' : formatDateTime(row.last_calculated__v)],
  ]
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>Summary</h2>
      {row.times_shown__v === 0 && <p className="status">{NOT_SHOWN}</p>}
      <dl className="record-fields">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  )
}

function SlideCharts({ slides }: { readonly slides: readonly SlideMetrics[] }) {
  const duration = useMemo(() => slideDurationOption(slides), [slides])
  const reactions = useMemo(() => slideReactionsOption(slides), [slides])
  // No slide shown yet: zeros in the tables, no empty axes.
  const empty = slides.every((s) => s.row.times_shown__v === 0)
  return (
    <>
      <ChartFigure
        title="Average slide duration"
        option={duration}
        empty={empty}
        head={['Slide', 'Times shown', 'Total duration (seconds)', 'Average duration (seconds)']}
        rows={slides.map((s) => [
          s.name,
          String(s.row.times_shown__v),
          String(s.row.total_duration_seconds__v),
          String(s.row.average_duration_seconds__v),
        ])}
      />
      <ChartFigure
        title="Reactions per slide"
        option={reactions}
        empty={empty}
        head={['Slide', 'Positive', 'Neutral', 'Negative']}
        rows={slides.map((s) => [
          s.name,
          String(s.row.reactions_positive__v),
          String(s.row.reactions_neutral__v),
          String(s.row.reactions_negative__v),
        ])}
      />
    </>
  )
}

const GROUP_TITLES: Readonly<Record<Grouping, { title: string; column: string }>> = {
  country: { title: 'Times shown and link click rate by country', column: 'Country' },
  crm: { title: 'Times shown and link click rate by CRM', column: 'CRM' },
}

function GroupChart({ documentId, groupBy }: { readonly documentId: string; readonly groupBy: Grouping }) {
  const report = useMetricsReport(documentId, groupBy)
  const groups = useMemo(
    () => (report.data ?? []).map((row) => ({ label: groupLabel(row, groupBy), row })),
    [report.data, groupBy],
  )
  const option = useMemo(() => shownAndClickRateOption(groups), [groups])
  const { title, column } = GROUP_TITLES[groupBy]
  if (report.error) return <ErrorMessage error={report.error} />
  if (report.data === undefined) return <p className="loading">Loading…</p>
  return (
    <ChartFigure
      title={title}
      option={option}
      // A group that showed nothing yet has no bar worth drawing.
      empty={groups.every((g) => g.row.times_shown__v === 0 && g.row.times_sent_as_link__v === 0)}
      head={[column, 'Times shown', 'Times sent as a link', 'Link click rate']}
      rows={groups.map((g) => [
        g.label,
        String(g.row.times_shown__v),
        String(g.row.times_sent_as_link__v),
        formatRate(g.row.link_click_rate__v),
      ])}
    />
  )
}

interface ChartFigureProps {
  readonly title: string
  readonly option: EChartsCoreOption
  readonly head: readonly string[]
  readonly rows: readonly (readonly string[])[]
  readonly empty?: boolean
}

/** A chart and its table: the same figures, the table hidden from sight until asked for. */
function ChartFigure({ title, option, head, rows, empty = false }: ChartFigureProps): ReactNode {
  const [showTable, setShowTable] = useState(false)
  const captionId = useId()
  const tableId = useId()
  return (
    <figure className="chart-figure" aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      {empty ? <p className="status">{NOT_SHOWN}</p> : <EChart option={option} label={title} />}
      <Button
        className="link-button"
        aria-expanded={showTable}
        aria-controls={tableId}
        aria-describedby={captionId}
        onPress={() => setShowTable(!showTable)}
      >
        {showTable ? 'Hide table' : 'Show table'}
      </Button>
      <table id={tableId} className={showTable ? 'figures' : 'figures visually-hidden'}>
        <caption>{title}</caption>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={head.length}>{NOT_SHOWN}</td>
            </tr>
          ) : (
            rows.map((cells, i) => (
              // Rows are the report's, in its order; a label may repeat (two CRMs of one name).
              // biome-ignore lint/suspicious/noArrayIndexKey: the row's place is its identity here
              <tr key={i}>
                <th scope="row">{cells[0]}</th>
                {cells.slice(1).map((cell, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a cell's column is its place
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </figure>
  )
}

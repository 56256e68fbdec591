import type { EChartsCoreOption } from 'echarts/core'
import type { MetricsRow, SlideMetrics } from '../api/clm-metrics'

/**
 * The ECharts options of the CLM Content Metrics dashboard: plain data (no ECharts import), so the
 * page builds them without loading ECharts, and the same numbers fill each chart's table.
 */

const INK = '#1b2430'
/** Colours told apart by people with the common colour-vision deficiencies, each ≥ 3:1 on white. */
const BLUE = '#0b5cad'
const ORANGE = '#b35900'
const GREEN = '#1d6b35'
const GREY = '#6b7280'
const RED = '#a4161a'

const TEXT = { color: INK, fontSize: 12 }

function base(categories: readonly string[]): EChartsCoreOption {
  return {
    animation: false,
    textStyle: TEXT,
    tooltip: { trigger: 'axis' },
    grid: { left: 24, right: 24, top: 48, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      data: [...categories],
      axisLabel: { ...TEXT, interval: 0, width: 150, overflow: 'break', lineHeight: 16 },
    },
  }
}

/** Average duration of each slide, in seconds, in the presentation's order. */
export function slideDurationOption(slides: readonly SlideMetrics[]): EChartsCoreOption {
  return {
    ...base(slides.map((s) => s.name)),
    yAxis: { type: 'value', name: 'Seconds', nameTextStyle: TEXT, axisLabel: TEXT, minInterval: 1 },
    series: [
      {
        name: 'Average duration (seconds)',
        type: 'bar',
        itemStyle: { color: BLUE },
        data: slides.map((s) => s.row.average_duration_seconds__v),
      },
    ],
  }
}

/** Reactions to each slide, positive, neutral and negative stacked. */
export function slideReactionsOption(slides: readonly SlideMetrics[]): EChartsCoreOption {
  const series = (name: string, color: string, pick: (row: MetricsRow) => number) => ({
    name,
    type: 'bar',
    stack: 'reactions',
    itemStyle: { color },
    data: slides.map((s) => pick(s.row)),
  })
  return {
    ...base(slides.map((s) => s.name)),
    legend: { top: 0, textStyle: TEXT },
    yAxis: { type: 'value', name: 'Reactions', nameTextStyle: TEXT, axisLabel: TEXT, minInterval: 1 },
    series: [
      series('Positive', GREEN, (r) => r.reactions_positive__v),
      series('Neutral', GREY, (r) => r.reactions_neutral__v),
      series('Negative', RED, (r) => r.reactions_negative__v),
    ],
  }
}

/** Times shown (bars, left axis) and link click rate in % (line, right axis) per country or CRM. */
export function shownAndClickRateOption(
  groups: readonly { readonly label: string; readonly row: MetricsRow }[],
): EChartsCoreOption {
  return {
    ...base(groups.map((g) => g.label)),
    legend: { top: 0, textStyle: TEXT },
    yAxis: [
      { type: 'value', name: 'Times shown', nameTextStyle: TEXT, axisLabel: TEXT, minInterval: 1 },
      {
        type: 'value',
        name: 'Click rate (%)',
        nameTextStyle: TEXT,
        axisLabel: TEXT,
        min: 0,
        max: 100,
        splitLine: { show: false },
      },
    ],
    series: [
      {
        name: 'Times shown',
        type: 'bar',
        itemStyle: { color: BLUE },
        data: groups.map((g) => g.row.times_shown__v),
      },
      {
        name: 'Link click rate (%)',
        type: 'line',
        yAxisIndex: 1,
        itemStyle: { color: ORANGE },
        lineStyle: { color: ORANGE },
        symbolSize: 8,
        data: groups.map((g) => Math.round(g.row.link_click_rate__v * 10_000) / 100),
      },
    ],
  }
}

import { describe, expect, it } from 'vitest'
import { formatRate, groupLabel, type MetricsRow, ZERO_ROW } from '../api/clm-metrics'
import { shownAndClickRateOption, slideDurationOption, slideReactionsOption } from './clm-charts'

const row = (figures: Partial<MetricsRow>): MetricsRow => ({ ...ZERO_ROW, ...figures })

describe('B21: the CLM Content Metrics charts and their tables', () => {
  it("shows the report's click rate (4 decimals) as a percentage, exactly", () => {
    expect(formatRate(0.3333)).toBe('33.33 %')
    expect(formatRate(0.0001)).toBe('0.01 %')
    expect(formatRate(1)).toBe('100.00 %')
    expect(formatRate(0)).toBe('0.00 %')
  })

  it('names a country with its abbreviation and a CRM by its connection', () => {
    expect(groupLabel(row({ country_name: 'Canada', country_abbreviation: 'CA' }), 'country')).toBe(
      'Canada (CA)',
    )
    expect(
      groupLabel(
        row({ crm_name: 'crm-na', connection_name: 'Medical-CRM connection', crm_org__v: 'V1' }),
        'crm',
      ),
    ).toBe('crm-na')
    expect(groupLabel(row({ connection_name: 'Medical-CRM connection', crm_org__v: 'V1' }), 'crm')).toBe(
      'Medical-CRM connection',
    )
    expect(groupLabel(row({ crm_org__v: 'V1' }), 'crm')).toBe('V1')
  })

  it("draws the slides in the presentation's order, reactions stacked, and the click rate in %", () => {
    const slides = [
      {
        documentId: 7,
        name: 'Second in id, first in order',
        row: row({ average_duration_seconds__v: 12.5 }),
      },
      { documentId: 3, name: 'Last', row: row({ reactions_positive__v: 2, reactions_negative__v: 1 }) },
    ]
    const duration = slideDurationOption(slides) as {
      xAxis: { data: string[] }
      series: { data: number[] }[]
    }
    expect(duration.xAxis.data).toEqual(['Second in id, first in order', 'Last'])
    expect(duration.series[0]!.data).toEqual([12.5, 0])
    const reactions = slideReactionsOption(slides) as {
      series: { name: string; stack: string; data: number[] }[]
    }
    expect(reactions.series.map((s) => [s.name, s.stack, s.data])).toEqual([
      ['Positive', 'reactions', [0, 2]],
      ['Neutral', 'reactions', [0, 0]],
      ['Negative', 'reactions', [0, 1]],
    ])
    const groups = shownAndClickRateOption([
      { label: 'United States (US)', row: row({ times_shown__v: 19, link_click_rate__v: 0.4 }) },
    ]) as { series: { data: number[] }[] }
    expect(groups.series.map((s) => s.data)).toEqual([[19], [40]])
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  addSums,
  type ClmSums,
  figuresOf,
  roundedRatio,
  sumsOfFigures,
  ZERO_SUMS,
} from './clm-metric-sums.js'

describe('B21: the figures of the contract table', () => {
  it('B21: rounds half up at the last division, whatever binary fractions would say', () => {
    expect(roundedRatio(1, 8, 2)).toBe(0.13)
    expect(roundedRatio(100, 3, 2)).toBe(33.33)
    expect(roundedRatio(2, 3, 2)).toBe(0.67)
    expect(roundedRatio(1, 3, 4)).toBe(0.3333)
    expect(roundedRatio(5, 0, 2)).toBe(0)
  })

  it('B21: a slide counts rows, a presentation distinct calls; empty inputs give zeros', () => {
    const sums: ClmSums = {
      ...ZERO_SUMS,
      shown: 3,
      calls: 2,
      duration: 95,
      orderSum: 4,
      orderCount: 3,
      customRows: 2,
      customCalls: 1,
      positive: 1,
      linksSent: 4,
      linksClicked: 1,
    }
    expect(figuresOf('slide', sums)).toMatchObject({
      times_shown__v: 3,
      average_duration_seconds__v: 31.67,
      custom_presentation_uses__v: 2,
      average_view_order__v: 1.33,
      link_click_rate__v: 0.25,
    })
    expect(figuresOf('presentation', sums)).toMatchObject({
      times_shown__v: 2,
      average_duration_seconds__v: 47.5,
      custom_presentation_uses__v: 1,
      average_view_order__v: null,
    })
    expect(figuresOf('slide', ZERO_SUMS)).toEqual({
      times_shown__v: 0,
      total_duration_seconds__v: 0,
      average_duration_seconds__v: 0,
      custom_presentation_uses__v: 0,
      average_view_order__v: 0,
      reactions_positive__v: 0,
      reactions_neutral__v: 0,
      reactions_negative__v: 0,
      previews__v: 0,
      times_sent_as_link__v: 0,
      link_click_rate__v: 0,
    })
  })

  it('B21: figures added across CRMs as sums equal the figures of the added activity (weighted, not averaged)', () => {
    const part = fc.record({
      shown: fc.nat(500),
      duration: fc.nat(100_000),
      customCalls: fc.nat(50),
      positive: fc.nat(100),
      previews: fc.nat(100),
      linksSent: fc.nat(5_000),
      clickShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
        const sums = parts.map(
          (p): ClmSums => ({
            ...ZERO_SUMS,
            shown: p.shown,
            calls: p.shown,
            duration: p.duration,
            customCalls: Math.min(p.customCalls, p.shown),
            positive: p.positive,
            previews: p.previews,
            linksSent: p.linksSent,
            linksClicked: Math.floor(p.clickShare * p.linksSent),
          }),
        )
        const direct = figuresOf('presentation', sums.reduce(addSums, ZERO_SUMS))
        const viaFigures = figuresOf(
          'presentation',
          sums
            .map((s) =>
              sumsOfFigures(
                'presentation',
                figuresOf('presentation', s) as unknown as Record<string, unknown>,
              ),
            )
            .reduce(addSums, ZERO_SUMS),
        )
        expect(viaFigures).toEqual(direct)
      }),
    )
  })
})

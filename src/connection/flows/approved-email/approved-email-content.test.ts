import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { publishedVersionOf, type SourceVersionState } from './approved-email-content.js'
import { routedCountryCodes } from './sync-approved-email.js'

const v = (major: number, minor: number, state: string): SourceVersionState => ({ major, minor, state })

describe('B19 Approved Email status', () => {
  it('B19: nothing is sent before a version is staged or approved', () => {
    expect(publishedVersionOf([v(0, 1, 'draft__v')])).toBeUndefined()
    expect(publishedVersionOf([v(0, 1, 'draft__v'), v(0, 2, 'in_review__v')])).toBeUndefined()
    expect(publishedVersionOf([])).toBeUndefined()
  })

  it('B19: staged while the latest version is staged, approved once approved, expired once obsolete', () => {
    expect(publishedVersionOf([v(0, 1, 'staged__v')])).toEqual({ major: 0, minor: 1, status: 'staged__v' })
    expect(publishedVersionOf([v(1, 0, 'approved__v')])).toEqual({
      major: 1,
      minor: 0,
      status: 'approved__v',
    })
    expect(publishedVersionOf([v(1, 0, 'obsolete__v')])).toEqual({ major: 1, minor: 0, status: 'expired__v' })
    expect(publishedVersionOf([v(1, 0, 'superseded__v'), v(2, 0, 'approved__v')])).toEqual({
      major: 2,
      minor: 0,
      status: 'approved__v',
    })
  })

  it('B19: a draft after an approval leaves the approved version in force; a staged version sent back to draft expires', () => {
    expect(publishedVersionOf([v(1, 0, 'approved__v'), v(1, 1, 'draft__v')])).toEqual({
      major: 1,
      minor: 0,
      status: 'approved__v',
    })
    expect(publishedVersionOf([v(0, 1, 'draft__v')].concat([v(0, 2, 'staged__v')]).reverse())).toEqual({
      major: 0,
      minor: 2,
      status: 'staged__v',
    })
    expect(publishedVersionOf([v(0, 1, 'staged__v'), v(0, 2, 'draft__v')])).toEqual({
      major: 0,
      minor: 1,
      status: 'expired__v',
    })
  })

  it('B19: the order versions are read in never changes the answer', () => {
    const states = fc.constantFrom(
      'draft__v',
      'in_review__v',
      'staged__v',
      'approved__v',
      'superseded__v',
      'obsolete__v',
    )
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.nat(3), fc.nat(3), states), { selector: ([a, b]) => `${a}.${b}` }),
        (rows) => {
          const versions = rows.map(([a, b, s]) => v(a, b, s))
          expect(publishedVersionOf([...versions].reverse())).toEqual(publishedVersionOf(versions))
        },
      ),
    )
  })
})

describe('B19 routed countries', () => {
  it("B19: an Approved Document's countries are the source's countries this CRM's filter covers", () => {
    expect(routedCountryCodes(['US', 'MX'], ['us__v', 'ca__v'])).toEqual(['us__v'])
    expect(routedCountryCodes(['US', 'CA'], ['us__v', 'ca__v'])).toEqual(['ca__v', 'us__v'])
  })

  it('B19: a Global source is routed for every country of the filter; without a filter, the source codes', () => {
    expect(routedCountryCodes(['GLOBAL'], ['us__v', 'ca__v'])).toEqual(['ca__v', 'us__v'])
    expect(routedCountryCodes(['US', 'GLOBAL'], [])).toEqual(['us__v'])
    expect(routedCountryCodes(['FR'], ['us__v'])).toEqual(['fr__v'])
  })
})

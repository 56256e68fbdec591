import { describe, expect, it } from 'vitest'
import { editDistance, nearestValues } from './nearest-values.js'

describe('nearestValues', () => {
  it('measures edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('same', 'same')).toBe(0)
  })

  it('puts the nearest names first, not the alphabetically first', () => {
    const channels = ['crm__v', 'phone__v', 'email__v', 'fax__v', 'mail__v', 'web__v', 'in_person__v']
    expect(nearestValues('emial__v', channels, 2)).toEqual(['email__v', 'mail__v'])
    expect(nearestValues('Phone', channels, 1)).toEqual(['phone__v'])
    expect(nearestValues('inperson', channels, 1)).toEqual(['in_person__v'])
  })
})

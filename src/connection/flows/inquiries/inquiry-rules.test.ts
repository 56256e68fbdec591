import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { detailKey } from './contact-details.js'
import { transferProblems } from './inquiry-validation.js'

describe('B9: delivery details compare as people expect', () => {
  it('emails case-insensitively and numbers by their digits', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(detailKey({ type: 'email__v', email__v: email.toUpperCase() })).toBe(
          detailKey({ type: 'email__v', email__v: ` ${email} ` }),
        )
      }),
    )
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{7,12}$/), fc.constantFrom(' ', '-', '.', ''), (digits, sep) => {
        const formatted = `+${digits.slice(0, 1)} (${digits.slice(1, 4)})${sep}${digits.slice(4)}`
        expect(detailKey({ type: 'phone__v', phone__v: formatted })).toBe(
          detailKey({ type: 'phone__v', phone__v: digits }),
        )
      }),
    )
  })

  it('addresses by normalised line 1, postal code and country', () => {
    const a = detailKey({
      type: 'address__v',
      address_line_1__v: '12 Main Street.',
      postal_code__v: 'sw1a 1aa',
      country__v: 'GB',
    })
    const b = detailKey({
      type: 'address__v',
      address_line_1__v: '12  main st',
      postal_code__v: 'SW1A1AA',
      country__v: 'GB',
    })
    const c = detailKey({
      type: 'address__v',
      address_line_1__v: '12 Main St',
      postal_code__v: 'SW1A1AA',
      country__v: 'US',
    })
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })
})

describe('B5: what Transfer to Medical checks', () => {
  const valid = {
    account__v: '0AC1',
    inquiry_text__v: 'Q?',
    delivery_method__v: ['email__v'],
    email__v: 'a@b.c',
  }

  it('accepts a complete inquiry and names every missing piece otherwise', () => {
    expect(transferProblems(valid)).toEqual([])
    expect(transferProblems({ ...valid, account__v: null, first_name__v: 'A', last_name__v: 'B' })).toEqual(
      [],
    )
    expect(transferProblems({ ...valid, account__v: null })).toHaveLength(1)
    expect(transferProblems({ ...valid, inquiry_text__v: '  ' })[0]).toContain('inquiry text')
    expect(transferProblems({ ...valid, email__v: null })[0]).toContain('email address')
    expect(transferProblems({ ...valid, delivery_method__v: ['mail__v'] })[0]).toContain('address line 1')
    expect(transferProblems({})).toHaveLength(3)
  })
})

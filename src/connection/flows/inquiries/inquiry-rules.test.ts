import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ContactCandidate, matchCaseContact } from './case-contact-matching.js'
import { detailKey } from './contact-details.js'
import { transferProblems } from './inquiry-validation.js'

const id = fc.stringMatching(/^[A-Z0-9]{1,6}$/)
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null })
const candidate = fc.record({
  id: fc.uuid(),
  veeva_id__v: maybe(id),
  external_id__v: maybe(id),
  crm_org__v: maybe(fc.constantFrom('1001', '1002')),
  crm_id__v: maybe(id),
})

describe('B7a: Case Contact match order', () => {
  it('matches by Veeva ID first, then External ID, then CRM account; creates only when nothing matches', () => {
    fc.assert(
      fc.property(
        fc.array(candidate, { maxLength: 8 }),
        maybe(id),
        maybe(id),
        maybe(id),
        (candidates: ContactCandidate[], veevaId, externalId, crmId) => {
          const keys = { veevaId, externalId, crmOrg: '1001', crmId }
          const { match } = matchCaseContact(keys, candidates)
          const veeva = candidates.find((c) => veevaId !== null && c.veeva_id__v === veevaId)
          const external = candidates.find((c) => externalId !== null && c.external_id__v === externalId)
          const crm = candidates.find(
            (c) => crmId !== null && c.crm_org__v === '1001' && c.crm_id__v === crmId,
          )
          const expected = veeva ?? external ?? crm
          if (expected === undefined) expect(match).toEqual({ kind: 'new' })
          else expect(match).toMatchObject({ kind: 'matched', id: expected.id })
        },
      ),
    )
  })

  it('reports candidates that match different keys instead of merging them', () => {
    const result = matchCaseContact({ veevaId: 'V1', externalId: 'E1', crmOrg: '1001', crmId: null }, [
      { id: 'a', veeva_id__v: 'V1', external_id__v: null, crm_org__v: null, crm_id__v: null },
      { id: 'b', veeva_id__v: null, external_id__v: 'E1', crm_org__v: null, crm_id__v: null },
    ])
    expect(result.match).toEqual({ kind: 'matched', id: 'a', by: 'veeva_id__v' })
    expect(result.conflict).toContain('b matched by external_id__v')
  })
})

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

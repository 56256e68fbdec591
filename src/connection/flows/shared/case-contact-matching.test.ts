import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type ContactCandidate, matchCaseContact } from './case-contact-matching.js'

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

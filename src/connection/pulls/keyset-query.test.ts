import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseVql, vqlString } from '../../platform/vql/index.js'
import { keysetQuery, positionOf } from './keyset-query.js'

const read = {
  object: 'case_request__v',
  fields: ['crm_id__v', 'id'],
  filter: ["crm_org__v = '1001'", 'id IN (SELECT id FROM medical_inquiries__vr)'],
  keys: ['modified_date__v', 'id'] as const,
}

/** Every string literal of a parsed statement, in source order. */
function stringsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(stringsOf)
  if (typeof node !== 'object' || node === null) return []
  const record = node as Record<string, unknown>
  if (record.kind === 'string') return [String(record.value)]
  return Object.values(record).flatMap(stringsOf)
}

describe('keysetQuery: one page of a keyset read', () => {
  it('asks for the first page in key order, then for the rows strictly after the last one read', () => {
    expect(keysetQuery(read, 500)).toBe(
      "SELECT id, modified_date__v, crm_id__v FROM case_request__v WHERE (crm_org__v = '1001') AND (id IN (SELECT id FROM medical_inquiries__vr)) ORDER BY modified_date__v ASC, id ASC MAXROWS 500",
    )
    expect(keysetQuery(read, 2, ['2024-05-01T10:00:00.000Z', 'V0A1'])).toBe(
      "SELECT id, modified_date__v, crm_id__v FROM case_request__v WHERE (crm_org__v = '1001') AND (id IN (SELECT id FROM medical_inquiries__vr)) AND (modified_date__v > '2024-05-01T10:00:00.000Z' OR (modified_date__v = '2024-05-01T10:00:00.000Z' AND id > 'V0A1')) ORDER BY modified_date__v ASC, id ASC MAXROWS 2",
    )
    expect(keysetQuery({ object: 'connection_settings__v', fields: [] }, 3, ['V1'])).toBe(
      "SELECT id FROM connection_settings__v WHERE (id > 'V1') ORDER BY id ASC MAXROWS 3",
    )
  })

  it('quotes any keyset value so that VQL reads it back unchanged', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
        fc.string().filter((s) => !s.includes('\u0000')),
        (modified, id) => {
          const statement = parseVql(keysetQuery(read, 10, [modified, id]))
          expect(stringsOf(statement).slice(-3)).toEqual([modified, modified, id])
          expect(stringsOf(parseVql(`SELECT id FROM x__v WHERE name__v = ${vqlString(id)}`))).toEqual([id])
        },
      ),
    )
  })

  it('refuses a row without a key value, since the next page could not start after it', () => {
    expect(positionOf({ id: 'V1', modified_date__v: '2024-05-01T10:00:00.000Z' }, read)).toEqual([
      '2024-05-01T10:00:00.000Z',
      'V1',
    ])
    expect(() => positionOf({ id: 'V1', modified_date__v: null }, read)).toThrow(
      /no single value for modified_date__v/,
    )
  })
})

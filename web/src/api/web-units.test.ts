import { describe, expect, it } from 'vitest'
import { matchRoute } from '../app/router'
import type { FieldMeta, ObjectMeta } from './metadata'
import { changedValues, displayValue, fromDraft, toDraft } from './values'
import { listQuery, vqlString } from './vql'

const field = (name: string, type: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  name,
  label: name,
  type,
  required: false,
  editable: true,
  system_managed: false,
  ...extra,
})

describe('the VQL the app writes', () => {
  it('quotes every typed value so it cannot end the literal', () => {
    expect(vqlString("O'Brien \\ ' OR 1=1")).toBe("'O\\'Brien \\\\ \\' OR 1=1'")
  })

  it('pages a list and searches it with FIND', () => {
    expect(
      listQuery({ object: 'account__v', fields: ['name__v'], search: "Grey's", pageSize: 25, page: 2 }),
    ).toBe(
      "SELECT id, name__v FROM account__v FIND ('Grey\\'s') ORDER BY modified_date__v DESC PAGESIZE 25 PAGEOFFSET 50",
    )
    expect(() => listQuery({ object: 'x; DROP', fields: [], pageSize: 1, page: 0 })).toThrow()
  })
})

describe('the routes under /ui', () => {
  it('reads each deep link of the contract', () => {
    expect(matchRoute('/')).toEqual({ page: 'home' })
    expect(matchRoute('/ui/objects/case__v')).toEqual({ page: 'objects', object: 'case__v' })
    expect(matchRoute('/ui/objects/case__v/new')).toEqual({ page: 'new', object: 'case__v' })
    expect(matchRoute('/ui/objects/case__v/0CS1')).toEqual({ page: 'record', object: 'case__v', id: '0CS1' })
    expect(matchRoute('/ui/trace/case__v/0CS1')).toEqual({ page: 'trace', object: 'case__v', id: '0CS1' })
    expect(matchRoute('/ui/documents/12')).toEqual({ page: 'document', id: '12', tab: 'details' })
    expect(matchRoute('/ui/documents/12?tab=metrics')).toEqual({ page: 'document', id: '12', tab: 'metrics' })
    expect(matchRoute('/ui/nothing/here/at/all').page).toBe('not-found')
  })
})

describe("a field's value, shown and edited", () => {
  const meta: ObjectMeta = { name: 'x__v', label: 'X', prefix: 'X', fields: [] }
  const picklists = new Map([['method__v', [{ name: 'email__v', label: 'Email' }]]])

  it('shows picklist labels, reference names and Yes/No', () => {
    const method = field('delivery_method__v', 'Picklist', { picklist: 'method__v' })
    expect(displayValue(method, { delivery_method__v: ['email__v'] }, meta, picklists)).toBe('Email')
    const account = field('account__v', 'Object', { relationship_name: 'account__vr' })
    expect(
      displayValue(account, { account__v: '0AC1', 'account__vr.name__v': 'Dr Grey' }, meta, picklists),
    ).toBe('Dr Grey')
    expect(displayValue(field('b__v', 'Boolean'), { b__v: false }, meta, picklists)).toBe('No')
  })

  it('sends only what changed, picklists as arrays, emptied fields as null', () => {
    const fields = [field('a__v', 'String'), field('p__v', 'Picklist'), field('n__v', 'Number')]
    const initial = { a__v: toDraft(fields[0]!, 'same'), p__v: toDraft(fields[1]!, ['x__v']), n__v: '3' }
    expect(changedValues(fields, initial, { ...initial, p__v: 'y__v', n__v: '' }, false)).toEqual({
      p__v: ['y__v'],
      n__v: null,
    })
    expect(fromDraft(field('n__v', 'Number'), '4.5')).toBe(4.5)
  })
})

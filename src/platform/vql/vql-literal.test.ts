import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { tokenize } from './lexer.js'
import { vqlString, vqlStringList } from './vql-literal.js'

const withoutNul = fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000'))

describe('vqlString', () => {
  it('reads back through the lexer as one string literal holding exactly the value', () => {
    fc.assert(
      fc.property(withoutNul, (value) => {
        const tokens = tokenize(vqlString(value))
        expect(tokens.map((t) => t.kind)).toEqual(['string', 'eof'])
        expect(tokens[0]!.text).toBe(value)
      }),
    )
  })

  it('keeps a value that looks like VQL inside its literal', () => {
    for (const value of ["1' OR id != '", "\\' OR 1=1 --", "a\\'b''c", '\\', "'", "''"]) {
      const tokens = tokenize(`id = ${vqlString(value)} AND x = 1`)
      expect(tokens.map((t) => t.kind)).toEqual([
        'word',
        'operator',
        'string',
        'word',
        'word',
        'operator',
        'number',
        'eof',
      ])
      expect(tokens[2]!.text).toBe(value)
    }
  })

  it('lists values as literals and refuses a NUL, which VQL cannot spell', () => {
    fc.assert(
      fc.property(fc.array(withoutNul, { minLength: 1, maxLength: 5 }), (values) => {
        const strings = tokenize(vqlStringList(values)).filter((t) => t.kind === 'string')
        expect(strings.map((t) => t.text)).toEqual(values)
      }),
    )
    expect(() => vqlString('a\u0000b')).toThrow(/NUL/)
  })
})

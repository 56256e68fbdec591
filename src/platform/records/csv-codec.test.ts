import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLiaisonError } from '../errors/index.js'
import { csvRecords, formatCsv, parseCsv } from './csv-codec.js'

function parseError(text: string): { code: string; message: string; line: unknown } {
  try {
    parseCsv(text)
  } catch (error) {
    if (isLiaisonError(error)) return { code: error.code, message: error.message, line: error.details?.line }
    throw error
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`)
}

describe('parseCsv', () => {
  it('reads a header and rows', () => {
    expect(parseCsv('name__v,country__v\nAspirin,us__v\nIbuprofen,gb__v\n')).toEqual({
      header: ['name__v', 'country__v'],
      rows: [
        ['Aspirin', 'us__v'],
        ['Ibuprofen', 'gb__v'],
      ],
    })
  })

  it('accepts CRLF, LF and CR line ends, and a last line without one', () => {
    const expected = { header: ['a', 'b'], rows: [['1', '2']] }
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual(expected)
    expect(parseCsv('a,b\n1,2')).toEqual(expected)
    expect(parseCsv('a,b\r1,2\r')).toEqual(expected)
    expect(parseCsv('a,b\r\n1,2\n\n\r\n')).toEqual(expected)
  })

  it('skips a UTF-8 byte order mark', () => {
    expect(parseCsv('\uFEFFname__v\nx')).toEqual({ header: ['name__v'], rows: [['x']] })
  })

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","line 1\r\nline 2\nline 3"\r\n"",plain,"\u00e9\u{1F600}"\r\n'
    expect(parseCsv(text).rows).toEqual([
      ['x, y', 'say "hi"', 'line 1\r\nline 2\nline 3'],
      ['', 'plain', '\u00e9\u{1F600}'],
    ])
  })

  it('keeps empty values and spaces as they are', () => {
    expect(parseCsv('a,b,c\n,, x \n').rows).toEqual([['', '', ' x ']])
    expect(parseCsv('a,b\n1,\n').rows).toEqual([['1', '']])
  })

  it('reads a header-only body as no rows', () => {
    expect(parseCsv('a,b\r\n')).toEqual({ header: ['a', 'b'], rows: [] })
  })

  it('rejects an unclosed quote, naming the line where it opens', () => {
    const error = parseError('a,b\n1,2\n3,"never\nclosed\n')
    expect(error.code).toBe('BODY_MALFORMED')
    expect(error.line).toBe(3)
    expect(error.message).toMatch(/^CSV line 3: .*never closed/)
  })

  it('rejects a quote inside an unquoted field', () => {
    const error = parseError('a,b\n1,2\n3,ab"c\n')
    expect(error).toMatchObject({ code: 'BODY_MALFORMED', line: 3 })
    expect(error.message).toContain('field 2')
  })

  it('rejects text after a closing quote', () => {
    expect(parseError('a,b\n"x"y,2\n')).toMatchObject({ code: 'BODY_MALFORMED', line: 2 })
  })

  it('rejects a row with another number of fields, counting lines inside quotes', () => {
    const error = parseError('a,b\n"multi\nline",2\n1,2,3\n')
    expect(error).toMatchObject({ code: 'BODY_MALFORMED', line: 4 })
    expect(error.message).toContain('3 fields but the header has 2')
    expect(parseError('a,b\n1\n')).toMatchObject({ line: 2 })
    expect(parseError('a,b\n1,2\n\n3,4\n').message).toMatch(/line 3: the line is blank/)
  })

  it('rejects an empty body, an empty header name and a repeated one', () => {
    expect(parseError('')).toMatchObject({ code: 'BODY_MALFORMED', line: 1 })
    expect(parseError('\uFEFF\r\n')).toMatchObject({ code: 'BODY_MALFORMED', line: 1 })
    expect(parseError('a,,c\n1,2,3').message).toContain('column 2')
    expect(parseError('\na,b\n').message).toContain('column 1')
    const repeated = parseError('name__v,x,name__v\n1,2,3\n')
    expect(repeated.message).toContain('"name__v" twice (columns 1 and 3)')
  })
})

describe('csvRecords', () => {
  it('keys each row by the header names', () => {
    expect(csvRecords('name__v,status__v\nA,active__v\nB,\n')).toEqual([
      { name__v: 'A', status__v: 'active__v' },
      { name__v: 'B', status__v: '' },
    ])
  })

  it('makes own properties even for names like __proto__', () => {
    const [record] = csvRecords('__proto__,constructor\nx,y\n')
    expect(Object.keys(record)).toEqual(['__proto__', 'constructor'])
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype)
  })
})

describe('formatCsv', () => {
  it('writes CRLF lines and quotes only what needs it', () => {
    expect(formatCsv(['a', 'b'], [['plain', 'x, "y"\nz']])).toBe('a,b\r\nplain,"x, ""y""\nz"\r\n')
  })

  it('writes numbers, booleans, null and multi-value arrays', () => {
    expect(formatCsv(['n', 'yes', 'none', 'countries'], [[3.5, true, null, ['us__v', 'ca__v']]])).toBe(
      'n,yes,none,countries\r\n3.5,true,,"us__v,ca__v"\r\n',
    )
  })

  it('writes a lone empty value so that it is not a blank line', () => {
    const text = formatCsv(['a'], [[''], [null], ['x']])
    expect(parseCsv(text).rows).toEqual([[''], [''], ['x']])
  })

  it('refuses a row that does not match the header', () => {
    expect(() => formatCsv(['a', 'b'], [['1']])).toThrow(/row 1 has 1 values/)
  })
})

describe('CSV properties', () => {
  const tricky = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('"', ',', '\r', '\n', '\r\n', ' ', '\uFEFF', '""') },
    { weight: 5, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  )
  const value = fc.string({ unit: tricky, maxLength: 12 })
  const table = fc
    .uniqueArray(
      value.filter((name) => name.trim() !== ''),
      { minLength: 1, maxLength: 5 },
    )
    .chain((header) =>
      fc.record({
        header: fc.constant(header),
        rows: fc.array(fc.array(value, { minLength: header.length, maxLength: header.length }), {
          maxLength: 6,
        }),
      }),
    )

  it('parses what it formats', () => {
    fc.assert(
      fc.property(table, ({ header, rows }) => {
        expect(parseCsv(formatCsv(header, rows))).toEqual({ header, rows })
      }),
      { numRuns: 500 },
    )
  })

  it('throws nothing but BODY_MALFORMED on any input', () => {
    const input = fc.oneof(
      fc.string({ unit: tricky, maxLength: 60 }),
      fc.string({ unit: fc.constantFrom('a', '"', ',', '\n', '\r'), maxLength: 40 }),
    )
    fc.assert(
      fc.property(input, (text) => {
        try {
          const { header, rows } = parseCsv(text)
          for (const row of rows) expect(row).toHaveLength(header.length)
        } catch (error) {
          expect(isLiaisonError(error) && error.code).toBe('BODY_MALFORMED')
          if (isLiaisonError(error)) expect(error.message).toMatch(/^CSV line \d+: /)
        }
      }),
      { numRuns: 2000 },
    )
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isLiaisonError, type LiaisonError } from '../errors/index.js'
import type { SelectStatementNode } from './ast.js'
import { VQL_MAX_CONDITIONS, VQL_MAX_NESTING } from './expression-parser.js'
import { parseVql } from './parser.js'
import { printVql } from './printer.js'

/** The tree without source positions, for comparing parses of differently laid out text. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (k !== 'pos' && k !== 'targetPos') out[k] = shape(v)
    return out
  }
  return value
}

function syntaxErrorOf(q: string): LiaisonError {
  try {
    parseVql(q)
  } catch (error) {
    if (isLiaisonError(error)) return error
    throw error
  }
  throw new Error(`expected a syntax error for: ${q}`)
}

/** Queries in the shapes the VQL reference documents. */
const DOCUMENTED = [
  'SELECT id, name__v FROM documents',
  "SELECT id, name__v FROM documents WHERE TONAME(type__v) = 'promotional_piece__c'",
  "SELECT id, state__v FROM product__v WHERE state__v = STATETYPE('initial_state__sys')",
  "SELECT id, site_status__v, location__v FROM site__v WHERE modified_date__v > '2016-04-23'",
  "SELECT id FROM documents FIND ('diabetes AND insulin OR Nyaxa' SCOPE PROPERTIES OR 'cholesterol Cholecap' SCOPE CONTENT)",
  "SELECT id FROM documents FIND ('diabetes' SCOPE PROPERTIES AND ('cholesterol' SCOPE CONTENT OR 'insulin'))",
  "SELECT id FROM documents FIND (NOT 'doctor' SCOPE CONTENT)",
  'SELECT id FROM product__v WHERE modified_date__v = DAYS_AGO:1',
  'SELECT id, (SELECT id, name__v FROM countries__cr) FROM product__v',
  "SELECT id FROM product__v WHERE id IN (SELECT id FROM countries__cr WHERE name__v = 'Canada')",
  "SELECT id, country__cr.name__v FROM product__v WHERE country__cr.name__v LIKE 'Can%' ORDER BY name__v DESC",
  'SELECT id FROM documents WHERE status__v = STEADYSTATE()',
  'SELECT LATESTVERSION id FROM ALLVERSIONS documents',
  'SELECT id FROM product__v MAXROWS 10 SKIP 2 PAGESIZE 5 PAGEOFFSET 5',
  'SELECT id FROM product__v LIMIT 5 OFFSET 10',
  "SELECT id FROM product__v WHERE CASEINSENSITIVE(name__v) = 'cholecap'",
  "SELECT id FROM product__v WHERE name__v BETWEEN 'A' AND 'M' AND (x__c = null OR y__c != 3.5)",
  "SELECT id FROM product__v WHERE id CONTAINS ('00P000000000101', '00P000000000102')",
  'SELECT TONAME(status__v) AS s, LONGTEXT(notes__c) FROM product__v ORDER BY s ASC NULLS FIRST, id',
  "SHOW TARGETS LIKE 'case%'",
  'SHOW FIELDS FROM case__v',
  "SHOW RELATIONSHIPS FROM case__v LIKE '%request%'",
] as const

describe('parseVql', () => {
  it.each(DOCUMENTED)('parses and round-trips %s', (q) => {
    const ast = parseVql(q)
    expect(shape(parseVql(printVql(ast)))).toEqual(shape(ast))
  })

  it('reads keywords in any case and keeps names as written', () => {
    const ast = parseVql(
      "select Id from product__v where name__v = 'x' order by name__v desc",
    ) as SelectStatementNode
    expect(ast.items[0]).toMatchObject({ kind: 'selectField', value: { kind: 'fieldRef', path: 'Id' } })
    expect(ast.orderBy[0]?.direction).toBe('DESC')
  })

  it('decodes quote and backslash escapes in strings', () => {
    const ast = parseVql(
      "SELECT id FROM a__v WHERE name__v = 'it''s \\'x\\' \\\\ \\n'",
    ) as SelectStatementNode
    expect(ast.where).toMatchObject({ right: { kind: 'string', value: "it's 'x' \\ \n" } })
  })

  it('reads date literals with and without :n', () => {
    const ast = parseVql(
      'SELECT id FROM a__v WHERE d__c >= LAST_DAYS:7 AND e__c = TODAY',
    ) as SelectStatementNode
    expect(shape(ast.where)).toMatchObject({
      left: { right: { kind: 'dateLiteral', name: 'LAST_DAYS', n: 7 } },
      right: { right: { kind: 'dateLiteral', name: 'TODAY' } },
    })
  })

  it('reports line, column and what was expected', () => {
    const error = syntaxErrorOf('SELECT id\nFROM product__v\nWHERE name__v =')
    expect(error.code).toBe('QUERY_SYNTAX')
    expect(error.vaultType).toBe('INCORRECT_QUERY_SYNTAX_ERROR')
    expect(error.details).toMatchObject({ line: 3, column: 16 })
    expect(error.message).toContain('expected a value')
  })

  it.each([
    'SELECT FROM product__v',
    'SELECT id product__v',
    'SELECT id FROM',
    "SELECT id FROM product__v WHERE name__v = 'unterminated",
    'SELECT id FROM product__v WHERE NOT name__v = 1',
    "SELECT id FROM product__v WHERE name__v = 'a' FIND ('x')",
    'SELECT id FROM product__v PAGESIZE 5 MAXROWS 10',
    'SELECT id FROM product__v WHERE d__c = LAST_DAYS',
    'SELECT id FROM product__v WHERE d__c = TODAY:3',
    'SELECT id FROM product__v; DROP TABLE product__v',
    'SELECT id, (SELECT id FROM a__cr WHERE id IN (SELECT id FROM b__cr)) FROM product__v',
    'SELECT id FROM product__v ORDER BY',
    'SELECT id FROM product__v)',
    'SHOW FIELDS case__v',
    "SELECT id FROM a__v WHERE name__v = 'a\u0000b'",
  ])('refuses %s with QUERY_SYNTAX', (q) => {
    expect(syntaxErrorOf(q).code).toBe('QUERY_SYNTAX')
  })

  it('never throws anything but QUERY_SYNTAX on random input', () => {
    const pieces = fc.constantFrom(
      'SELECT',
      'FROM',
      'WHERE',
      'FIND',
      'AND',
      'OR',
      'NOT',
      'IN',
      '(',
      ')',
      ',',
      "'x'",
      '=',
      '!=',
      'id',
      'a__v',
      'LIKE',
      'BETWEEN',
      'CONTAINS',
      'ORDER',
      'BY',
      'MAXROWS',
      '5',
      'TODAY',
      'LAST_DAYS',
      ':',
      'SCOPE',
      'ALL',
      'SHOW',
      'TARGETS',
      'AS',
      '-',
      'null',
      "'",
      '\\',
      '{',
      '}',
      '&',
      'IS',
    )
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces).map((p) => p.join(' ')),
        ),
        (q) => {
          try {
            parseVql(q)
          } catch (error) {
            expect(isLiaisonError(error) && error.code === 'QUERY_SYNTAX').toBe(true)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('refuses nesting past VQL_MAX_NESTING and conditions past VQL_MAX_CONDITIONS with QUERY_INVALID', () => {
    const nested = (depth: number) =>
      `SELECT id FROM x__v WHERE ${'('.repeat(depth)}id = 1${')'.repeat(depth)}`
    const functions = (depth: number) =>
      `SELECT id FROM x__v WHERE id = ${'LOWER('.repeat(depth)}'a'${')'.repeat(depth)}`
    const notted = (depth: number) => `SELECT id FROM documents FIND (${'NOT '.repeat(depth)}'a')`
    const terms = (count: number) =>
      `SELECT id FROM x__v WHERE ${Array.from({ length: count }, () => 'id = 1').join(' AND ')}`
    const findTerms = (count: number) =>
      `SELECT id FROM documents FIND (${Array.from({ length: count }, () => "'a'").join(' OR ')})`
    for (const [build, limit] of [
      [nested, VQL_MAX_NESTING],
      [functions, VQL_MAX_NESTING],
      [notted, VQL_MAX_NESTING],
      [terms, VQL_MAX_CONDITIONS],
      [findTerms, VQL_MAX_CONDITIONS],
    ] as const) {
      expect(() => parseVql(build(limit))).not.toThrow()
      const error = syntaxErrorOf(build(limit + 1))
      expect(error.code, build(2)).toBe('QUERY_INVALID')
      expect(error.message).toContain(String(limit))
    }
  })

  it('round-trips generated queries: parse → print → parse gives the same tree', () => {
    const name = fc.constantFrom('id', 'name__v', 'x__c', 'case__vr.name__v', 'state__v')
    const literal = fc.oneof(
      fc.string().map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
      fc.constantFrom('true', 'false', 'null', 'TODAY', 'LAST_DAYS:3', "STATETYPE('complete_state__sys')"),
    )
    const op = fc.constantFrom('=', '!=', '<', '>', '<=', '>=')
    const leaf = fc.oneof(
      fc.tuple(name, op, literal).map(([n, o, l]) => `${n} ${o} ${l}`),
      fc
        .tuple(name, fc.array(literal, { minLength: 1, maxLength: 3 }))
        .map(([n, ls]) => `${n} CONTAINS (${ls.join(', ')})`),
      fc.tuple(name, literal, literal).map(([n, a, b]) => `${n} BETWEEN ${a} AND ${b}`),
      name.map((n) => `${n} LIKE 'a%'`),
    )
    const where = fc
      .array(fc.tuple(leaf, fc.constantFrom('AND', 'OR'), fc.boolean()), { minLength: 1, maxLength: 4 })
      .map((parts) =>
        parts.map(([l, join, paren], i) => `${i === 0 ? '' : ` ${join} `}${paren ? `(${l})` : l}`).join(''),
      )
    fc.assert(
      fc.property(where, (w) => {
        const ast = parseVql(`SELECT id, name__v FROM case__v WHERE ${w} ORDER BY name__v DESC MAXROWS 10`)
        expect(shape(parseVql(printVql(ast)))).toEqual(shape(ast))
      }),
      { numRuns: 500 },
    )
  })
})

import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLiaisonError } from '../errors/index.js'
import { FIELD_TYPES, type FieldType } from '../metadata/index.js'
import { escapeLike } from '../storage/index.js'
import type { SourcePosition, ValueNode } from './ast.js'
import { isDateLiteralName } from './date-literals.js'
import type { TargetField } from './query-targets.js'
import { coerceValue, dateLiteralBounds, holdsAnyName, likePattern } from './value-coercion.js'
import { openVqlTestVault, type VqlTestVault } from './vql-fixture.js'

const pos: SourcePosition = { line: 1, column: 1, offset: 0 }
const DAY_MS = 86_400_000

function field(type: FieldType, multiValue = false): TargetField {
  return {
    name: 'x__v',
    label: 'X',
    type,
    column: 'x__v',
    required: false,
    unique: false,
    multiValue,
    indexed: false,
    neverNull: false,
  }
}

const str = (value: string): ValueNode => ({ kind: 'string', value, raw: value, pos })
const num = (value: number): ValueNode => ({ kind: 'number', value, pos })
const bool = (value: boolean): ValueNode => ({ kind: 'boolean', value, pos })

/** Any value node the parser can produce where a value belongs. */
const valueNode: fc.Arbitrary<ValueNode> = fc.oneof(
  fc.string().map(str),
  fc.double().map(num),
  fc.boolean().map(bool),
  fc.constant<ValueNode>({ kind: 'null', pos }),
  fc.constant<ValueNode>({ kind: 'dateLiteral', name: 'TODAY', pos }),
  fc.constant<ValueNode>({ kind: 'fieldRef', path: 'y__v', pos }),
  fc.constant<ValueNode>({ kind: 'functionCall', name: 'TONAME', args: [], pos }),
)

/** The result, or the error code when it refuses. */
function outcome(f: TargetField, node: ValueNode): string | number {
  try {
    return coerceValue(f, node)
  } catch (error) {
    if (isLiaisonError(error)) return `refused ${error.code}`
    throw error
  }
}

describe('coerceValue', () => {
  it('answers a stored value or refuses with QUERY_INVALID, for every field type and value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELD_TYPES), valueNode, (type, node) => {
        const result = outcome(field(type), node)
        if (typeof result === 'string' && result.startsWith('refused'))
          expect(result).toBe('refused QUERY_INVALID')
      }),
    )
  })

  it('refuses fields, functions, null and date literals for every field type', () => {
    for (const type of FIELD_TYPES)
      for (const node of [
        { kind: 'null', pos },
        { kind: 'dateLiteral', name: 'TODAY', pos },
        { kind: 'fieldRef', path: 'y__v', pos },
        { kind: 'functionCall', name: 'TONAME', args: [], pos },
      ] as const)
        expect(outcome(field(type), node)).toBe('refused QUERY_INVALID')
  })

  it('keeps text as written, and numbers as their text, in text fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FieldType>('ID', 'String', 'LongText', 'Picklist', 'Object'),
        fc.string(),
        (type, s) => {
          expect(coerceValue(field(type), str(s))).toBe(s)
        },
      ),
    )
    expect(coerceValue(field('String'), num(12.5))).toBe('12.5')
    expect(outcome(field('String'), bool(true))).toBe('refused QUERY_INVALID')
  })

  it('reads numbers, and strings that are numbers, in Number and Document fields', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FieldType>('Number', 'Document'),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (type, n) => {
          expect(coerceValue(field(type), num(n))).toBe(n)
          expect(coerceValue(field(type), str(String(n)))).toBe(n === 0 ? 0 : n)
        },
      ),
    )
    fc.assert(
      fc.property(
        fc.string().filter((s) => s.trim() === '' || !Number.isFinite(Number(s))),
        (s) => {
          expect(outcome(field('Number'), str(s))).toBe('refused QUERY_INVALID')
        },
      ),
    )
  })

  it('stores Yes/No as 1 and 0, from true/false or their quoted spelling only', () => {
    expect(coerceValue(field('Boolean'), bool(true))).toBe(1)
    expect(coerceValue(field('Boolean'), bool(false))).toBe(0)
    expect(coerceValue(field('Boolean'), str('true'))).toBe(1)
    expect(coerceValue(field('Boolean'), str('false'))).toBe(0)
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string().filter((s) => s !== 'true' && s !== 'false'),
          fc.constantFrom('TRUE', 'False', '1', '0', 'yes'),
        ),
        (s) => {
          expect(outcome(field('Boolean'), str(s))).toBe('refused QUERY_INVALID')
        },
      ),
    )
    expect(outcome(field('Boolean'), num(1))).toBe('refused QUERY_INVALID')
  })

  it('keeps a YYYY-MM-DD date as is in Date fields and refuses anything else', () => {
    const day = fc
      .date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10))
    fc.assert(
      fc.property(day, (d) => {
        expect(coerceValue(field('Date'), str(d))).toBe(d)
      }),
    )
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)),
        (s) => {
          expect(outcome(field('Date'), str(s))).toBe('refused QUERY_INVALID')
        },
      ),
    )
  })

  it('stores UTC date-times as ISO strings with milliseconds, a date as its midnight', () => {
    const instant = fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    fc.assert(
      fc.property(instant, (d) => {
        const iso = d.toISOString()
        expect(coerceValue(field('DateTime'), str(iso))).toBe(iso)
        // Shorter spellings mean the same instant, cut to the precision written.
        expect(coerceValue(field('DateTime'), str(`${iso.slice(0, 16)}Z`))).toBe(
          `${iso.slice(0, 16)}:00.000Z`,
        )
        expect(coerceValue(field('DateTime'), str(iso.slice(0, 10)))).toBe(
          `${iso.slice(0, 10)}T00:00:00.000Z`,
        )
      }),
    )
    // No offsets: Vault's date-times are UTC.
    expect(outcome(field('DateTime'), str('2026-03-18T10:00:00+01:00'))).toBe('refused QUERY_INVALID')
  })
})

describe('dateLiteralBounds', () => {
  const literal = fc.oneof(
    fc.constantFrom('TODAY', 'YESTERDAY', 'TOMORROW', 'THIS_WEEK', 'LAST_MONTH', 'NEXT_QUARTER', 'THIS_YEAR'),
    fc
      .tuple(fc.constantFrom('LAST_DAYS', 'NEXT_DAYS', 'DAYS_AGO', 'LAST_MONTHS', 'NEXT_WEEKS'), fc.nat(400))
      .map(([name, n]) => `${name}:${n}`),
  )
  const now = fc.integer({ min: Date.parse('1990-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') })

  it('gives Date fields the whole days around the DateTime range', () => {
    fc.assert(
      fc.property(literal, now, (text, nowMs) => {
        const [name, n] = text.split(':') as [string, string | undefined]
        if (!isDateLiteralName(name)) throw new Error(`not a date literal: ${name}`)
        const node = { kind: 'dateLiteral', name, pos, ...(n === undefined ? {} : { n: Number(n) }) } as const
        const instants = dateLiteralBounds('DateTime', node, nowMs)
        const days = dateLiteralBounds('Date', node, nowMs)
        const [low, high] = [Date.parse(instants.low), Date.parse(instants.high)]
        expect(low).toBeLessThan(high)
        expect(days.low).toMatch(/^\d{4}-\d{2}-\d{2}$/)
        expect(days.high).toMatch(/^\d{4}-\d{2}-\d{2}$/)
        expect(Date.parse(days.low)).toBeLessThanOrEqual(low)
        expect(Date.parse(days.low)).toBeGreaterThan(low - DAY_MS)
        expect(Date.parse(days.high)).toBeGreaterThanOrEqual(high)
        expect(Date.parse(days.high)).toBeLessThan(high + DAY_MS)
      }),
    )
  })
})

/** A reference LIKE with `\` as its escape character. */
function likeMatches(pattern: string, text: string): boolean {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    else if (c === '%') source += '[\\s\\S]*'
    else if (c === '_') source += '[\\s\\S]'
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`, 'u').test(text)
}

/** How a user writes `text` between quotes in VQL. */
function quoted(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/%/g, '\\%').replace(/'/g, "''")
}

/** LIKE's special characters, and letters to mix them with. */
const likeChar = fc.constantFrom('a', 'b', '%', '_', '\\')

/** `text` with the character at `at` replaced by `c`: a look-alike a loose pattern would also match. */
function lookalike(text: string, at: number, c: string): string {
  if (text === '') return c
  const k = at % text.length
  return text.slice(0, k) + c + text.slice(k + 1)
}

describe('LIKE patterns', () => {
  it('escapeLike makes any text match only itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: likeChar })), fc.nat(), likeChar, (text, at, c) => {
        const other = lookalike(text, at, c)
        expect(likeMatches(escapeLike(text), text)).toBe(true)
        expect(likeMatches(escapeLike(text), other)).toBe(other === text)
        expect(likeMatches(escapeLike(text), text + c)).toBe(false)
      }),
    )
  })

  it('likePattern keeps % as the wildcard and everything escaped as itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: likeChar })), fc.string(), (prefix, rest) => {
        expect(likeMatches(likePattern(quoted(prefix)), prefix)).toBe(true)
        expect(likeMatches(likePattern(`${quoted(prefix)}%`), prefix + rest)).toBe(true)
        expect(likeMatches(likePattern(quoted(prefix)), prefix + rest)).toBe(rest === '')
      }),
    )
    // A bare _ is a character in VQL, not SQL's one-character wildcard.
    expect(likePattern('a_b\\n')).toBe('a\\_b\n')
  })
})

describe('holdsAnyName', () => {
  let vault: VqlTestVault
  beforeAll(async () => {
    vault = await openVqlTestVault()
  })
  afterAll(async () => {
    await vault?.close()
  })

  // Picklist value names and document references hold no commas; any other character may appear.
  const name = fc.string({
    minLength: 1,
    maxLength: 6,
    unit: fc.constantFrom('a', 'b', '%', '_', '\\', "'", 'é'),
  })
  /** Stored names, and wanted names of which some are look-alikes of the stored ones. */
  const names = fc.array(name, { maxLength: 4 }).chain((stored) => {
    const near = fc.constantFrom('a', ...stored)
    return fc.tuple(
      fc.constant(stored),
      fc.array(
        fc.oneof(
          name,
          near,
          fc.tuple(near, fc.nat(), likeChar).map(([n, at, c]) => lookalike(n, at, c)),
          near.map((n) => `${n}%`),
        ),
        { maxLength: 4 },
      ),
    )
  })

  it('matches a stored value, or one of a stored list, exactly', async () => {
    await fc.assert(
      fc.asyncProperty(names, fc.boolean(), async ([stored, wanted], multiValue) => {
        const value = multiValue ? stored.join(',') : (stored[0] ?? '')
        const held = multiValue ? stored : [value]
        const condition = holdsAnyName(sql`cast(${value} as text)`, multiValue, wanted)
        const { rows } = await sql<{
          hit: unknown
        }>`select case when ${condition} then 1 else 0 end as hit`.execute(vault.storage.db)
        expect(Number(rows[0]?.hit)).toBe(held.some((n) => wanted.includes(n)) ? 1 : 0)
      }),
      { numRuns: 150 },
    )
  })
})

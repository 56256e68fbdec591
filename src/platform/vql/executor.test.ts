import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLiaisonError, type LiaisonError } from '../errors/index.js'
import { runVql, runVqlPage } from './executor.js'
import { CASES, openVqlTestVault, type VqlTestVault } from './vql-fixture.js'
import type { VqlResponse } from './vql-types.js'

let vault: VqlTestVault

beforeAll(async () => {
  vault = await openVqlTestVault()
})

afterAll(async () => {
  await vault?.close()
})

async function query(
  q: string,
  extra: { pagesize?: number; pageoffset?: number; describe?: boolean } = {},
): Promise<VqlResponse> {
  return runVql(vault.context(), { q, apiVersion: 'v25.2', ...extra })
}

async function ids(q: string): Promise<string[]> {
  return (await query(q)).data.map((r) => String(r.id))
}

async function failure(q: string): Promise<LiaisonError> {
  try {
    await query(q)
  } catch (error) {
    if (isLiaisonError(error)) return error
    throw error
  }
  throw new Error(`expected ${q} to fail`)
}

const C = (n: number): string => `CAS00000000000${n}`

describe('SELECT and result shapes', () => {
  it('answers with Vault paging details and typed values', async () => {
    const answer = await query(
      "SELECT id, name__v, amount__v, urgent__v, due_date__v, priority__v, countries__v, state__v FROM case__v WHERE id = 'CAS000000000001'",
    )
    expect(answer).toEqual({
      responseStatus: 'SUCCESS',
      responseDetails: { pagesize: 1000, pageoffset: 0, size: 1, total: 1 },
      data: [
        {
          id: C(1),
          name__v: 'Alpha',
          amount__v: 10,
          urgent__v: true,
          due_date__v: '2026-03-18',
          priority__v: ['high__v'],
          countries__v: ['us__v', 'ca__v'],
          state__v: 'open_state__v',
        },
      ],
    })
  })

  it('returns nulls and empty picklists for missing values', async () => {
    const [row] = (
      await query(`SELECT amount__v, urgent__v, priority__v, subject__v FROM case__v WHERE id = '${C(3)}'`)
    ).data
    expect(row).toEqual({ amount__v: null, urgent__v: null, priority__v: [], subject__v: null })
  })

  it('orders by id when no ORDER BY is given', async () => {
    expect(await ids('SELECT id FROM case__v')).toEqual([C(1), C(2), C(3), C(4), C(5)])
  })

  it('cuts Long Text to 250 characters unless LONGTEXT() is used', async () => {
    const [row] = (
      await query(`SELECT notes__v, LONGTEXT(notes__v) AS full_notes FROM case__v WHERE id = '${C(1)}'`)
    ).data
    expect(String(row?.notes__v)).toHaveLength(250)
    expect(String(row?.full_notes)).toHaveLength(300)
  })

  it('reads outbound lookups as flat dotted keys', async () => {
    const answer = await query(
      "SELECT id, case__vr.name__v, case__vr.priority__v FROM case_request__v WHERE case__vr.name__v = 'Alpha'",
    )
    expect(answer.data).toEqual([
      { id: 'CRQ000000000001', 'case__vr.name__v': 'Alpha', 'case__vr.priority__v': ['high__v'] },
      { id: 'CRQ000000000002', 'case__vr.name__v': 'Alpha', 'case__vr.priority__v': ['high__v'] },
    ])
  })

  it('nests inbound subqueries with their own responseDetails', async () => {
    const answer = await query(
      "SELECT id, (SELECT id, description__v FROM case_requests__vr ORDER BY description__v DESC) FROM case__v WHERE id CONTAINS ('CAS000000000001', 'CAS000000000003')",
    )
    expect(answer.data).toEqual([
      {
        id: C(1),
        case_requests__vr: {
          responseDetails: { pagesize: 250, pageoffset: 0, size: 2, total: 2 },
          data: [
            { id: 'CRQ000000000002', description__v: 'req two' },
            { id: 'CRQ000000000001', description__v: 'req one' },
          ],
        },
      },
      {
        id: C(3),
        case_requests__vr: { responseDetails: { pagesize: 250, pageoffset: 0, size: 0, total: 0 }, data: [] },
      },
    ])
  })

  it('filters subquery rows with their own WHERE', async () => {
    const answer = await query(
      "SELECT id, (SELECT description__v FROM case_requests__vr WHERE quantity__v > 1) AS reqs FROM case__v WHERE id = 'CAS000000000001'",
    )
    expect(answer.data[0]).toEqual({
      id: C(1),
      reqs: {
        responseDetails: { pagesize: 250, pageoffset: 0, size: 1, total: 1 },
        data: [{ description__v: 'req two' }],
      },
    })
  })

  it('keeps parents with a matching child through WHERE id IN (SELECT …)', async () => {
    expect(
      await ids(
        "SELECT id FROM case__v WHERE id IN (SELECT id FROM case_requests__vr WHERE description__v = 'req three')",
      ),
    ).toEqual([C(2)])
    expect(await ids('SELECT id FROM case__v WHERE id IN (SELECT id FROM case_requests__vr)')).toEqual([
      C(1),
      C(2),
    ])
  })

  it('filters children by their parent through an outbound IN subquery', async () => {
    expect(
      await ids(
        "SELECT id FROM case_request__v WHERE case__v IN (SELECT id FROM case__vr WHERE priority__v = 'low__v')",
      ),
    ).toEqual(['CRQ000000000003'])
  })

  it('uses aliases as keys and in ORDER BY', async () => {
    const answer = await query(
      'SELECT name__v AS n, TOLABEL(priority__v) AS p FROM case__v WHERE priority__v != null ORDER BY n DESC',
    )
    expect(answer.data).toEqual([
      { n: 'alpha', p: ['Low'] },
      { n: "O'Brien", p: ['High'] },
      { n: 'Beta', p: ['Low'] },
      { n: 'Alpha', p: ['High'] },
    ])
  })
})

describe('WHERE operators', () => {
  it.each([
    ["name__v = 'Alpha'", [1]],
    ["name__v != 'Alpha'", [2, 3, 4, 5]],
    ['amount__v < 10', [4]],
    ['amount__v > 10', [2, 5]],
    ['amount__v <= 10', [1, 4]],
    ['amount__v >= 20.5', [2, 5]],
    ['amount__v != 10', [2, 3, 4, 5]],
    ['amount__v BETWEEN 5 AND 20.5', [1, 2, 4]],
    ["due_date__v BETWEEN '2026-03-10' AND '2026-03-18'", [1, 2, 5]],
    ["modified_date__v > '2026-03-17'", [1, 4, 5]],
    ["modified_date__v >= '2026-03-18T08:00:00.000Z'", [1, 5]],
    ['urgent__v = true', [1, 4]],
    ['urgent__v = false', [2, 5]],
    ['urgent__v != true', [2, 3, 5]],
    ['subject__v = null', [3]],
    ['subject__v != null', [1, 2, 4, 5]],
    ['subject__v IS NULL', [3]],
    ["name__v LIKE 'Al%'", [1]],
    ["CASEINSENSITIVE(name__v) LIKE 'al%'", [1, 5]],
    ["CASEINSENSITIVE(name__v) = 'ALPHA'", [1, 5]],
    ["subject__v LIKE 'Misc 100\\% sure\\_%'", [5]],
    ["subject__v LIKE 'Misc 100_%'", []],
    ["name__v IN ('Alpha', 'Beta')", [1, 2]],
    ["name__v CONTAINS ('Alpha', 'Gamma')", [1, 3]],
    ["priority__v = 'high__v'", [1, 4]],
    ["priority__v != 'high__v'", [2, 3, 5]],
    ["countries__v = 'ca__v'", [1, 4]],
    ["countries__v CONTAINS ('gb__v', 'us__v')", [1, 2, 5]],
    ["countries__v != 'us__v'", [2, 3, 4]],
    ["TOLABEL(priority__v) = 'Low'", [2, 5]],
    ["TONAME(priority__v) = 'low__v'", [2, 5]],
    ["TOLABEL(state__v) = 'Closed'", [2, 5]],
    ["state__v = STATETYPE('complete_state__sys')", [2, 5]],
    ["state__v = STATETYPE('initial_state__sys')", [3]],
    ["state__v != STATETYPE('complete_state__sys')", [1, 3, 4]],
    ["name__v = 'Alpha' OR name__v = 'Beta' AND amount__v > 100", [1]],
    ["(name__v = 'Alpha' OR name__v = 'Beta') AND amount__v > 15", [2]],
    ["name__v = 'O''Brien'", [4]],
    ["name__v = 'O\\'Brien'", [4]],
    ["id = 'CAS000000000003' AND state__v = 'new_state__v'", [3]],
  ] as const)('%s', async (where, expected) => {
    expect(await ids(`SELECT id FROM case__v WHERE ${where}`)).toEqual(expected.map(C))
  })

  it.each([
    ['modified_date__v = TODAY', [1, 5]],
    ['modified_date__v = YESTERDAY', [4]],
    ['modified_date__v = TOMORROW', []],
    ['modified_date__v = LAST_DAYS:1', [1, 4, 5]],
    ['modified_date__v = LAST_DAYS:30', [1, 2, 4, 5]],
    ['modified_date__v = DAYS_AGO:17', [2]],
    ['modified_date__v = THIS_WEEK', [1, 4, 5]],
    ['modified_date__v = THIS_MONTH', [1, 2, 4, 5]],
    ['modified_date__v = LAST_MONTH', []],
    ['modified_date__v = THIS_YEAR', [1, 2, 4, 5]],
    ['modified_date__v = LAST_YEAR', [3]],
    ['modified_date__v = LAST_MONTHS:3', [1, 2, 3, 4, 5]],
    ['modified_date__v < THIS_YEAR', [3]],
    ['modified_date__v >= TODAY', [1, 5]],
    ['modified_date__v > YESTERDAY', [1, 5]],
    ['modified_date__v <= YESTERDAY', [2, 3, 4]],
    ['modified_date__v != TODAY', [2, 3, 4]],
    ['due_date__v = TODAY', [1]],
    ['due_date__v = NEXT_DAYS:3', [1]],
    ['due_date__v = NEXT_MONTH', [4]],
    ['due_date__v = THIS_WEEK', [1, 5]],
    ['due_date__v = LAST_WEEK', [2]],
    ['due_date__v > TODAY', [4]],
    ['due_date__v = THIS_QUARTER', [1, 2, 5]],
    ['due_date__v = NEXT_QUARTER', [4]],
  ] as const)('date literal: %s', async (where, expected) => {
    expect(await ids(`SELECT id FROM case__v WHERE ${where}`)).toEqual(expected.map(C))
  })

  it('never changes meaning whatever string is placed in a literal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }).filter((g) => !g.includes('\u0000')),
          fc.constantFrom(
            ...CASES.map((c) => String(c.name__v)),
            "'; drop table case__v; --",
            "\\'",
            '%',
            '_',
          ),
        ),
        async (s) => {
          const literal = s.replace(/\\/g, '\\\\').replace(/'/g, "''")
          const expected = CASES.filter((c) => c.name__v === s).map((c) => String(c.id))
          expect(await ids(`SELECT id FROM case__v WHERE name__v = '${literal}'`)).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('robustness', () => {
  it('answers or refuses with a LiaisonError, never a database error, for generated queries', async () => {
    const field = fc.constantFrom(
      'id',
      'name__v',
      'subject__v',
      'notes__v',
      'amount__v',
      'urgent__v',
      'due_date__v',
      'modified_date__v',
      'priority__v',
      'countries__v',
      'state__v',
      'product__v',
      'TOLABEL(priority__v)',
      'CASEINSENSITIVE(name__v)',
      'TONAME(countries__v)',
      'LONGTEXT(notes__v)',
      'product__vr.name__v',
    )
    const value = fc.oneof(
      fc.string({ maxLength: 12 }).map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`),
      fc
        .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
        .map((n) => String(Math.round(n * 100) / 100)),
      fc.constantFrom(
        'true',
        'false',
        'null',
        'TODAY',
        'LAST_DAYS:3',
        "'2026-03-18'",
        "'2026-03-18T10:00:00.000Z'",
        "'us__v'",
        "STATETYPE('complete_state__sys')",
        'STEADYSTATE()',
        "'Al%'",
      ),
    )
    const op = fc.constantFrom('=', '!=', '<', '>', '<=', '>=', 'LIKE', 'CONTAINS', 'IN', 'BETWEEN')
    const condition = fc
      .tuple(field, op, value, value)
      .map(([f, o, v, w]) =>
        o === 'CONTAINS' || o === 'IN'
          ? `${f} ${o} (${v}, ${w})`
          : o === 'BETWEEN'
            ? `${f} BETWEEN ${v} AND ${w}`
            : `${f} ${o} ${v}`,
      )
    const q = fc
      .tuple(
        field,
        fc.array(condition, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('AND', 'OR'),
        fc.option(field),
      )
      .map(
        ([select, conds, join, order]) =>
          `SELECT id, ${select} AS x FROM case__v WHERE ${conds.join(` ${join} `)}${order === null ? '' : ` ORDER BY ${order} DESC`}`,
      )
    await fc.assert(
      fc.asyncProperty(q, async (text) => {
        try {
          await query(text)
        } catch (error) {
          if (!isLiaisonError(error) || (error.code !== 'QUERY_INVALID' && error.code !== 'QUERY_SYNTAX'))
            throw error
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('ORDER BY and paging', () => {
  it('sorts by several keys, nulls last in both directions', async () => {
    expect(await ids('SELECT id FROM case__v ORDER BY amount__v DESC')).toEqual([5, 2, 1, 4, 3].map(C))
    expect(await ids('SELECT id FROM case__v ORDER BY amount__v ASC')).toEqual([4, 1, 2, 5, 3].map(C))
    expect(await ids('SELECT id FROM case__v ORDER BY priority__v ASC, name__v DESC')).toEqual(
      [4, 1, 5, 2, 3].map(C),
    )
    expect(await ids('SELECT id FROM case__v ORDER BY amount__v ASC NULLS FIRST')).toEqual(
      [3, 4, 1, 2, 5].map(C),
    )
  })

  it('applies MAXROWS and SKIP to the total', async () => {
    const answer = await query('SELECT id FROM case__v MAXROWS 3')
    expect(answer.responseDetails).toEqual({ pagesize: 1000, pageoffset: 0, size: 3, total: 3 })
    const skipped = await query('SELECT id FROM case__v SKIP 2')
    expect(skipped.data.map((r) => r.id)).toEqual([3, 4, 5].map(C))
    expect(skipped.responseDetails.total).toBe(3)
  })

  it('pages with PAGESIZE / PAGEOFFSET and the older LIMIT / OFFSET', async () => {
    const page = await query('SELECT id FROM case__v PAGESIZE 2 PAGEOFFSET 2')
    expect(page.data.map((r) => r.id)).toEqual([3, 4].map(C))
    expect(page.responseDetails).toMatchObject({ pagesize: 2, pageoffset: 2, size: 2, total: 5 })
    const old = await query('SELECT id FROM case__v LIMIT 2 OFFSET 4')
    expect(old.data.map((r) => r.id)).toEqual([C(5)])
    expect(old.responseDetails).toMatchObject({ pagesize: 2, pageoffset: 4, size: 1, total: 5 })
  })

  it('answers only the total for PAGESIZE 0', async () => {
    const answer = await query("SELECT id FROM case__v WHERE priority__v = 'low__v' PAGESIZE 0")
    expect(answer.responseDetails).toEqual({ pagesize: 0, pageoffset: 0, size: 0, total: 2 })
    expect(answer.data).toEqual([])
  })

  it('follows next_page and previous_page links through runVqlPage', async () => {
    const first = await query('SELECT id FROM case__v MAXROWS 4', { pagesize: 2 })
    expect(first.responseDetails).toMatchObject({ pagesize: 2, pageoffset: 0, size: 2, total: 4 })
    const next = first.responseDetails.next_page!
    expect(next).toMatch(/^\/api\/v25\.2\/query\/[0-9a-f-]{36}\?pagesize=2&pageoffset=2$/)
    expect(first.responseDetails.previous_page).toBeUndefined()
    const cursor = next.split('/')[4]!.split('?')[0]!
    const second = await runVqlPage(vault.context(), cursor, {
      apiVersion: 'v25.2',
      pagesize: 2,
      pageoffset: 2,
    })
    expect(second.data.map((r) => r.id)).toEqual([3, 4].map(C))
    expect(second.responseDetails.next_page).toBeUndefined()
    expect(second.responseDetails.previous_page).toBe(`/api/v25.2/query/${cursor}?pagesize=2&pageoffset=0`)
  })

  it("refuses another user's or an expired page link", async () => {
    const first = await query('SELECT id FROM case__v', { pagesize: 1 })
    const cursor = first.responseDetails.next_page!.split('/')[4]!.split('?')[0]!
    await expect(
      runVqlPage(vault.context({ userId: 'user-2' }), cursor, { apiVersion: 'v25.2' }),
    ).rejects.toMatchObject({
      code: 'QUERY_INVALID',
    })
    vault.clock.advance(73 * 3600 * 1000)
    try {
      await expect(runVqlPage(vault.context(), cursor, { apiVersion: 'v25.2' })).rejects.toMatchObject({
        code: 'QUERY_INVALID',
      })
    } finally {
      vault.clock.set('2026-03-18T12:00:00.000Z')
    }
  })
})

describe('FIND', () => {
  it.each([
    ["FIND ('insulin')", [1, 4]],
    ["FIND ('INSULIN' SCOPE PROPERTIES)", [1, 4]],
    ["FIND ('insulin pump')", [1]],
    ["FIND ('insulin OR cholesterol')", [1, 2, 4]],
    ["FIND ('insulin AND diabetes')", [4]],
    ["FIND ('insulin NOT pump')", [4]],
    ["FIND ('ins*lin')", [1, 4]],
    ['FIND (\'"pump question"\')', [1]],
    ['FIND (\'"question pump"\')', []],
    ["FIND ('alpha' SCOPE name__v)", [1, 5]],
    ["FIND ('alpha' SCOPE subject__v)", []],
    ["FIND ('insulin' SCOPE ALL OR 'beta' SCOPE name__v)", [1, 2, 4]],
    ["FIND (NOT 'insulin')", [2, 3, 5]],
    ["FIND ('insulin' AND ('pump' OR 'diabetes'))", [1, 4]],
  ] as const)('%s', async (find, expected) => {
    expect(await ids(`SELECT id FROM case__v ${find}`)).toEqual(expected.map(C))
  })

  it('combines FIND with WHERE', async () => {
    expect(
      await ids("SELECT id FROM case__v FIND ('insulin') WHERE urgent__v = true AND amount__v < 10"),
    ).toEqual([C(4)])
  })
})

describe('SHOW', () => {
  it('lists readable targets, with LIKE', async () => {
    expect((await query('SHOW TARGETS')).data.map((r) => r.name)).toEqual(['case__v', 'case_request__v'])
    expect((await query("SHOW TARGETS LIKE '%request%'")).data).toEqual([
      { name: 'case_request__v', label: 'Case Request', label_plural: 'Case Requests' },
    ])
  })

  it('lists fields and relationships', async () => {
    const fields = (await query("SHOW FIELDS FROM case__v LIKE 'countr%'")).data
    expect(fields).toEqual([
      {
        name: 'countries__v',
        label: 'Countries',
        type: 'Picklist',
        required: false,
        unique: false,
        picklist: 'country__v',
        multi_value: true,
      },
    ])
    const rels = (await query('SHOW RELATIONSHIPS FROM case__v')).data
    expect(rels).toEqual([
      {
        name: 'case_requests__vr',
        label: 'Case Requests',
        type: 'reference_inbound',
        object: 'case_request__v',
        field: 'case__v',
      },
    ])
  })
})

describe('functions in SELECT', () => {
  it('TONAME, TOLABEL and TRIM', async () => {
    const [row] = (
      await query(
        `SELECT TONAME(priority__v), TOLABEL(countries__v) AS c, TRIM(countries__v) AS t, TOLABEL(state__v) AS s FROM case__v WHERE id = '${C(1)}'`,
      )
    ).data
    expect(row).toEqual({
      priority__v: ['high__v'],
      c: ['United States', 'Canada'],
      t: ['us', 'ca'],
      s: 'Open',
    })
  })
})

describe('queryDescribe', () => {
  it('describes the target and the selected fields', async () => {
    const answer = await query(
      "SELECT id, quantity__v, TOLABEL(case__vr.priority__v) AS p, case__vr.name__v FROM case_request__v WHERE id = 'x'",
      { describe: true },
    )
    expect(answer.queryDescribe).toEqual({
      object: { name: 'case_request__v', label: 'Case Request', label_plural: 'Case Requests' },
      fields: [
        { name: 'id', label: 'ID', type: 'ID', required: false, unique: true },
        { name: 'quantity__v', label: 'Quantity', type: 'Number', required: false, unique: false },
        {
          name: 'case__vr.priority__v',
          label: 'Priority',
          type: 'Picklist',
          required: false,
          unique: false,
          picklist: 'priority__v',
          multi_value: false,
          function: 'TOLABEL',
          alias: 'p',
        },
        {
          name: 'case__vr.name__v',
          label: 'Name',
          type: 'String',
          required: true,
          unique: false,
          max_length: 128,
        },
      ],
    })
  })
})

describe('errors', () => {
  it.each([
    ['SELECT id FROM nothing__v', 'QUERY_INVALID', 'nothing__v'],
    ['SELECT nope__v FROM case__v', 'QUERY_INVALID', 'nope__v'],
    ['SELECT case__vr.nope__v FROM case_request__v', 'QUERY_INVALID', 'nope__v'],
    ['SELECT bogus__vr.name__v FROM case_request__v', 'QUERY_INVALID', 'bogus__vr'],
    ['SELECT product__vr.name__v FROM case__v', 'QUERY_INVALID', 'product__vr'],
    ['SELECT id FROM product__v', 'ACCESS_DENIED', 'product__v'],
    ["SELECT id FROM case__v WHERE name__v LIKE '%pha'", 'QUERY_INVALID', 'LIKE'],
    ["SELECT id FROM case__v WHERE amount__v = 'ten'", 'QUERY_INVALID', 'amount__v'],
    ["SELECT id FROM case__v WHERE due_date__v = '18/03/2026'", 'QUERY_INVALID', 'due_date__v'],
    ["SELECT id FROM case__v WHERE name__v = STATETYPE('complete_state__sys')", 'QUERY_INVALID', 'state__v'],
    ['SELECT id FROM case__v WHERE status__v = STEADYSTATE()', 'QUERY_INVALID', 'documents'],
    ['SELECT RICHTEXT(notes__v) FROM case__v', 'QUERY_INVALID', 'RICHTEXT'],
    ['SELECT LONGTEXT(name__v) FROM case__v', 'QUERY_INVALID', 'LONGTEXT'],
    ['SELECT CASEINSENSITIVE(name__v) FROM case__v', 'QUERY_INVALID', 'WHERE'],
    ['SELECT name__v, TONAME(name__v) FROM case__v', 'QUERY_INVALID', 'alias'],
    ['SELECT name__v AS subject__v FROM case__v', 'QUERY_INVALID', 'subject__v'],
    ['SELECT name__v AS bad__alias FROM case__v', 'QUERY_INVALID', 'bad__alias'],
    [
      "SELECT id FROM case_request__v WHERE description__v = 'x' OR case__vr.name__v = 'y'",
      'QUERY_INVALID',
      'OR',
    ],
    ['SELECT id, (SELECT id FROM case__vr) FROM case_request__v', 'QUERY_INVALID', 'outbound'],
    ['SELECT case_requests__vr.name__v FROM case__v', 'QUERY_INVALID', 'subquery'],
    ["SELECT id FROM case__v FIND ('*sulin')", 'QUERY_INVALID', 'wildcard'],
    ["SELECT id FROM case__v FIND ('x' SCOPE CONTENT)", 'QUERY_INVALID', 'CONTENT'],
    ["SELECT id FROM case__v FIND ('x') ORDER BY RANK", 'QUERY_INVALID', 'RANK'],
    ['SELECT id FROM ALLVERSIONS case__v', 'QUERY_INVALID', 'ALLVERSIONS'],
    ['SELECT id FROM case__v WHERE', 'QUERY_SYNTAX', 'line 1'],
    ['SELECT id FROM case__v PAGEOFFSET 10001', 'QUERY_INVALID', 'next_page'],
    [`SELECT id FROM case__v WHERE name__v = '${'x'.repeat(50_000)}'`, 'QUERY_INVALID', '50000'],
  ] as const)('%s → %s', async (q, code, mentions) => {
    const error = await failure(q)
    expect(error.code).toBe(code)
    expect(error.message).toContain(mentions)
  })
})

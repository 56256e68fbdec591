import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileMetadata } from '../metadata/index.js'
import type { SelectStatementNode } from './ast.js'
import { type CompiledSelect, compileSelect } from './compiler.js'
import { pageQuery } from './executor.js'
import { parseVql } from './parser.js'
import { idSortKey, returnsAtMostOneRow } from './plan-hints.js'
import { objectTarget, TargetRegistry } from './query-targets.js'
import { NOW, openVqlTestVault, VQL_TEST_PROFILE, type VqlTestVault } from './vql-fixture.js'

const { metadata } = compileMetadata(VQL_TEST_PROFILE, [])
const cases = objectTarget(metadata.objectByName.get('case__v')!, metadata)
const idRef = sql.id('t0', 'id')

function select(q: string): SelectStatementNode {
  return parseVql(q) as SelectStatementNode
}

describe('returnsAtMostOneRow', () => {
  it.each([
    ["id = 'CAS000000000001'", true],
    ["external_id__v = 'X-1' AND amount__v > 3", true],
    ["(amount__v > 3 AND id = 'CAS000000000001')", true],
    ['id = 7', true],
    ["id != 'CAS000000000001'", false],
    ["id = 'CAS000000000001' OR id = 'CAS000000000002'", false],
    ["name__v = 'Alpha'", false],
    ["id IN ('CAS000000000001')", false],
    ['id = null', false],
  ] as const)('WHERE %s → %s', (where, expected) => {
    expect(returnsAtMostOneRow(select(`SELECT id FROM case__v WHERE ${where}`), cases)).toBe(expected)
  })

  it('never with FIND, which may widen the rows', () => {
    expect(returnsAtMostOneRow(select("SELECT id FROM case__v FIND ('x') WHERE id = 'a'"), cases)).toBe(false)
  })

  it('never on a lookup, unique on another target', () => {
    const requests = objectTarget(metadata.objectByName.get('case_request__v')!, metadata)
    const q = select("SELECT id FROM case_request__v WHERE case__vr.id = 'CAS000000000001'")
    expect(returnsAtMostOneRow(q, requests)).toBe(false)
  })
})

describe('idSortKey', () => {
  it.each([
    ["SELECT id FROM case__v WHERE name__v = 'Alpha'", true],
    ["SELECT id FROM case__v WHERE TONAME(name__v) LIKE 'Al%'", true],
    ["SELECT id FROM case__v WHERE amount__v > 3 AND modified_date__v > '2026-01-01'", true],
    ["SELECT id FROM case__v FIND ('alpha')", true],
    ["SELECT id FROM case__v FIND ('alpha' AND NOT 'beta')", true],
    ["SELECT id FROM case__v FIND (NOT 'beta')", false],
    ["SELECT id FROM case__v FIND ('alpha' OR NOT 'beta')", false],
    ['SELECT id FROM case__v WHERE amount__v > 3', false],
    ["SELECT id FROM case__v WHERE name__v != 'Alpha'", false],
    ['SELECT id FROM case__v WHERE name__v = null', false],
    ["SELECT id FROM case__v WHERE id = 'CAS000000000001'", false],
    ["SELECT id FROM case__v WHERE countries__v = 'us__v'", false],
    ["SELECT id FROM case__v WHERE name__v = 'Alpha' OR amount__v > 3", false],
    ["SELECT id FROM case__v WHERE name__v = 'Alpha' ORDER BY amount__v", false],
  ] as const)('%s → sorts by an expression of the id: %s', (q, expression) => {
    const key = idSortKey(select(q), cases, idRef)
    if (expression) expect(key).not.toBe(idRef)
    else expect(key).toBe(idRef)
  })
})

describe('the hints never change the rows', () => {
  let vault: VqlTestVault
  beforeAll(async () => {
    vault = await openVqlTestVault()
  })
  afterAll(async () => {
    await vault?.close()
  })

  const CONDITIONS = [
    "id = 'CAS000000000001'",
    "id = 'CAS000000000009'",
    "name__v = 'Alpha'",
    "name__v LIKE 'A%'",
    "name__v IN ('Beta', 'Gamma')",
    "modified_date__v > '2026-03-01'",
    "product__v = 'PRD000000000001'",
    'amount__v > 5',
    "state__v = 'open_state__v'",
    "priority__v = 'high__v'",
  ]

  async function rows(compiled: CompiledSelect, limit: number, offset: number): Promise<unknown[]> {
    const result = await pageQuery(compiled, limit, offset).execute(vault.storage.db)
    return result.rows
  }

  it('reads the same rows in the same order with and without them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...CONDITIONS), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('', " FIND ('alpha')", " FIND (NOT 'beta')"),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(3),
        async (conditions, find, limit, offset) => {
          const compiled = compileSelect(
            select(`SELECT id, name__v FROM case__v${find} WHERE ${conditions.join(' AND ')}`),
            {
              registry: new TargetRegistry(vault.registry.current, []),
              dialect: vault.storage.dialect,
              nowMs: Date.parse(NOW),
              canRead: () => true,
            },
          )
          const plain = { ...compiled, idOrder: compiled.idRef, atMostOneRow: false }
          expect(await rows(compiled, limit, offset)).toEqual(await rows(plain, limit, offset))
        },
      ),
      { numRuns: 60 },
    )
  })
})

import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileMetadata, type ObjectDefinition, type ProfileDefinition } from '../metadata/index.js'
import { sqliteDialect } from '../storage/index.js'
import type { SelectStatementNode } from './ast.js'
import { compileSelect } from './compiler.js'
import { pageQuery, runVql } from './executor.js'
import { parseVql } from './parser.js'
import { objectTarget, type QueryTarget, TargetRegistry, type VqlTargetProvider } from './query-targets.js'
import { openVqlTestVault, VQL_TEST_PROFILE, type VqlTestVault } from './vql-fixture.js'

const { metadata } = compileMetadata(VQL_TEST_PROFILE, [])
// Only compiles SQL text; never connects.
const db = new Kysely<Record<string, Record<string, unknown>>>({
  dialect: new SqliteDialect({ database: async () => new SqliteDatabase(':memory:') }),
})

function compileText(q: string, m = metadata): { sql: string; parameters: readonly unknown[] } {
  const select = compileSelect(parseVql(q) as SelectStatementNode, {
    registry: new TargetRegistry(m, []),
    dialect: sqliteDialect,
    nowMs: Date.parse('2026-03-18T12:00:00.000Z'),
    canRead: () => true,
  })
  return pageQuery(select, 1000, 0).compile(db)
}

describe('compileSelect', () => {
  it('binds every value as a parameter and runs one statement', () => {
    const compiled = compileText(
      "SELECT id, case__vr.name__v FROM case_request__v WHERE description__v = 'x''; drop table y; --' AND quantity__v > 3 AND case__vr.name__v LIKE 'Al%'",
    )
    expect(compiled.sql).not.toContain('drop table')
    expect(compiled.sql).not.toContain("'x")
    expect(compiled.sql).not.toContain(';')
    expect(compiled.parameters).toEqual(["x'; drop table y; --", 3, 'Al*', 1000, 0])
    expect(compiled.sql).toContain('left join "case__v" as "j1" on "j1"."id" = "t0"."case__v"')
  })

  it('adds the id as the last sort key so pages are stable', () => {
    expect(compileText('SELECT id FROM case__v ORDER BY name__v DESC').sql).toContain(
      'order by "t0"."name__v" desc nulls last, "t0"."id" asc',
    )
  })

  it('refuses more than 10 distinct relationships', () => {
    const children: ObjectDefinition[] = Array.from({ length: 11 }, (_, i) => ({
      name: `child${i}__c`,
      label: `Child ${i}`,
      labelPlural: `Children ${i}`,
      prefix: `C${String(i).padStart(2, '0')}`,
      plural: `children${i}`,
      fields: [{ name: 'parent__c', label: 'Parent', type: 'Object', object: 'parent__c' }],
    }))
    const profile: ProfileDefinition = {
      ...VQL_TEST_PROFILE,
      objects: [
        {
          name: 'parent__c',
          label: 'Parent',
          labelPlural: 'Parents',
          prefix: 'PAR',
          plural: 'parents',
          fields: [],
        },
        ...children,
      ],
    }
    const wide = compileMetadata(profile, []).metadata
    const subqueries = (n: number): string =>
      Array.from({ length: n }, (_, i) => `(SELECT id FROM children${i}__cr)`).join(', ')
    expect(() => compileText(`SELECT id, ${subqueries(10)} FROM parent__c`, wide)).not.toThrow()
    expect(() => compileText(`SELECT id, ${subqueries(11)} FROM parent__c`, wide)).toThrow(
      /at most 10 relationships/,
    )
  })
})

describe('targets that are not objects', () => {
  let vault: VqlTestVault
  beforeAll(async () => {
    vault = await openVqlTestVault()
  })
  afterAll(async () => {
    await vault?.close()
  })

  /** A stand-in for `documents`, over the case table, until documents exist. */
  const documents: VqlTargetProvider = {
    target(name, m) {
      if (name !== 'documents') return undefined
      const base: QueryTarget = objectTarget(m.objectByName.get('case__v')!, m)
      return {
        ...base,
        name: 'documents',
        label: 'Document',
        labelPlural: 'Documents',
        statusStates: {
          field: 'state__v',
          valuesOf: {
            STEADYSTATE: ['closed_state__v'],
            OBSOLETESTATE: ['cancelled_state__v'],
            SUPERSEDEDSTATE: [],
            DELETEDSTATE: ['new_state__v'],
          },
        },
        fromOptions: ['ALLVERSIONS', 'LATESTVERSION'],
        // Plain FROM hides "old versions": here, records without an amount.
        rowFilter: (option, alias) =>
          option === 'ALLVERSIONS' ? undefined : sql`${sql.ref(`${alias}.amount__v`)} is not null`,
      }
    },
    targets(m) {
      return [this.target('documents', m)!]
    },
  }

  async function ids(q: string): Promise<string[]> {
    const answer = await runVql(
      { ...vault.context(), targetProviders: [documents] },
      { q, apiVersion: 'v25.2' },
    )
    return answer.data.map((r) => String(r.id).slice(-1))
  }

  it('runs the document state functions against the declared state types', async () => {
    expect(await ids('SELECT id FROM documents WHERE state__v = STEADYSTATE()')).toEqual(['2', '5'])
    expect(await ids('SELECT id FROM documents WHERE state__v = OBSOLETESTATE()')).toEqual(['4'])
    expect(await ids('SELECT id FROM documents WHERE state__v = SUPERSEDEDSTATE()')).toEqual([])
    expect(await ids('SELECT id FROM ALLVERSIONS documents WHERE state__v = DELETEDSTATE()')).toEqual(['3'])
    expect(await ids('SELECT id FROM documents WHERE STEADYSTATE() = true')).toEqual(['2', '5'])
  })

  it('applies the target row filter unless ALLVERSIONS is given', async () => {
    expect(await ids('SELECT id FROM documents')).toEqual(['1', '2', '4', '5'])
    expect(await ids('SELECT LATESTVERSION id FROM ALLVERSIONS documents')).toEqual(['1', '2', '3', '4', '5'])
  })

  it('lists provided targets in SHOW TARGETS', async () => {
    const answer = await runVql(
      { ...vault.context(), targetProviders: [documents] },
      { q: "SHOW TARGETS LIKE 'doc%'", apiVersion: 'v25.2' },
    )
    expect(answer.data).toEqual([{ name: 'documents', label: 'Document', label_plural: 'Documents' }])
  })
})

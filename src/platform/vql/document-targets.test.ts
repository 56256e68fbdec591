import SqliteDatabase from 'better-sqlite3'
import fc from 'fast-check'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import { describe, expect, it } from 'vitest'
import { medicalProfile } from '../../apps/medical/index.js'
import { documentQueryTargets } from '../documents/index.js'
import { compileMetadata } from '../metadata/index.js'
import { postgresDialect, type StorageDialect, sqliteDialect } from '../storage/index.js'
import type { SelectStatementNode } from './ast.js'
import { compileSelect } from './compiler.js'
import { documentTargetProvider } from './document-targets.js'
import { pageQuery } from './executor.js'
import { parseVql } from './parser.js'
import { TargetRegistry } from './query-targets.js'

const { metadata } = compileMetadata(medicalProfile, [])

// Only compile SQL text; neither ever connects.
const compilers: Record<'sqlite' | 'postgres', Kysely<Record<string, Record<string, unknown>>>> = {
  sqlite: new Kysely({
    dialect: new SqliteDialect({ database: async () => new SqliteDatabase(':memory:') }),
  }),
  postgres: new Kysely({
    dialect: new PostgresDialect({
      pool: async () => {
        throw new Error('compile only')
      },
    }),
  }),
}
const DIALECTS: readonly StorageDialect[] = [sqliteDialect, postgresDialect]

function compileText(q: string, dialect: StorageDialect): { sql: string; parameters: readonly unknown[] } {
  const provider = documentTargetProvider(
    documentQueryTargets({ profile: medicalProfile, dialect, vaultId: 7 }),
  )
  const select = compileSelect(parseVql(q) as SelectStatementNode, {
    registry: new TargetRegistry(metadata, [provider]),
    dialect,
    nowMs: Date.parse('2026-03-18T12:00:00.000Z'),
    canRead: () => true,
  })
  return pageQuery(select, 1000, 0).compile(compilers[dialect.kind])
}

describe.each(DIALECTS)('document targets on $kind', (dialect) => {
  it('reads from document joined with document_version and hides older versions unless ALLVERSIONS', () => {
    const latest = compileText('SELECT id FROM documents', dialect)
    expect(latest.sql).toContain('"document_version" as "v"')
    expect(latest.sql).toContain('"v"."major" = "d"."latest_major"')
    const all = compileText('SELECT id FROM ALLVERSIONS documents', dialect)
    expect(all.sql).not.toContain('"d"."latest_major"')
  })

  it('binds values, JSON keys and state names as parameters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (value) => {
        const literal = `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`
        const compiled = compileText(
          `SELECT id FROM documents WHERE title__v = ${literal} AND status__v = STEADYSTATE()`,
          dialect,
        )
        expect(compiled.parameters).toContain(value)
        expect(compiled.parameters).toContain('approved__v')
      }),
      { numRuns: 50 },
    )
  })

  it('treats multi-value references like multi-value picklists', () => {
    const compiled = compileText(
      "SELECT id FROM documents WHERE country__v CONTAINS ('00C1', '00C2')",
      dialect,
    )
    expect(compiled.parameters).toEqual(expect.arrayContaining(['%,00C1,%', '%,00C2,%']))
  })
})

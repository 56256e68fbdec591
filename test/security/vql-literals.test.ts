// Review leftover of issue 10: flows interpolated vault ids and other values into VQL unescaped.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseVql, vqlString, vqlStringList } from '../../src/platform/vql/index.js'

const ROOT = resolve(import.meta.dirname, '../..')

/** Every string literal of a parsed statement, in source order. */
function stringsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(stringsOf)
  if (typeof node !== 'object' || node === null) return []
  const record = node as Record<string, unknown>
  if (record.kind === 'string') return [String(record.value)]
  return Object.values(record).flatMap(stringsOf)
}

/** Every .ts file under a folder, tests excluded. */
function sourcesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
}

describe('security: values go into VQL only as escaped literals', () => {
  it('security: vqlString keeps any value one literal, however it tries to end the string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('\u0000')),
        fc.array(
          fc.string().filter((s) => !s.includes('\u0000')),
          { minLength: 1, maxLength: 4 },
        ),
        (value, list) => {
          const q = `SELECT id FROM case__v WHERE name__v = ${vqlString(value)} AND id CONTAINS ${vqlStringList(list)}`
          expect(stringsOf(parseVql(q))).toEqual([value, ...list])
        },
      ),
    )
    expect(stringsOf(parseVql(`SELECT id FROM case__v WHERE id = ${vqlString("x' OR id != 'y")}`))).toEqual([
      "x' OR id != 'y",
    ])
  })

  it('security: the connection quotes no interpolated value by hand in a query; every value goes through vqlString', () => {
    const offenders = sourcesUnder(join(ROOT, 'src/connection')).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${file.slice(ROOT.length + 1)}:${i + 1}`, line }))
        .filter(({ line }) => /'\$\{/.test(line) && /SELECT|WHERE|CONTAINS|filter/.test(line)),
    )
    expect(offenders).toEqual([])
  })
})

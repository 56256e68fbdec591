import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { INTEGRATION_POINTS, PULL_WATERMARK_TASK, ROUTE_DOCUMENTS_TASK } from '../src/connection/index.js'

const SRC = resolve(import.meta.dirname, '../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    // Tests, and fixtures only tests import, are outside the layer rules.
    const source = path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('-fixture.ts')
    return statSync(path).isDirectory() ? files(path) : source ? [path] : []
  })
}

/** The module a file belongs to: `platform/records`, `apps/crm`, `connection/flows`, `api`, `cli`. */
function moduleOf(path: string): string {
  const parts = relative(SRC, path).split('/')
  const layered = parts[0] === 'platform' || parts[0] === 'apps' || parts[0] === 'connection'
  return layered && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!
}

/** Which module may import which (STYLE.md §1). */
function allowed(from: string, to: string): boolean {
  if (from === to) return true
  if (from === 'cli') return true
  if (to === 'platform/errors') return true
  if (from === 'platform/errors') return false
  if (from.startsWith('platform/')) return to.startsWith('platform/')
  if (from.startsWith('apps/')) return to.startsWith('platform/')
  if (from === 'connection' || from.startsWith('connection/'))
    return to.startsWith('platform/') || to.startsWith('connection/')
  if (from === 'api') return to.startsWith('platform/') || to === 'connection' || to.startsWith('connection/')
  return false
}

const PLATFORM_ORDER = [
  'errors',
  'clock',
  'storage',
  'jobs',
  'audit',
  'metadata',
  'security',
  'records',
  'documents',
  'vql',
  'messaging',
  'vault',
]

describe('module boundaries (STYLE.md §1)', () => {
  const imports = files(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gm)].map((m) => ({
      file: relative(SRC, file),
      from: moduleOf(file),
      to: moduleOf(resolve(file, '..', m[1]!)),
      spec: m[1]!,
    })),
  )

  it('imports only what the layer table allows', () => {
    const bad = imports.filter((i) => !allowed(i.from, i.to)).map((i) => `${i.file} → ${i.spec}`)
    expect(bad).toEqual([])
  })

  it('crosses into another module only through its index.ts', () => {
    const bad = imports
      .filter((i) => i.from !== i.to && !/\/index\.js$/.test(i.spec))
      .map((i) => `${i.file} → ${i.spec}`)
    expect(bad).toEqual([])
  })

  it('keeps platform layers acyclic: lower layers never import higher ones', () => {
    const rank = (m: string) => PLATFORM_ORDER.indexOf(m.replace('platform/', ''))
    const bad = imports
      .filter((i) => i.from.startsWith('platform/') && i.to.startsWith('platform/') && i.from !== i.to)
      .filter((i) => rank(i.to) === -1 || rank(i.from) === -1 || rank(i.to) > rank(i.from))
      .map((i) => `${i.file} → ${i.spec}`)
    expect(bad).toEqual([])
  })

  it('keeps api free of import cycles, type imports included', () => {
    const edges = new Map<string, string[]>()
    for (const i of imports.filter((i) => i.from === 'api' && i.to === 'api')) {
      const target = relative(SRC, resolve(SRC, dirname(i.file), i.spec)).replace(/\.js$/, '.ts')
      edges.set(i.file, [...(edges.get(i.file) ?? []), target])
    }
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, path: readonly string[]): void => {
      state.set(file, 'open')
      for (const next of edges.get(file) ?? []) {
        if (state.get(next) === 'open')
          cycles.push([...path, file, next].slice(path.indexOf(next)).join(' → '))
        else if (state.get(next) === undefined) visit(next, [...path, file])
      }
      state.set(file, 'done')
    }
    for (const file of edges.keys()) if (state.get(file) === undefined) visit(file, [])
    expect(cycles).toEqual([])
  })

  it('keeps each third-party package in its home', () => {
    const homes: Record<string, string[]> = {
      'better-sqlite3': ['platform/storage'],
      pg: ['platform/storage'],
      fastify: ['api'],
      '@fastify/': ['api'],
      '@fastify/type-provider-typebox': ['api'],
      typebox: ['api'],
      'prom-client': ['api'],
      commander: ['cli'],
      pino: ['cli'],
      'graphile-worker': ['platform/jobs'],
    }
    const bad: string[] = []
    for (const file of files(SRC)) {
      const from = moduleOf(file)
      for (const m of readFileSync(file, 'utf8').matchAll(/^import[^'"]*from '([^.][^']*)'/gm)) {
        for (const [pkg, home] of Object.entries(homes))
          if ((m[1] === pkg || m[1]!.startsWith(pkg.endsWith('/') ? pkg : `${pkg}/`)) && !home.includes(from))
            bad.push(`${relative(SRC, file)} imports ${m[1]}`)
      }
    }
    expect(bad).toEqual([])
  })
})

describe('the platform knows no connection (issue 9)', () => {
  /** Every `.ts` file under a folder, tests and fixtures included. */
  function everyFile(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      return statSync(path).isDirectory() ? everyFile(path) : path.endsWith('.ts') ? [path] : []
    })
  }

  it('names none of the job tasks, job keys and integration points the connection owns', () => {
    // Read from the connection's own declarations, so the list stays true as the connection grows.
    const words = [
      PULL_WATERMARK_TASK.name,
      ROUTE_DOCUMENTS_TASK.name,
      // The job key of a scheduled pull (connection/scheduled-pulls.ts pullJobKey).
      'pull:',
      ...Object.values(INTEGRATION_POINTS),
    ]
    const bad = everyFile(join(SRC, 'platform')).flatMap((file) => {
      const text = readFileSync(file, 'utf8')
      return words.filter((word) => text.includes(word)).map((word) => `${relative(SRC, file)} names ${word}`)
    })
    expect(bad).toEqual([])
  })
})

describe('dynamic imports (STYLE.md §1)', () => {
  it('load only a file of their own module, except in cli (the composition root)', () => {
    // A dynamic import would slip past the checks above, which read static imports only.
    const bad = files(SRC).flatMap((file) => {
      const from = moduleOf(file)
      if (from === 'cli') return []
      return [...readFileSync(file, 'utf8').matchAll(/\bimport\(\s*([^)]*)\)/g)]
        .filter((m) => {
          const literal = /^(['"`])(\.[^'"`$]*)\1$/.exec(m[1]!.trim())
          return literal === null || moduleOf(resolve(file, '..', literal[2]!)) !== from
        })
        .map((m) => `${relative(SRC, file)} → import(${m[1]})`)
    })
    expect(bad).toEqual([])
  })
})

import { CompiledQuery, type Kysely } from 'kysely'
import { medicalProfile } from '../src/apps/medical/index.js'
import { serveVault } from '../src/cli/vault-server.js'
import type { VaultDb } from '../src/platform/storage/index.js'
import { runVql, type VqlContext } from '../src/platform/vql/index.js'
import { sqliteBenchDatabase } from './bench-databases.js'
import { benchSession } from './bench-session.js'
import type { Benchmark, BenchOptions, BenchResult } from './bench-types.js'

const OBJECT = 'case_contact__v'
const START_MS = Date.parse('2026-01-01T00:00:00.000Z')

/** Fills the object with `count` contacts straight through SQL; modified dates one second apart. */
async function fill(db: Kysely<VaultDb>, count: number, kind: 'sqlite' | 'postgres'): Promise<void> {
  const columns = [
    'id',
    'name__v',
    'first_name__v',
    'last_name__v',
    'veeva_id__v',
    'status__v',
    'created_date__v',
    'modified_date__v',
  ]
  const perStatement = 2000
  for (let start = 0; start < count; start += 20_000) {
    await db.transaction().execute(async (trx) => {
      for (let s = start; s < Math.min(start + 20_000, count); s += perStatement) {
        const params: unknown[] = []
        const rows: string[] = []
        for (let i = s; i < Math.min(s + perStatement, count); i++) {
          const at = new Date(START_MS + i * 1000).toISOString()
          const values = [
            `0CTB${String(i).padStart(11, '0')}`,
            `Contact ${i}`,
            `First${i}`,
            `Last${i}`,
            `V${i}`,
            'active__v',
            at,
            at,
          ]
          const placeholders = values.map((v) => {
            params.push(v)
            return kind === 'postgres' ? `$${params.length}` : '?'
          })
          rows.push(`(${placeholders.join(', ')})`)
        }
        await trx.executeQuery(
          CompiledQuery.raw(
            `insert into ${OBJECT} (${columns.join(', ')}) values ${rows.join(', ')}`,
            params,
          ),
        )
      }
    })
  }
  if (kind === 'sqlite') await db.executeQuery(CompiledQuery.raw('analyze'))
}

interface World {
  readonly url: string
  readonly context: VqlContext
  readonly session: string
  readonly db: Kysely<VaultDb>
  close(): Promise<void>
}

async function world(count: number, options: BenchOptions): Promise<World> {
  const database = sqliteBenchDatabase(`vql${count}`)
  const served = await serveVault(
    {
      name: 'bench-vql',
      profile: medicalProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      burstLimit: 10_000_000,
    },
    0,
  )
  const t = performance.now()
  await fill(served.vault.storage.db, count, 'sqlite')
  options.log(`  filled ${count} ${OBJECT} records in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const sessionId = await benchSession(served)
  const vault = served.vault
  return {
    url: served.url,
    context: {
      storage: vault.storage,
      metadata: vault.metadata.current,
      clock: vault.clock,
      userId: 'bench',
      canRead: () => true,
    },
    session: sessionId,
    db: served.vault.storage.db,
    async close() {
      await served.close()
      await database.drop()
    },
  }
}

async function vql(w: World, q: string): Promise<number> {
  const response = await fetch(`${w.url}/api/v25.2/query`, {
    method: 'POST',
    headers: { authorization: w.session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ q }),
  })
  const body = (await response.json()) as { responseStatus: string; data?: unknown[]; errors?: unknown }
  if (body.responseStatus !== 'SUCCESS') throw new Error(`VQL failed: ${JSON.stringify(body.errors)}`)
  return body.data?.length ?? 0
}

async function timed(times: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(0)
  const t = performance.now()
  for (let i = 1; i <= times; i++) await fn(i)
  return (performance.now() - t) / times
}

export const vqlBenchmarks: Benchmark = {
  name: 'vql',
  async run(options) {
    const big = options.quick ? 200_000 : 1_000_000
    const small = 10_000
    const queries = options.quick ? 200 : 500
    const results: BenchResult[] = []
    const large = await world(big, options)
    try {
      const key = (i: number) => `V${(i * 7919) % big}`
      const viaVql = await timed(queries, (i) =>
        vql(large, `SELECT id, name__v FROM ${OBJECT} WHERE veeva_id__v = '${key(i)}'`),
      )
      const viaKysely = await timed(queries, (i) =>
        large.db.selectFrom(OBJECT).select(['id', 'name__v']).where('veeva_id__v', '=', key(i)).execute(),
      )
      results.push({
        name: 'vql.indexed_query',
        value: Number(viaVql.toFixed(3)),
        unit: 'ms/query',
        baseline: Number(viaKysely.toFixed(3)),
        ratio: Number((viaKysely / viaVql).toFixed(3)),
        target: 'ratio >= 0.5',
        note: `SQLite, ${big} records; VQL over HTTP (session, parse, compile, paging, shaping) vs the same Kysely query in process`,
      })
      const inProcess = await timed(queries, (i) =>
        runVql(large.context, {
          q: `SELECT id, name__v FROM ${OBJECT} WHERE veeva_id__v = '${key(i)}'`,
          apiVersion: 'v25.2',
        }),
      )
      results.push({
        name: 'vql.indexed_query.in_process',
        value: Number(inProcess.toFixed(3)),
        unit: 'ms/query',
        baseline: Number(viaKysely.toFixed(3)),
        ratio: Number((viaKysely / inProcess).toFixed(3)),
        note: 'the same comparison without HTTP: runVql in process vs Kysely',
      })
      const pullFrom = (count: number) => new Date(START_MS + (count - 101) * 1000).toISOString()
      const pull = (w: World, count: number) =>
        timed(queries, () =>
          vql(
            w,
            `SELECT id, name__v, modified_date__v FROM ${OBJECT} WHERE modified_date__v > '${pullFrom(count)}'`,
          ),
        )
      const atBig = await pull(large, big)
      const smallWorld = await world(small, options)
      try {
        const atSmall = await pull(smallWorld, small)
        results.push({
          name: 'vql.incremental_pull',
          value: Number(atBig.toFixed(3)),
          unit: 'ms/query',
          baseline: Number(atSmall.toFixed(3)),
          ratio: Number((atSmall / atBig).toFixed(3)),
          target: 'ratio >= 0.5',
          note: `100 rows by modified_date__v at ${big} records (value) vs ${small} records (baseline)`,
        })
      } finally {
        await smallWorld.close()
      }
    } finally {
      await large.close()
    }
    return results
  },
}

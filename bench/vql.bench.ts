import Fastify from 'fastify'
import { CompiledQuery, type Kysely } from 'kysely'
import { vqlContextFor } from '../src/api/query-answer.js'
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
  /** What the query route builds for the bench admin's session. */
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
      // The burst limit would hold the bench's thousands of calls; it is not what is measured.
      burstLimit: 10_000_000,
    },
    0,
  )
  const t = performance.now()
  await fill(served.vault.storage.db, count, 'sqlite')
  options.log(`  filled ${count} ${OBJECT} records in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const sessionId = await benchSession(served)
  const vault = served.vault
  const user = await vault.sessions.resolve(sessionId)
  const actor = { userId: user.userId, userName: user.username, securityProfile: user.securityProfile }
  return {
    url: served.url,
    // The context the query route gives runVql for this session (permissions, record scope, targets).
    context: vqlContextFor(vault, actor),
    session: sessionId,
    db: served.vault.storage.db,
    async close() {
      await served.close()
      await database.drop()
    },
  }
}

async function vqlOverHttp(w: World, q: string): Promise<number> {
  const response = await fetch(`${w.url}/api/v25.2/query`, {
    method: 'POST',
    headers: { authorization: w.session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ q }),
  })
  const body = (await response.json()) as { responseStatus: string; data?: unknown[]; errors?: unknown }
  if (body.responseStatus !== 'SUCCESS') throw new Error(`VQL failed: ${JSON.stringify(body.errors)}`)
  return body.data?.length ?? 0
}

async function vqlInProcess(w: World, q: string): Promise<number> {
  const response = await runVql(w.context, { q, apiVersion: 'v25.2' })
  if (response.responseStatus !== 'SUCCESS') throw new Error(`VQL failed: ${JSON.stringify(response)}`)
  return response.data?.length ?? 0
}

function byKey(db: Kysely<VaultDb>, key: string) {
  return db.selectFrom(OBJECT).select(['id', 'name__v']).where('veeva_id__v', '=', key).execute()
}

const byKeyVql = (key: string) => `SELECT id, name__v FROM ${OBJECT} WHERE veeva_id__v = '${key}'`

/**
 * The baseline of the HTTP comparison: the same Kysely query behind a minimal Fastify route in
 * this process (form body in, JSON envelope out), called by the same HTTP client as VQL.
 */
async function baselineRoute(db: Kysely<VaultDb>): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify()
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
  app.post('/by-key', async (request) => {
    const data = await byKey(db, (request.body as { key: string }).key)
    return { responseStatus: 'SUCCESS', responseDetails: { size: data.length, total: data.length }, data }
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close() }
}

async function baselineOverHttp(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/by-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }),
  })
  const body = (await response.json()) as { responseStatus: string; data: unknown[] }
  if (body.responseStatus !== 'SUCCESS') throw new Error('The baseline route failed.')
  return body.data.length
}

/** Keys of existing records in random order, so no variant reads what another just cached. */
function randomKeys(count: number, records: number): string[] {
  return Array.from({ length: count }, () => `V${Math.floor(Math.random() * records)}`)
}

/**
 * Milliseconds per query of two variants, run in alternating rounds (which goes first alternates
 * too), each round on fresh random keys, after one warm-up round of each.
 */
async function interleaved(
  rounds: number,
  perRound: number,
  records: number,
  a: (key: string) => Promise<number>,
  b: (key: string) => Promise<number>,
): Promise<{ a: number; b: number }> {
  const run = async (fn: (key: string) => Promise<number>) => {
    const keys = randomKeys(perRound, records)
    const t = performance.now()
    for (const key of keys) if ((await fn(key)) !== 1) throw new Error(`No record for ${key}.`)
    return performance.now() - t
  }
  await run(a)
  await run(b)
  let msA = 0
  let msB = 0
  for (let round = 0; round < rounds; round++)
    if (round % 2 === 0) {
      msA += await run(a)
      msB += await run(b)
    } else {
      msB += await run(b)
      msA += await run(a)
    }
  return { a: msA / (rounds * perRound), b: msB / (rounds * perRound) }
}

/** Queries per second with `clients` callers each sending its next query when the last answered. */
async function throughput(
  clients: number,
  queries: number,
  records: number,
  fn: (key: string) => Promise<number>,
): Promise<number> {
  const keys = randomKeys(queries, records)
  let next = 0
  const t = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!
        if ((await fn(key)) !== 1) throw new Error(`No record for ${key}.`)
      }
    }),
  )
  return queries / ((performance.now() - t) / 1000)
}

const CLIENTS = 16

export const vqlBenchmarks: Benchmark = {
  name: 'vql',
  async run(options) {
    const big = options.quick ? 200_000 : 1_000_000
    const small = 10_000
    const rounds = options.quick ? 6 : 10
    const perRound = options.quick ? 100 : 200
    const results: BenchResult[] = []
    const large = await world(big, options)
    const route = await baselineRoute(large.db)
    try {
      const inProcess = await interleaved(
        rounds,
        perRound,
        big,
        (key) => vqlInProcess(large, byKeyVql(key)),
        async (key) => (await byKey(large.db, key)).length,
      )
      results.push({
        name: 'vql.indexed_query',
        value: Number(inProcess.a.toFixed(3)),
        unit: 'ms/query',
        baseline: Number(inProcess.b.toFixed(3)),
        ratio: Number((inProcess.b / inProcess.a).toFixed(3)),
        target: { of: 'ratio', atLeast: 0.5 },
        note: `SQLite, ${big} records; one record by an indexed field: runVql in process (parse, compile, permission checks, execute, shaping; the context the query route builds for an admin session) vs the same Kysely query; ${rounds} interleaved rounds of ${perRound} random keys after a warm-up round of each; ratio = baseline / value`,
      })
      const overHttp = await interleaved(
        rounds,
        perRound,
        big,
        (key) => vqlOverHttp(large, byKeyVql(key)),
        (key) => baselineOverHttp(route.url, key),
      )
      results.push({
        name: 'vql.indexed_query.http',
        value: Number(overHttp.a.toFixed(3)),
        unit: 'ms/query',
        baseline: Number(overHttp.b.toFixed(3)),
        ratio: Number((overHttp.b / overHttp.a).toFixed(3)),
        target: { of: 'ratio', atLeast: 0.6 },
        note: `the same query over HTTP (fetch, keep-alive): POST /api/v25.2/query (session, burst limit, parse, compile, permission checks, execute, envelope) vs the same Kysely query behind a minimal Fastify route in this process (form body in, JSON out); ${rounds} interleaved rounds of ${perRound} random keys; ratio = baseline / value`,
      })
      const queries = options.quick ? 2_000 : 8_000
      // Warm both at this concurrency, then alternate.
      await throughput(CLIENTS, 200, big, (key) => vqlOverHttp(large, byKeyVql(key)))
      await throughput(CLIENTS, 200, big, (key) => baselineOverHttp(route.url, key))
      let vqlQps = 0
      let baseQps = 0
      for (let round = 0; round < 2; round++) {
        const v = () => throughput(CLIENTS, queries / 2, big, (key) => vqlOverHttp(large, byKeyVql(key)))
        const b = () => throughput(CLIENTS, queries / 2, big, (key) => baselineOverHttp(route.url, key))
        if (round === 0) {
          vqlQps += await v()
          baseQps += await b()
        } else {
          baseQps += await b()
          vqlQps += await v()
        }
      }
      vqlQps /= 2
      baseQps /= 2
      results.push({
        name: 'vql.throughput_16',
        value: Math.round(vqlQps),
        unit: 'queries/s',
        baseline: Math.round(baseQps),
        ratio: Number((vqlQps / baseQps).toFixed(3)),
        target: { of: 'ratio', atLeast: 0.5 },
        note: `${CLIENTS} concurrent HTTP clients, ${queries} random-key queries per variant in 2 alternating rounds: POST /api/v25.2/query vs the minimal Fastify route of vql.indexed_query.http; ratio = value / baseline`,
      })
      const pullFrom = (count: number) => new Date(START_MS + (count - 101) * 1000).toISOString()
      const pullQueries = options.quick ? 200 : 500
      const pull = async (w: World, count: number) => {
        const q = `SELECT id, name__v, modified_date__v FROM ${OBJECT} WHERE modified_date__v > '${pullFrom(count)}'`
        await vqlOverHttp(w, q)
        const t = performance.now()
        for (let i = 0; i < pullQueries; i++) await vqlOverHttp(w, q)
        return (performance.now() - t) / pullQueries
      }
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
          target: { of: 'ratio', atLeast: 0.5 },
          note: `100 rows by modified_date__v at ${big} records (value) vs ${small} records (baseline)`,
        })
      } finally {
        await smallWorld.close()
      }
    } finally {
      await route.close()
      await large.close()
    }
    return results
  },
}

import { randomUUID } from 'node:crypto'
import { CompiledQuery } from 'kysely'
import { medicalProfile } from '../src/apps/medical/index.js'
import { serveVault } from '../src/cli/vault-server.js'
import type { Storage } from '../src/platform/storage/index.js'
import {
  type BenchDatabase,
  postgresAvailable,
  postgresBenchDatabase,
  sqliteBenchDatabase,
} from './bench-databases.js'
import { benchSession } from './bench-session.js'
import type { Benchmark, BenchOptions, BenchResult } from './bench-types.js'

const BATCH = 500
const OBJECT = 'case_contact__v'

function contact(run: string, i: number): Record<string, string> {
  return {
    name__v: `Dr. Bench ${run} ${i}`,
    first_name__v: `First${i}`,
    last_name__v: `Last${i}`,
    credentials__v: 'MD',
    specialty__v: 'Cardiology',
    institution__v: `General Hospital ${i % 97}`,
    veeva_id__v: `V${run}${i}`,
    external_id__v: `EXT-${run}-${i}`,
  }
}

/**
 * The baseline: the same rows, with the same system columns and one audit row each, written as raw
 * multi-row INSERT statements, one transaction per 500 rows, in the same database.
 */
async function rawInsert(
  storage: Storage,
  rows: Record<string, string>[],
  run: string,
  vaultId: number,
): Promise<void> {
  const now = new Date().toISOString()
  const kind = storage.dialect.kind
  const p = (n: number) => (kind === 'postgres' ? `$${n}` : '?')
  await storage.db.transaction().execute(async (trx) => {
    const full: Record<string, string>[] = rows.map((r, i) => {
      const id = `RAW${run}${String(i).padStart(8, '0')}`
      return {
        ...r,
        id,
        status__v: 'active__v',
        created_date__v: now,
        created_by__v: 'system',
        modified_date__v: now,
        modified_by__v: 'system',
        global_id__sys: `${vaultId}_${id}`,
      }
    })
    const columns = Object.keys(full[0]!)
    const params: unknown[] = []
    const values = full
      .map(
        (r) =>
          `(${columns
            .map((c) => {
              params.push((r as Record<string, unknown>)[c])
              return p(params.length)
            })
            .join(', ')})`,
      )
      .join(', ')
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into ${OBJECT} (${columns.map((c) => `"${c}"`).join(', ')}) values ${values}`,
        params,
      ),
    )
    const auditParams: unknown[] = []
    const grouping = randomUUID()
    const auditValues = full
      .map((r) => {
        const start = auditParams.length
        auditParams.push(
          grouping,
          now,
          'system',
          'System',
          'Create',
          OBJECT,
          r.id,
          `Created Case Contact ${r.name__v}`,
        )
        return `(${[1, 2, 3, 4, 5, 6, 7, 8].map((k) => p(start + k)).join(', ')})`
      })
      .join(', ')
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into audit_trail (grouping_id, timestamp, user_id, user_name, action, object_name, record_id, event_description) values ${auditValues}`,
        auditParams,
      ),
    )
  })
}

async function measure(
  database: BenchDatabase,
  options: BenchOptions,
  label: string,
): Promise<{ api: number; raw: number }> {
  const batches = options.quick ? 10 : 60
  const served = await serveVault(
    {
      name: `bench-${label}`,
      profile: medicalProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      burstLimit: 1_000_000,
    },
    0,
  )
  try {
    const sessionId = await benchSession(served)
    const post = async (rows: Record<string, string>[]) => {
      const response = await fetch(`${served.url}/api/v25.2/vobjects/${OBJECT}`, {
        method: 'POST',
        headers: { authorization: sessionId, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      })
      const body = (await response.json()) as { responseStatus: string; data: { responseStatus: string }[] }
      if (body.responseStatus !== 'SUCCESS' || body.data.some((d) => d.responseStatus !== 'SUCCESS'))
        throw new Error(`bulk create failed: ${JSON.stringify(body).slice(0, 300)}`)
    }
    const batch = (run: string) => Array.from({ length: BATCH }, (_, i) => contact(run, i))
    // Warm both paths once so neither pays for JIT and statement caches in the measurement.
    await post(batch('warmapi'))
    await rawInsert(served.vault.storage, batch('warmraw'), 'warmraw', served.vault.id)
    let apiMs = 0
    let rawMs = 0
    for (let b = 0; b < batches; b++) {
      const apiRows = batch(`a${b}`)
      let t = performance.now()
      await post(apiRows)
      apiMs += performance.now() - t
      const rawRows = batch(`r${b}`)
      t = performance.now()
      await rawInsert(served.vault.storage, rawRows, `r${b}`, served.vault.id)
      rawMs += performance.now() - t
    }
    const records = batches * BATCH
    options.log(
      `  ${label}: ${records} records via API in ${apiMs.toFixed(0)} ms, raw in ${rawMs.toFixed(0)} ms`,
    )
    return { api: records / (apiMs / 1000), raw: records / (rawMs / 1000) }
  } finally {
    await served.close()
    await database.drop()
  }
}

export const recordsBulkCreate: Benchmark = {
  name: 'records.bulk_create',
  async run(options) {
    const results: BenchResult[] = []
    const sqlite = await measure(sqliteBenchDatabase('bulk'), options, 'sqlite')
    results.push({
      name: 'records.bulk_create',
      value: Math.round(sqlite.api),
      unit: 'records/s',
      baseline: Math.round(sqlite.raw),
      ratio: Number((sqlite.api / sqlite.raw).toFixed(3)),
      target: { of: 'ratio', atLeast: 0.25 },
      note: 'SQLite; HTTP API in 500-record calls vs raw batched INSERTs of the same rows and audit rows',
    })
    if (options.postgresUrl !== undefined && (await postgresAvailable(options.postgresUrl))) {
      const pgResult = await measure(
        await postgresBenchDatabase(options.postgresUrl, 'bulk'),
        options,
        'postgres',
      )
      results.push({
        name: 'records.bulk_create.postgres',
        value: Math.round(pgResult.api),
        unit: 'records/s',
        baseline: Math.round(pgResult.raw),
        ratio: Number((pgResult.api / pgResult.raw).toFixed(3)),
        note: 'PostgreSQL; same measurement',
      })
    }
    return results
  },
}

import { type Kysely, sql } from 'kysely'
import { crmProfile } from '../src/apps/crm/index.js'
import type { RunningVault } from '../src/cli/vault-server.js'
import { foldFeed, recalculateSums } from '../src/connection/flows/clm-metrics/fold-clm-activity.js'
import { connectionVaultOf, installMedicalCrmConnection } from '../src/connection/index.js'
import type { VaultDb } from '../src/platform/storage/index.js'
import { SYSTEM_ACTOR, Vault } from '../src/platform/vault/index.js'
import { sqliteBenchDatabase } from './bench-databases.js'
import { benchSession } from './bench-session.js'
import { type Benchmark, type BenchOptions, type BenchResult, latencyRows } from './bench-types.js'
import { benchPdf, type DocumentWorld, startDocumentWorld } from './document-world.js'

const API = '/api/v25.2'
const KEY_MESSAGES = 20
const PRESENTATIONS = 4
const SLIDES_PER_CALL = 10
const NEW_ROWS = 1_000
const REPEATS = 5

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return performance.now() - started
}

async function createIds(vault: Vault, object: string, rows: readonly Record<string, unknown>[]) {
  const ids: string[] = []
  for (let i = 0; i < rows.length; i += 500) {
    const results = await vault.records.create(SYSTEM_ACTOR, object, rows.slice(i, i + 500))
    for (const r of results) {
      if (r.id === undefined) throw new Error(`${object}: ${JSON.stringify(r.errors)}`)
      ids.push(r.id)
    }
  }
  return ids
}

interface Content {
  readonly account: string
  readonly keyMessages: readonly string[]
  readonly presentations: readonly string[]
}

async function content(vault: Vault): Promise<Content> {
  const [account] = await createIds(vault, 'account__v', [{ name__v: 'Bench HCP' }])
  return {
    account: account!,
    keyMessages: await createIds(
      vault,
      'key_message__v',
      Array.from({ length: KEY_MESSAGES }, (_, i) => ({ name__v: `Slide ${i}`, link__v: `1_${100 + i}` })),
    ),
    presentations: await createIds(
      vault,
      'clm_presentation__v',
      Array.from({ length: PRESENTATIONS }, (_, i) => ({ name__v: `Deck ${i}`, link__v: `1_${i}` })),
    ),
  }
}

/** `count` call key messages written as a rep's call reporting writes them (records API, feed entries). */
async function newActivity(vault: Vault, c: Content, count: number): Promise<void> {
  const calls = await createIds(
    vault,
    'call2__v',
    Array.from({ length: Math.ceil(count / SLIDES_PER_CALL) }, () => ({
      account__v: c.account,
      country__v: 'us__v',
    })),
  )
  await createIds(
    vault,
    'call2_key_message__v',
    Array.from({ length: count }, (_, i) => ({
      call2__v: calls[Math.floor(i / SLIDES_PER_CALL)],
      account__v: c.account,
      key_message__v: c.keyMessages[i % KEY_MESSAGES],
      clm_presentation__v: c.presentations[Math.floor(i / SLIDES_PER_CALL) % PRESENTATIONS],
      display_order__v: (i % SLIDES_PER_CALL) + 1,
      duration__v: (i * 37) % 300,
      reaction__v: ['positive__v', 'neutral__v', 'negative__v'][i % 3],
      custom_presentation__v: i % 7 === 0,
      country__v: ['us__v', 'ca__v', 'mx__v'][i % 3],
      start_time__v: `2026-11-${String((i % 28) + 1).padStart(2, '0')}T10:00:00.000Z`,
    })),
  )
}

/** `rows` rows of history written straight into the table (set-up, not measured). */
async function history(db: Kysely<VaultDb>, c: Content, rows: number): Promise<void> {
  const pick = (ids: readonly string[], index: ReturnType<typeof sql>) =>
    sql`case ${index} ${sql.join(
      ids.map((id, n) => sql`when ${sql.lit(n)} then ${sql.lit(id)}`),
      sql` `,
    )} end`
  await sql`with recursive n(i) as (select 0 union all select i + 1 from n where i < ${sql.lit(rows - 1)})
    insert into call2_key_message__v (id, call2__v, account__v, key_message__v, clm_presentation__v,
      display_order__v, duration__v, reaction__v, custom_presentation__v, country__v, created_date__v)
    select 'HCK' || i, 'HCL' || (i / 10), ${sql.lit(c.account)},
      ${pick(c.keyMessages, sql`(i % ${sql.lit(KEY_MESSAGES)})`)},
      ${pick(c.presentations, sql`((i / 10) % ${sql.lit(PRESENTATIONS)})`)},
      (i % 10) + 1, (i * 7919) % 600,
      case (i * 31) % 4 when 0 then 'positive__v' when 1 then 'neutral__v' when 2 then 'negative__v' else null end,
      case when (i / 10) % 6 = 0 then 1 else 0 end,
      case (i / 10) % 5 when 0 then 'us__v' when 1 then 'ca__v' when 2 then 'mx__v' when 3 then 'gb__v' else null end,
      '2026-09-01T00:00:00.000Z'
    from n`.execute(db)
}

/** The baseline: one GROUP BY over the same table, the slide figures' sums per key message and country. */
async function oneGroupBy(db: Kysely<VaultDb>): Promise<number> {
  const result = await sql`select key_message__v, country__v, count(*) as shown, sum(duration__v) as duration,
      sum(display_order__v) as order_sum, count(display_order__v) as order_count,
      sum(case when custom_presentation__v = 1 then 1 else 0 end) as custom_rows,
      sum(case when reaction__v = 'positive__v' then 1 else 0 end) as positive,
      sum(case when reaction__v = 'neutral__v' then 1 else 0 end) as neutral,
      sum(case when reaction__v = 'negative__v' then 1 else 0 end) as negative
    from call2_key_message__v group by key_message__v, country__v`.execute(db)
  return result.rows.length
}

async function openCrm(label: string) {
  const database = sqliteBenchDatabase(label)
  const vault = await Vault.open({
    name: label,
    profile: crmProfile,
    environment: 'production',
    database: database.config,
    // The bench folds by hand: the job runner would fold the feed under the clock's nose.
    runJobs: false,
    setup: [(v) => installMedicalCrmConnection(connectionVaultOf(v), 'crm')],
  })
  return {
    vault,
    close: async () => {
      await vault.close()
      await database.drop()
    },
  }
}

const fold = (vault: Vault) =>
  vault.storage.db.transaction().execute((trx) => foldFeed(trx, vault.storage.dialect))

async function aggregateAndIncremental(options: BenchOptions): Promise<BenchResult[]> {
  const rows = options.quick ? 200_000 : 1_000_000
  const { vault, close } = await openCrm('metrics')
  try {
    const c = await content(vault)
    const db = vault.storage.db
    // Folding 1,000 new rows into an empty history (emptied again before each repeat).
    const empty: number[] = []
    // One fold more than counted: the first warms the statements both cases use.
    for (let r = 0; r <= REPEATS; r++) {
      for (const table of ['call2_key_message__v', 'activity_change', 'activity_sum'])
        await db.deleteFrom(table).execute()
      await newActivity(vault, c, NEW_ROWS)
      const ms = await time(() => fold(vault))
      if (r > 0) empty.push(ms)
    }
    for (const table of ['call2_key_message__v', 'activity_change', 'activity_sum'])
      await db.deleteFrom(table).execute()
    const seeded = performance.now()
    await history(db, c, rows)
    options.log(
      `  ${rows.toLocaleString('en')} call key messages of history written in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
    )
    const ours: number[] = []
    const baseline: number[] = []
    for (let r = 0; r < 3; r++) {
      baseline.push(await time(() => oneGroupBy(db)))
      ours.push(
        await time(() => db.transaction().execute((trx) => recalculateSums(trx, vault.storage.dialect))),
      )
    }
    const full: number[] = []
    for (let r = 0; r < REPEATS; r++) {
      await newActivity(vault, c, NEW_ROWS)
      full.push(await time(() => fold(vault)))
    }
    const aggregate = median(baseline) / median(ours)
    const incremental = median(full) / median(empty)
    options.log(
      `  recalculation ${median(ours).toFixed(0)} ms against one GROUP BY ${median(baseline).toFixed(0)} ms; fold of ${NEW_ROWS} rows ${median(full).toFixed(1)} ms over the history, ${median(empty).toFixed(1)} ms over none`,
    )
    return [
      {
        name: 'metrics.aggregate',
        value: Math.round(median(ours)),
        unit: 'ms',
        baseline: Math.round(median(baseline)),
        ratio: Math.round(aggregate * 1000) / 1000,
        target: { of: 'ratio', atLeast: 0.5 },
        note: `recalculating CLM Content Metrics from scratch (recalculateSums: slides per key message and country, presentations with distinct calls, all countries, activity lines) over ${rows.toLocaleString('en')} call key messages on SQLite, against one SQL GROUP BY of the slide sums over the same table in the same run; ratio = GROUP BY time ÷ recalculation time, medians of 3`,
      },
      {
        name: 'metrics.incremental',
        value: Math.round(median(full) * 10) / 10,
        unit: 'ms',
        baseline: Math.round(median(empty) * 10) / 10,
        ratio: Math.round(incremental * 100) / 100,
        target: { of: 'ratio', atMost: 2 },
        note: `folding ${NEW_ROWS} new call key messages (written through the records API, ${NEW_ROWS / SLIDES_PER_CALL} new calls) into a history of ${rows.toLocaleString('en')}, against folding ${NEW_ROWS} into an empty history, SQLite; ratio = history ÷ empty (≤ 2: the cost follows the new rows), medians of ${REPEATS}`,
      },
    ]
  } finally {
    await close()
  }
}

/** Builds and publishes a 3-slide presentation for US (set-up); answers the first slide's id. */
async function publishPresentation(
  w: DocumentWorld,
): Promise<{ slide: number; keyMessage: string; presentation: string }> {
  const { documents, binders } = w.medical.vault
  const shared = { lifecycle__v: 'medical_content_lifecycle__v', country__v: [w.us], clm_content__v: true }
  const binderId = await binders.create(SYSTEM_ACTOR, {
    fields: { ...shared, name__v: 'Metrics deck', type__v: 'multichannel_presentation__v' },
  })
  const slides: number[] = []
  for (let i = 0; i < 3; i++) {
    const id = await documents.create(SYSTEM_ACTOR, {
      fields: { ...shared, name__v: `Metrics slide ${i + 1}`, type__v: 'multichannel_slide__v' },
      file: { bytes: benchPdf('metrics', i), name: `slide-${i + 1}.pdf`, mime: 'application/pdf' },
    })
    slides.push(id)
    await binders.addDocument(SYSTEM_ACTOR, binderId, { document_id__v: id, order__v: i + 1 })
  }
  const crm = w.crms[0]!
  const deadline = performance.now() + 60_000
  for (;;) {
    const km = await crm.vault.storage.db
      .selectFrom('key_message__v')
      .select('id')
      .where('link__v', '=', `${w.medical.vault.id}_${slides[0]}`)
      .executeTakeFirst()
    const deck = await crm.vault.storage.db
      .selectFrom('clm_presentation__v')
      .select('id')
      .where('link__v', '=', `${w.medical.vault.id}_${binderId}`)
      .executeTakeFirst()
    if (km !== undefined && deck !== undefined)
      return { slide: slides[0]!, keyMessage: String(km.id), presentation: String(deck.id) }
    if (performance.now() > deadline)
      throw new Error('The presentation did not reach the CRM within a minute.')
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function post(
  served: RunningVault,
  session: string,
  path: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${served.url}${API}${path}`, {
    method: 'POST',
    headers: { authorization: session, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as Record<string, unknown>
  if (answer.responseStatus !== 'SUCCESS') throw new Error(`${path}: ${JSON.stringify(answer).slice(0, 300)}`)
  return answer
}

/** The slide's all-countries times shown in the Medical Vault, read through its REST API. */
async function shownInMedical(w: DocumentWorld, session: string, slide: number): Promise<number> {
  const response = await fetch(`${w.medical.url}${API}/query`, {
    method: 'POST',
    headers: { authorization: session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      q: `SELECT times_shown__v, country__v FROM clm_content_metrics__v WHERE document__v = ${slide}`,
    }),
  })
  const body = (await response.json()) as { data?: { times_shown__v: number; country__v: unknown }[] }
  const all = body.data?.find((r) => r.country__v === null || r.country__v === undefined)
  return all?.times_shown__v ?? -1
}

async function latency(options: BenchOptions): Promise<BenchResult[]> {
  const samples = options.quick ? 5 : 20
  const w = await startDocumentWorld({ label: 'metrics', crmCount: 1, log: options.log })
  try {
    const crm = w.crms[0]!
    const { slide, keyMessage, presentation } = await publishPresentation(w)
    const crmSession = await benchSession(crm)
    const medicalSession = await benchSession(w.medical)
    const [account] = (
      (await post(crm, crmSession, '/vobjects/account__v', [{ name__v: 'Bench HCP' }])).data as {
        data: { id: string }
      }[]
    ).map((r) => r.data.id)
    const all: number[] = []
    for (let n = 1; n <= samples + 1; n++) {
      const [call] = (
        (await post(crm, crmSession, '/vobjects/call2__v', [{ account__v: account, country__v: 'us__v' }]))
          .data as { data: { id: string } }[]
      ).map((r) => r.data.id)
      const started = performance.now()
      await post(crm, crmSession, '/vobjects/call2_key_message__v', [
        {
          call2__v: call,
          account__v: account,
          key_message__v: keyMessage,
          clm_presentation__v: presentation,
          display_order__v: 1,
          duration__v: 30,
          reaction__v: 'positive__v',
          country__v: 'us__v',
        },
      ])
      for (;;) {
        if ((await shownInMedical(w, medicalSession, slide)) >= n) break
        if (performance.now() - started > 60_000)
          throw new Error('A call key message did not reach the Medical Vault within a minute.')
        await new Promise((r) => setTimeout(r, 10))
      }
      // The first sample warms up the path (JIT, statement caches, connections).
      if (n > 1) all.push(performance.now() - started)
    }
    return latencyRows(
      'metrics.latency',
      all,
      { of: 'value', atMost: 60_000 },
      `one call key message POSTed to a CRM's REST API until the Medical Vault's REST API shows the slide's times shown with it (CRM feed → metrics job → CRM metrics record → signed message → Medical callback → upsert; ${w.kind}, vaults served in this process); target 60 s, aim 5 s; ${samples} samples after 1 warm-up`,
    )
  } finally {
    await w.close()
  }
}

/** B21: recalculation against one GROUP BY, the incremental fold's cost, and end-to-end latency. */
export const clmMetrics: Benchmark = {
  name: 'metrics',
  results: ['metrics.aggregate', 'metrics.incremental', 'metrics.latency_p50', 'metrics.latency_p99'],
  async run(options: BenchOptions): Promise<BenchResult[]> {
    return [...(await aggregateAndIncremental(options)), ...(await latency(options))]
  },
}

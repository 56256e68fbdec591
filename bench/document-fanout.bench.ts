import { SYSTEM_ACTOR } from '../src/platform/vault/index.js'
import { benchSession } from './bench-session.js'
import {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  latencyRows,
  percentile,
} from './bench-types.js'
import {
  benchPdf,
  CrossLinkArrivals,
  type DocumentWorld,
  postgresFor,
  startDocumentWorld,
} from './document-world.js'

const API = '/api/v25.2'
/** The CRMs one update reaches (issue 5). */
const FANOUT_CRMS = 20
/** Longest one update may take to reach every CRM before the benchmark gives up. */
const SAMPLE_TIMEOUT_MS = 60_000
/** Updates before the measured ones (JIT, statement caches, keep-alive connections). */
const WARM_UPDATES = 3

/** How often a CRM whose transaction wrote the CrossLink is read again until the API shows it. */
const READ_INTERVAL_MS = 2

/** Each CRM's REST API, as its admin, and the id of the CrossLink there. */
interface CrmReader {
  readonly url: string
  readonly session: string
  readonly crossLinkId: string
}

/** The CrossLink's title as the CRM's REST API answers it. */
async function titleOverApi(reader: CrmReader): Promise<string | undefined> {
  const response = await fetch(`${reader.url}${API}/objects/documents/${reader.crossLinkId}`, {
    headers: { authorization: reader.session },
  })
  const body = (await response.json()) as { responseStatus?: string; document?: { title__v?: unknown } }
  return body.responseStatus === 'SUCCESS' ? String(body.document?.title__v) : undefined
}

/**
 * Resolves with the milliseconds per CRM until its REST API shows the CrossLink with `title`. The
 * CRM's change hook (in its writing transaction, before the commit) only says when to start
 * reading: the clock of a CRM stops at the first read through its API that shows the new title,
 * so after the commit.
 */
function allShown(
  arrivals: CrossLinkArrivals,
  readers: readonly CrmReader[],
  title: string,
  started: number,
  what: string,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const at = new Map<number, number>()
    const reading = new Set<number>()
    let failed = false
    const timer = setTimeout(() => {
      failed = true
      arrivals.stop()
      reject(
        new Error(`${what} showed in ${at.size} of ${readers.length} CRMs within ${SAMPLE_TIMEOUT_MS} ms.`),
      )
    }, SAMPLE_TIMEOUT_MS)
    const readUntilShown = async (crm: number) => {
      for (;;) {
        if (failed) return
        const shown = await titleOverApi(readers[crm]!)
        if (shown === title) break
        await new Promise((r) => setTimeout(r, READ_INTERVAL_MS))
      }
      at.set(crm, performance.now() - started)
      if (at.size === readers.length) {
        clearTimeout(timer)
        arrivals.stop()
        resolve([...at.values()])
      }
    }
    arrivals.listen((crm, change) => {
      if (change.kind !== 'create' && change.kind !== 'edit' && change.kind !== 'version') return
      if (reading.has(crm)) return
      reading.add(crm)
      readUntilShown(crm).catch((error: unknown) => {
        failed = true
        clearTimeout(timer)
        reject(error)
      })
    })
  })
}

/** Resolves when every CRM has written a CrossLink (setup: the first transfer of the document). */
function allWritten(arrivals: CrossLinkArrivals, crmCount: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen = new Set<number>()
    const timer = setTimeout(() => {
      arrivals.stop()
      reject(
        new Error(
          `The Global document reached ${seen.size} of ${crmCount} CRMs within ${SAMPLE_TIMEOUT_MS} ms.`,
        ),
      )
    }, SAMPLE_TIMEOUT_MS)
    arrivals.listen((crm, change) => {
      if (change.kind !== 'create') return
      seen.add(crm)
      if (seen.size === crmCount) {
        clearTimeout(timer)
        arrivals.stop()
        resolve()
      }
    })
  })
}

async function measure(
  w: DocumentWorld,
  samples: number,
  log: (line: string) => void,
): Promise<{ all: number[]; first: number[] }> {
  const session = await benchSession(w.medical)
  const arrivals = new CrossLinkArrivals(w.crms)
  const run = Date.now().toString(36)
  // The Global document, created in process (setup, not measured); it reaches every CRM first.
  const startedFirst = performance.now()
  const created = allWritten(arrivals, w.crms.length)
  const docId = await w.medical.vault.documents.create(SYSTEM_ACTOR, {
    fields: {
      name__v: `Fan-out ${run}`,
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      title__v: `Fan-out ${run} title 0`,
      country__v: [w.global],
    },
    file: { bytes: benchPdf(run, 0), name: `fanout-${run}.pdf`, mime: 'application/pdf' },
  })
  await created
  log(
    `  the Global document ${docId} reached ${w.crms.length} CRMs in ${(performance.now() - startedFirst).toFixed(0)} ms`,
  )
  const source = String(docId)
  const readers: CrmReader[] = []
  for (const crm of w.crms) {
    let link = (await crm.vault.documents.crossLinksOf(String(w.medical.vault.id), [source])).get(source)
    for (let i = 0; link === undefined && i < 500; i++) {
      await new Promise((r) => setTimeout(r, 10))
      link = (await crm.vault.documents.crossLinksOf(String(w.medical.vault.id), [source])).get(source)
    }
    if (link === undefined) throw new Error(`${crm.vault.name} has no CrossLink of document ${docId}.`)
    readers.push({ url: crm.url, session: await benchSession(crm), crossLinkId: String(link.id) })
  }
  const all: number[] = []
  const first: number[] = []
  for (let i = 1; i <= WARM_UPDATES + samples; i++) {
    const title = `Fan-out ${run} title ${i}`
    const started = performance.now()
    const shown = allShown(arrivals, readers, title, started, `Update ${i}`)
    const response = await fetch(`${w.medical.url}${API}/objects/documents/${docId}`, {
      method: 'PUT',
      headers: { authorization: session, 'content-type': 'application/json' },
      body: JSON.stringify({ title__v: title }),
    })
    const body = (await response.json()) as { responseStatus?: string }
    if (body.responseStatus !== 'SUCCESS') throw new Error(`PUT failed: ${JSON.stringify(body)}`)
    const ms = await shown
    if (i <= WARM_UPDATES) continue
    all.push(Math.max(...ms))
    first.push(Math.min(...ms))
  }
  return { all, first }
}

/**
 * B16, B17 fan-out: one Medical Vault and 20 CRMs, each served over HTTP on a SQLite database of its
 * own, all in this process. One Global reference document (created in process) is a CrossLink in
 * every CRM; then, one at a time at idle, its title is changed by PUT /objects/documents/{id}
 * through the Medical Vault's REST API, and the time runs until the last CRM's REST API shows the
 * new title on its CrossLink.
 */
export const documentFanout: Benchmark = {
  name: 'routing.fanout_latency',
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const samples = options.quick ? 20 : 100
    const results = await fanout(options, samples, undefined)
    const pg = await postgresFor(options.postgresUrl)
    if (pg !== undefined)
      try {
        results.push(...(await fanout(options, samples, pg)))
      } catch (error) {
        // 21 vaults may not fit one server's connections: a row that says so, not a lost run.
        const why = error instanceof Error ? error.message : String(error)
        options.log(`  PostgreSQL fan-out did not run: ${why}`)
        results.push({
          name: 'routing.fanout_latency.postgres_p99',
          value: Number.NaN,
          unit: 'ms',
          target: { of: 'value', atMost: 2000 },
          note: `did not complete on one PostgreSQL server (21 vaults, --pool-max 1 --job-concurrency 1 each): ${why}`,
        })
      }
    return results
  },
}

/**
 * One fan-out run: 21 vaults on SQLite files, or on one PostgreSQL server (each vault a database
 * of its own with 1 connection in its pool and 1 job at a time, `--pool-max 1 --job-concurrency 1`:
 * 21 × 5 connections at most, near the server's default 100).
 */
async function fanout(
  options: BenchOptions,
  samples: number,
  postgresUrl: string | undefined,
): Promise<BenchResult[]> {
  const w = await startDocumentWorld({
    label: 'fanout',
    crmCount: FANOUT_CRMS,
    log: options.log,
    ...(postgresUrl === undefined ? {} : { postgresUrl, poolSize: 1, jobConcurrency: 1 }),
  })
  const kind = postgresUrl === undefined ? 'SQLite' : 'PostgreSQL'
  const name = postgresUrl === undefined ? 'routing.fanout_latency' : 'routing.fanout_latency.postgres'
  try {
    const { all, first } = await measure(w, samples, options.log)
    const sorted = [...all].sort((a, b) => a - b)
    const firstSorted = [...first].sort((a, b) => a - b)
    const p50 = percentile(sorted, 50)
    const p99 = percentile(sorted, 99)
    options.log(
      `  ${samples} updates to ${FANOUT_CRMS} CRMs (${kind}): all CRMs p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms; first CRM p50 ${percentile(firstSorted, 50).toFixed(0)} ms`,
    )
    return latencyRows(
      name,
      all,
      { of: 'value', atMost: 2000 },
      `PUT /objects/documents/{id} (title__v) on a Global document in the Medical Vault (HTTP) until the REST API of each of ${FANOUT_CRMS} CRMs (served vaults in this process, ${kind}${postgresUrl === undefined ? '' : ', one server, a database per vault'}) shows the new title on its CrossLink (the CRM's change hook starts the reads; the clock stops at the first read that shows it, after the commit); one update at a time at idle, ${samples} samples after ${WARM_UPDATES} warm-ups; first CRM p50 ${Math.round(percentile(firstSorted, 50))} ms`,
    )
  } finally {
    await w.close()
  }
}

import { SYSTEM_ACTOR } from '../src/platform/vault/index.js'
import { benchSession } from './bench-session.js'
import type { Benchmark, BenchOptions, BenchResult } from './bench-types.js'
import {
  benchPdf,
  CrossLinkArrivals,
  type DocumentWorld,
  percentile,
  startDocumentWorld,
} from './document-world.js'

const API = '/api/v25.2'
/** The CRMs one update reaches (issue 5). */
const FANOUT_CRMS = 20
/** Longest one update may take to reach every CRM before the benchmark gives up. */
const SAMPLE_TIMEOUT_MS = 60_000
/** Updates before the measured ones (JIT, statement caches, keep-alive connections). */
const WARM_UPDATES = 3
/** Reads of the CrossLinks' titles after an update before a wrong one fails the benchmark. */
const VERIFY_ATTEMPTS = 100

/** Resolves when every CRM has written the CrossLink change; answers the milliseconds per CRM. */
function allArrived(
  arrivals: CrossLinkArrivals,
  crmCount: number,
  started: number,
  what: string,
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const at = new Map<number, number>()
    const timer = setTimeout(() => {
      arrivals.stop()
      reject(new Error(`${what} reached ${at.size} of ${crmCount} CRMs within ${SAMPLE_TIMEOUT_MS} ms.`))
    }, SAMPLE_TIMEOUT_MS)
    arrivals.listen((crm, change, time) => {
      if (change.kind !== 'create' && change.kind !== 'edit' && change.kind !== 'version') return
      if (!at.has(crm)) at.set(crm, time - started)
      if (at.size === crmCount) {
        clearTimeout(timer)
        arrivals.stop()
        resolve([...at.values()])
      }
    })
  })
}

/** The title the CrossLink shows in each CRM, read from its latest version. */
async function titlesShown(w: DocumentWorld, docId: number): Promise<string[]> {
  const source = String(docId)
  return Promise.all(
    w.crms.map(async (crm) => {
      const link = (await crm.vault.documents.crossLinksOf(String(w.medical.vault.id), [source])).get(source)
      return link === undefined
        ? 'no CrossLink'
        : String((await crm.vault.documents.get(link.id)).document.title__v)
    }),
  )
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
  const created = allArrived(arrivals, w.crms.length, performance.now(), 'The Global document')
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
  const firstMs = Math.max(...(await created))
  log(`  the Global document ${docId} reached ${w.crms.length} CRMs in ${firstMs.toFixed(0)} ms`)
  const all: number[] = []
  const first: number[] = []
  for (let i = 1; i <= WARM_UPDATES + samples; i++) {
    const title = `Fan-out ${run} title ${i}`
    const started = performance.now()
    const arrived = allArrived(arrivals, w.crms.length, started, `Update ${i}`)
    const response = await fetch(`${w.medical.url}${API}/objects/documents/${docId}`, {
      method: 'PUT',
      headers: { authorization: session, 'content-type': 'application/json' },
      body: JSON.stringify({ title__v: title }),
    })
    const body = (await response.json()) as { responseStatus?: string }
    if (body.responseStatus !== 'SUCCESS') throw new Error(`PUT failed: ${JSON.stringify(body)}`)
    const ms = await arrived
    // Checked outside the timing: every CrossLink shows this update's title once the last
    // transaction (whose hook stopped the clock just before its commit) has committed.
    for (let check = 1; ; check++) {
      const wrong = (await titlesShown(w, docId)).filter((t) => t !== title)
      if (wrong.length === 0) break
      if (check >= VERIFY_ATTEMPTS)
        throw new Error(`Update ${i}: ${wrong.length} CrossLinks show another title: ${wrong.join(', ')}.`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
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
 * through the Medical Vault's REST API, and the time runs until the last CRM's DocumentService has
 * written the new title into its CrossLink (a change hook in the writing transaction: no polling).
 */
export const documentFanout: Benchmark = {
  name: 'routing.fanout_latency_p99',
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const samples = options.quick ? 20 : 100
    const w = await startDocumentWorld({ label: 'fanout', crmCount: FANOUT_CRMS, log: options.log })
    try {
      const { all, first } = await measure(w, samples, options.log)
      const sorted = [...all].sort((a, b) => a - b)
      const firstSorted = [...first].sort((a, b) => a - b)
      const p50 = percentile(sorted, 50)
      const p99 = percentile(sorted, 99)
      options.log(
        `  ${samples} updates to ${FANOUT_CRMS} CRMs: all CRMs p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms; first CRM p50 ${percentile(firstSorted, 50).toFixed(0)} ms`,
      )
      return [
        {
          name: 'routing.fanout_latency_p99',
          value: Math.round(p99),
          unit: 'ms',
          baseline: Math.round(p50),
          ratio: Number((p50 / p99).toFixed(3)),
          target: 'value <= 2000 ms',
          note: `PUT /objects/documents/{id} (title__v) on a Global document in the Medical Vault (HTTP) until all ${FANOUT_CRMS} CRMs (served vaults in this process, SQLite) wrote the new title into their CrossLink; one update at a time at idle, ${samples} samples after ${WARM_UPDATES} warm-ups; value = p99, baseline = p50, ratio = p50/p99 (1 means no tail); first CRM p50 ${Math.round(percentile(firstSorted, 50))} ms`,
        },
      ]
    } finally {
      await w.close()
    }
  },
}

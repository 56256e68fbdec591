import { SYSTEM_ACTOR } from '../src/platform/vault/index.js'
import { type Benchmark, type BenchOptions, type BenchResult, latencyRows } from './bench-types.js'
import { type DocumentWorld, postgresFor, startDocumentWorld } from './document-world.js'

/** The CRMs the template goes to (issue 12). */
const ROUTED_CRMS = 3
/** Longest one run may take before the benchmark gives up. */
const RUN_TIMEOUT_MS = 30_000
/** How often the CRMs' databases are read while waiting. */
const POLL_MS = 5

/** Approved Documents of the template in one CRM, with their products and status. */
async function approvedDocumentsIn(
  w: DocumentWorld,
  crm: number,
  link: string,
): Promise<{ product: string | null; status: string }[]> {
  const rows = await w.crms[crm]!.vault.storage.db.selectFrom('approved_document__v')
    .select(['product__v', 'status__v'])
    .where('link__v', '=', link)
    .execute()
  return rows.map((r) => ({
    product: r.product__v == null ? null : String(r.product__v),
    status: String(r.status__v),
  }))
}

/** Waits until every CRM has `count` approved records for the template; answers when (performance.now()). */
async function everyCrmHas(w: DocumentWorld, link: string, count: number): Promise<number> {
  const deadline = performance.now() + RUN_TIMEOUT_MS
  for (;;) {
    const counts = await Promise.all(
      w.crms.map(
        async (_, i) =>
          (await approvedDocumentsIn(w, i, link)).filter((r) => r.status === 'approved__v').length,
      ),
    )
    if (counts.every((n) => n >= count)) return performance.now()
    if (performance.now() > deadline)
      throw new Error(
        `Approved Email: after ${RUN_TIMEOUT_MS} ms the CRMs have ${counts.join(', ')} approved records of ${link}, not ${count}.`,
      )
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

/**
 * `approved_email.sync_latency`: an approved email template (United States) goes to 3 CRMs; then,
 * run after run, a product is added to it in the Medical Vault, timed until every CRM has the
 * new product's `approved_document__v` (B19: one per product).
 */
async function measure(
  options: BenchOptions,
  runs: number,
  postgresUrl: string | undefined,
): Promise<number[]> {
  const label = postgresUrl === undefined ? 'ae_sqlite' : 'ae_pg'
  const w = await startDocumentWorld({
    label,
    crmCount: ROUTED_CRMS,
    ...(postgresUrl === undefined ? {} : { postgresUrl, poolSize: 4 }),
    log: options.log,
  })
  try {
    const products = Array.from({ length: runs + 1 }, (_, i) => ({
      name__v: `Product ${i}`,
      external_id__v: `PRD-AE-${i}`,
    }))
    const made = await w.medical.vault.records.create(SYSTEM_ACTOR, 'product__v', products)
    const ids = made.map((r) => {
      if (r.id === undefined) throw new Error(`Creating a product failed: ${JSON.stringify(r.errors)}`)
      return r.id
    })
    for (const crm of w.crms) await crm.vault.records.create(SYSTEM_ACTOR, 'product__v', products)
    const documents = w.medical.vault.documents
    const id = await documents.create(SYSTEM_ACTOR, {
      fields: {
        name__v: 'Benchmark template',
        type__v: 'email_template__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        country__v: [w.us],
        product__v: [ids[0]],
      },
      file: {
        bytes: new TextEncoder().encode('<html><body>Benchmark</body></html>'),
        name: 'benchmark.html',
        mime: 'text/html',
      },
    })
    await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'submit_for_review__v')
    await documents.runAction(SYSTEM_ACTOR, id, { major: 0, minor: 1 }, 'approve__v')
    const link = `${w.medical.vault.id}_${id}`
    await everyCrmHas(w, link, 1)
    const samples: number[] = []
    for (let run = 1; run <= runs; run++) {
      const started = performance.now()
      await documents.update(SYSTEM_ACTOR, id, { product__v: ids.slice(0, run + 1) })
      samples.push((await everyCrmHas(w, link, run + 1)) - started)
    }
    options.log(
      `  ${runs} products added one by one to an approved template (${w.kind}): ${samples.map((s) => s.toFixed(0)).join(', ')} ms`,
    )
    return samples
  } finally {
    await w.close()
  }
}

const NOTE =
  'A product added to an approved email template in the Medical Vault (United States, routed to 3 CRMs) until every CRM has its new approved_document__v; one sample per product added.'

export const approvedEmailSync: Benchmark = {
  name: 'approved_email.sync_latency',
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const runs = options.quick ? 10 : 20
    const target = { of: 'value', atMost: 1_000 } as const
    const results = latencyRows(
      'approved_email.sync_latency',
      await measure(options, runs, undefined),
      target,
      `${NOTE} SQLite.`,
    )
    const pg = await postgresFor(options.postgresUrl)
    if (pg !== undefined)
      results.push(
        ...latencyRows(
          'approved_email.sync_latency.postgres',
          await measure(options, runs, pg),
          target,
          `${NOTE} PostgreSQL.`,
        ),
      )
    return results
  },
}

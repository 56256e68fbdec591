import type { RunningVault } from '../src/cli/vault-server.js'
import { SYSTEM_ACTOR } from '../src/platform/vault/index.js'
import { benchSession } from './bench-session.js'
import {
  type Benchmark,
  type BenchOptions,
  type BenchResult,
  latencyRows,
  percentile,
} from './bench-types.js'
import { benchPdf, type DocumentWorld, startDocumentWorld } from './document-world.js'

const API = '/api/v25.2'
/** The CRMs the presentation routes to (issue 12). */
const CLM_CRMS = 3
const SLIDES = 30
/** Longest one publication may take to reach every CRM before the benchmark gives up. */
const SAMPLE_TIMEOUT_MS = 60_000
/** Presentations approved before the measured ones (JIT, statement caches, keep-alive connections). */
const WARM_RUNS = 1
const READ_INTERVAL_MS = 5

const first = { major: 0, minor: 1 }

/** Waits until the Medical Vault has sent every notice and every CRM has processed what it got. */
async function settled(w: DocumentWorld): Promise<void> {
  const deadline = performance.now() + SAMPLE_TIMEOUT_MS
  for (;;) {
    const outbound = await w.medical.vault.storage.db
      .selectFrom('outbound_message')
      .select('id')
      .where('state', '=', 'pending')
      .execute()
    let inbound = 0
    for (const crm of w.crms)
      inbound += (
        await crm.vault.storage.db
          .selectFrom('inbound_message')
          .select('message_id')
          .where('state', '=', 'received')
          .execute()
      ).length
    if (outbound.length === 0 && inbound === 0) return
    if (performance.now() > deadline) throw new Error('The CLM notices did not settle within a minute.')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Does the CRM's REST API show the presentation active at `version` with its slides in order 1…n? */
async function shown(crm: RunningVault, session: string, link: string, version: string): Promise<boolean> {
  const q = `SELECT display_order__v FROM clm_presentation_slide__v WHERE clm_presentation__vr.link__v = '${link}' AND clm_presentation__vr.version__v = '${version}' AND clm_presentation__vr.status__v = 'active__v' ORDER BY display_order__v`
  const response = await fetch(`${crm.url}${API}/query`, {
    method: 'POST',
    headers: { authorization: session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ q }),
  })
  const body = (await response.json()) as { responseStatus?: string; data?: { display_order__v: number }[] }
  const orders = body.data?.map((r) => r.display_order__v) ?? []
  return orders.length === SLIDES && orders.every((o, i) => o === i + 1)
}

async function allShown(
  w: DocumentWorld,
  sessions: readonly string[],
  link: string,
  version: string,
  started: number,
): Promise<number[]> {
  return Promise.all(
    w.crms.map(async (crm, i) => {
      for (;;) {
        if (await shown(crm, sessions[i]!, link, version)) return performance.now() - started
        if (performance.now() - started > SAMPLE_TIMEOUT_MS)
          throw new Error(`${crm.vault.name} did not show presentation ${link} ${version} within a minute.`)
        await new Promise((r) => setTimeout(r, READ_INTERVAL_MS))
      }
    }),
  )
}

/** Builds a draft presentation of 30 approved slides (in process, not measured); answers its id. */
async function buildPresentation(w: DocumentWorld, run: string, n: number): Promise<number> {
  const { documents, binders } = w.medical.vault
  const shared = {
    lifecycle__v: 'medical_content_lifecycle__v',
    country__v: [w.us],
    clm_content__v: true,
  }
  const binderId = await binders.create(SYSTEM_ACTOR, {
    fields: { ...shared, name__v: `CLM ${run} ${n}`, type__v: 'multichannel_presentation__v' },
  })
  for (let i = 0; i < SLIDES; i++) {
    const slideId = await documents.create(SYSTEM_ACTOR, {
      fields: { ...shared, name__v: `CLM ${run} ${n} slide ${i + 1}`, type__v: 'multichannel_slide__v' },
      file: { bytes: benchPdf(`${run}-${n}`, i), name: `slide-${i + 1}.pdf`, mime: 'application/pdf' },
    })
    await documents.runAction(SYSTEM_ACTOR, slideId, first, 'submit_for_review__v')
    await documents.runAction(SYSTEM_ACTOR, slideId, first, 'approve__v')
    await binders.addDocument(SYSTEM_ACTOR, binderId, { document_id__v: slideId, order__v: i + 1 })
  }
  await documents.runAction(SYSTEM_ACTOR, binderId, first, 'submit_for_review__v')
  return binderId
}

/**
 * B18: one Medical Vault and three CRMs served over HTTP in this process. Per run, a presentation of
 * 30 approved slides is built and submitted for review in process (its draft reaches the CRMs
 * before the clock starts); then the binder is approved through the Medical Vault's REST API and
 * the time runs until the REST API of every CRM shows its CLM Presentation active at version 1.0
 * with the 30 slides in display order 1…30.
 */
export const clmPublish: Benchmark = {
  name: 'clm.publish_latency',
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const samples = 20
    const w = await startDocumentWorld({ label: 'clm', crmCount: CLM_CRMS, log: options.log })
    try {
      const medicalSession = await benchSession(w.medical)
      const sessions = await Promise.all(w.crms.map((crm) => benchSession(crm)))
      const run = Date.now().toString(36)
      const all: number[] = []
      for (let n = 1; n <= WARM_RUNS + samples; n++) {
        const binderId = await buildPresentation(w, run, n)
        const link = `${w.medical.vault.id}_${binderId}`
        await allShown(w, sessions, link, '0.1', performance.now())
        await settled(w)
        const started = performance.now()
        const shownAt = allShown(w, sessions, link, '1.0', started)
        const response = await fetch(
          `${w.medical.url}${API}/objects/documents/${binderId}/versions/0/1/lifecycle_actions/approve__v`,
          { method: 'PUT', headers: { authorization: medicalSession } },
        )
        const body = (await response.json()) as { responseStatus?: string }
        if (body.responseStatus !== 'SUCCESS') throw new Error(`Approval failed: ${JSON.stringify(body)}`)
        const ms = await shownAt
        if (n > WARM_RUNS) all.push(Math.max(...ms))
      }
      const sorted = [...all].sort((a, b) => a - b)
      options.log(
        `  ${samples} approvals of a ${SLIDES}-slide presentation to ${CLM_CRMS} CRMs: p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`,
      )
      return latencyRows(
        'clm.publish_latency',
        all,
        { of: 'value', atMost: 3000 },
        `PUT …/lifecycle_actions/approve__v on a ${SLIDES}-slide multichannel presentation in the Medical Vault (HTTP) until the REST API of each of ${CLM_CRMS} routed CRMs (served vaults in this process, ${w.kind}) shows its CLM Presentation active at 1.0 with ${SLIDES} slides in display order; the draft was published before the clock starts; ${samples} runs after ${WARM_RUNS} warm-up`,
      )
    } finally {
      await w.close()
    }
  },
}

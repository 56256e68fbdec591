import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorld, type World, type WorldVaultInfo } from '../src/cli/world.js'
import { INTEGRATION_POINTS } from '../src/connection/rules/index.js'
import type { Vault } from '../src/platform/vault/index.js'
import { type Benchmark, type BenchOptions, type BenchResult, latencyRows } from './bench-types.js'
import { rawCopy } from './raw-copy.js'

const API = '/api/v25.2'
/** The bulk action takes at most this many ids per call (spec/api.md). */
const BULK_ACTION_MAX = 500
/** How often the benchmark looks for the outcome; small against the latencies measured. */
const POLL_INTERVAL_MS = 2
/** Longest a single transfer or status change may take before the benchmark gives up. */
const SAMPLE_TIMEOUT_MS = 30_000

type Json = Record<string, unknown>

interface BenchWorld {
  readonly world: World
  readonly dir: string
  readonly crm: Vault
  readonly medical: Vault
  readonly crmUrl: string
  readonly medicalUrl: string
  readonly rep: string
  readonly agent: string
}

async function login(info: WorldVaultInfo, role: 'rep' | 'agent'): Promise<string> {
  const user = info.users.find((u) => u.role === role)
  if (user?.password === undefined) throw new Error(`${info.name} has no ${role} whose password is known.`)
  const response = await fetch(`${info.url}${API}/auth`, {
    method: 'POST',
    body: new URLSearchParams({ username: user.username, password: user.password }),
  })
  const body = (await response.json()) as { sessionId?: string }
  if (body.sessionId === undefined)
    throw new Error(`${role} could not log in to ${info.name}: ${JSON.stringify(body)}`)
  return body.sessionId
}

/** The embedded world of `liaison up`, in this process, in a temporary folder, on free ports. */
async function startBenchWorld(log: (line: string) => void): Promise<BenchWorld> {
  for (let attempt = 1; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'liaison-bench-world-'))
    try {
      const world = await startWorld({
        dir,
        port: 12_000 + Math.floor(Math.random() * 20_000),
        log: (l) => log(`  ${l}`),
      })
      const vaultOf = (name: string) => world.vaults.find((v) => v.vault.name === name)!
      const infoOf = (name: string) => world.info.find((v) => v.name === name)!
      return {
        world,
        dir,
        crm: vaultOf('crm-na').vault,
        medical: vaultOf('medical').vault,
        crmUrl: vaultOf('crm-na').url,
        medicalUrl: vaultOf('medical').url,
        rep: await login(infoOf('crm-na'), 'rep'),
        agent: await login(infoOf('medical'), 'agent'),
      }
    } catch (error) {
      rmSync(dir, { recursive: true, force: true })
      // Another process may hold one of the four consecutive ports: try other ones.
      if (attempt >= 5 || !String(error).includes('EADDRINUSE')) throw error
    }
  }
}

async function call(
  url: string,
  session: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Json> {
  const headers: Record<string, string> = { authorization: session }
  let payload: string | URLSearchParams | undefined
  if (body instanceof URLSearchParams) payload = body
  else if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(`${url}${API}${path}`, { method, headers, body: payload })
  return (await response.json()) as Json
}

function assertAllSucceeded(body: Json, what: string): void {
  const data = body.data as { responseStatus: string }[] | undefined
  if (body.responseStatus !== 'SUCCESS' || data?.some((d) => d.responseStatus !== 'SUCCESS'))
    throw new Error(`${what} failed: ${JSON.stringify(body).slice(0, 500)}`)
}

/** Creates inquiries through the API as the rep (not measured); answers their ids in order. */
async function createInquiries(w: BenchWorld, count: number, run: string): Promise<string[]> {
  const accounts = await w.crm.storage.db.selectFrom('account__v').select('id').orderBy('id').execute()
  if (accounts.length === 0) throw new Error('crm-na has no accounts; its demo data did not load.')
  const ids: string[] = []
  for (let i = 0; i < count; i += BULK_ACTION_MAX) {
    const rows = Array.from({ length: Math.min(BULK_ACTION_MAX, count - i) }, (_, j) => ({
      account__v: accounts[(i + j) % accounts.length]!.id,
      inquiry_text__v: `[bench ${run}] What is the recommended dose in renal impairment (${i + j})?`,
      country__v: 'us__v',
      delivery_method__v: 'email__v',
      email__v: `hcp${i + j}@example.org`,
    }))
    const body = await call(w.crmUrl, w.rep, 'POST', '/vobjects/medical_inquiry__v', rows)
    assertAllSucceeded(body, 'Creating bench inquiries')
    ids.push(...(body.data as { data: { id: string } }[]).map((d) => d.data.id))
  }
  return ids
}

/** Polls until `done` answers true; fails on what `failed` reports. */
async function until(
  done: () => Promise<boolean>,
  what: string,
  failed: () => Promise<string | undefined> = async () => undefined,
  timeoutMs = SAMPLE_TIMEOUT_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await done()) return
    const problem = await failed()
    if (problem !== undefined) throw new Error(`${what}: ${problem}`)
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms.`)
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS))
  }
}

async function transferFailure(w: BenchWorld, ids: readonly string[]): Promise<string | undefined> {
  const row = await w.crm.storage.db
    .selectFrom('medical_inquiry__v')
    .select(['name__v', 'transfer_error__v'])
    .where('id', 'in', [...ids])
    .where('transfer_status__v', '=', 'failure__v')
    .executeTakeFirst()
  return row === undefined ? undefined : `${String(row.name__v)} failed: ${String(row.transfer_error__v)}`
}

async function successes(w: BenchWorld, run: string): Promise<number> {
  const row = await w.crm.storage.db
    .selectFrom('medical_inquiry__v')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('inquiry_text__v', 'like', `[bench ${run}]%`)
    .where('transfer_status__v', '=', 'success__v')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** inquiries/s from the first bulk action call to the last `success__v`, and the rows it wrote. */
async function measureThroughput(
  w: BenchWorld,
  count: number,
  log: (line: string) => void,
): Promise<{ perSecond: number; ids: string[] }> {
  const run = `t${Date.now().toString(36)}`
  const ids = await createInquiries(w, count, run)
  const since = new Date().toISOString()
  const started = performance.now()
  for (let i = 0; i < ids.length; i += BULK_ACTION_MAX) {
    const body = await call(
      w.crmUrl,
      w.rep,
      'POST',
      '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
      new URLSearchParams({ ids: ids.slice(i, i + BULK_ACTION_MAX).join(',') }),
    )
    assertAllSucceeded(body, 'Transfer to Medical')
  }
  const actionMs = performance.now() - started
  let checks = 0
  await until(
    async () => (await successes(w, run)) === count,
    `Transferring ${count} inquiries`,
    // A failure is looked for now and then: the count is the cheap check.
    async () => (++checks % 50 === 0 ? transferFailure(w, ids) : undefined),
    // A busy machine may take a while: allow 200 ms per inquiry on top.
    SAMPLE_TIMEOUT_MS + count * 200,
  )
  const ms = performance.now() - started
  log(`  ${count} inquiries transferred in ${ms.toFixed(0)} ms; where the time went:`)
  log(await phaseBreakdown(w, since, actionMs))
  return { perSecond: count / (ms / 1000), ids }
}

interface MessageTimes {
  readonly id: string
  readonly created: number
  readonly delivered: number
}

async function outboundTimes(vault: Vault, point: string, since: string): Promise<MessageTimes[]> {
  const rows = await vault.storage.db
    .selectFrom('outbound_message')
    .select(['id', 'created_date', 'delivered_date'])
    .where('integration_point', '=', point)
    .where('created_date', '>=', since)
    .execute()
  return rows.map((r) => ({
    id: String(r.id),
    created: Date.parse(String(r.created_date)),
    delivered: Date.parse(String(r.delivered_date)),
  }))
}

async function inboundTimes(vault: Vault, ids: readonly string[]): Promise<Map<string, [number, number]>> {
  if (ids.length === 0) return new Map()
  const rows = await vault.storage.db
    .selectFrom('inbound_message')
    .select(['message_id', 'received_date', 'processed_date'])
    .where('message_id', 'in', [...ids])
    .execute()
  return new Map(
    rows.map((r) => [
      String(r.message_id),
      [Date.parse(String(r.received_date)), Date.parse(String(r.processed_date))],
    ]),
  )
}

/**
 * Where a transferred inquiry's time goes, from the two vaults' message logs: each step's time
 * summed over the run's messages, and its share. The steps of different messages overlap (the
 * next message is delivered while Medical writes the previous one), so the shares, not the sums,
 * say what to make faster.
 */
async function phaseBreakdown(w: BenchWorld, since: string, actionMs: number): Promise<string> {
  const transfers = await outboundTimes(w.crm, INTEGRATION_POINTS.inquiryOutbound, since)
  const results = await outboundTimes(w.medical, INTEGRATION_POINTS.inquiryResultOutbound, since)
  const atMedical = await inboundTimes(
    w.medical,
    transfers.map((m) => m.id),
  )
  const atCrm = await inboundTimes(
    w.crm,
    results.map((m) => m.id),
  )
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
  const phases: [string, number][] = [
    ['the Transfer to Medical calls (validate, pending, outbox)', actionMs],
    [
      'CRM outbox to Medical inbox (job pick-up, signing, HTTP, verifying, storing)',
      sum(transfers.map((m) => (atMedical.get(m.id)?.[0] ?? m.delivered) - m.created)),
    ],
    [
      'Medical processing (callback VQL read of the inquiries, matching, writes, audit, commits)',
      sum(transfers.map((m) => (atMedical.get(m.id)?.[1] ?? 0) - (atMedical.get(m.id)?.[0] ?? 0))),
    ],
    [
      'Medical outbox to CRM inbox (the result back)',
      sum(results.map((m) => (atCrm.get(m.id)?.[0] ?? m.delivered) - m.created)),
    ],
    [
      'CRM processing (callback read of the cases, success__v and case numbers written)',
      sum(results.map((m) => (atCrm.get(m.id)?.[1] ?? 0) - (atCrm.get(m.id)?.[0] ?? 0))),
    ],
  ]
  const total = sum(phases.map(([, ms]) => ms))
  return phases
    .map(
      ([name, ms]) =>
        `    ${((100 * ms) / total).toFixed(0).padStart(3)}%  ${ms.toFixed(0).padStart(6)} ms  ${name}`,
    )
    .join('\n')
}

/** The same rows written raw in both vaults: inquiries in the CRM; contact, case and request in Medical. */
async function measureRawBaseline(
  w: BenchWorld,
  ids: readonly string[],
  log: (line: string) => void,
): Promise<number> {
  const run = `r${Date.now().toString(36)}`
  const sample = ids.slice(0, BULK_ACTION_MAX)
  const inquiries = await w.crm.storage.db
    .selectFrom('medical_inquiry__v')
    .selectAll()
    .where('id', 'in', sample)
    .execute()
  const requests = await w.medical.storage.db
    .selectFrom('case_request__v')
    .selectAll()
    .where('crm_org__v', '=', String(w.crm.id))
    .where('crm_id__v', 'in', sample)
    .execute()
  const cases = await w.medical.storage.db
    .selectFrom('case__v')
    .selectAll()
    .where(
      'id',
      'in',
      requests.map((r) => String(r.case__v)),
    )
    .execute()
  const contacts = await w.medical.storage.db
    .selectFrom('case_contact__v')
    .selectAll()
    .where('id', 'in', [...new Set(cases.map((c) => String(c.case_contact__v)))])
    .execute()
  const count = ids.length
  // The median of three runs: one run of a few hundred milliseconds is at the mercy of the machine.
  const runs: number[] = []
  for (const round of [1, 2, 3]) {
    const tag = `${run}${round}`
    let ms = await rawCopy(w.crm, 'medical_inquiry__v', inquiries, count, tag)
    ms += await rawCopy(w.medical, 'case_contact__v', contacts, count, tag)
    ms += await rawCopy(w.medical, 'case__v', cases, count, tag)
    ms += await rawCopy(w.medical, 'case_request__v', requests, count, tag)
    runs.push(ms)
  }
  const ms = [...runs].sort((a, b) => a - b)[1]!
  log(
    `  raw INSERTs of the same ${count} × 4 rows and their audit rows in ${runs.map((r) => r.toFixed(0)).join(', ')} ms (median ${ms.toFixed(0)})`,
  )
  return count / (ms / 1000)
}

/** Milliseconds from the single Transfer to Medical call to `success__v`, one inquiry at a time. */
async function measureTransferLatency(
  w: BenchWorld,
  samples: number,
): Promise<{ ms: number[]; ids: string[] }> {
  const run = `l${Date.now().toString(36)}`
  const ids = await createInquiries(w, samples, run)
  const ms: number[] = []
  for (const id of ids) {
    const started = performance.now()
    const body = await call(
      w.crmUrl,
      w.rep,
      'POST',
      `/vobjects/medical_inquiry__v/${id}/actions/transfer_to_medical__v`,
    )
    if (body.responseStatus !== 'SUCCESS')
      throw new Error(`Transfer to Medical failed: ${JSON.stringify(body)}`)
    await until(
      async () => {
        const row = await w.crm.storage.db
          .selectFrom('medical_inquiry__v')
          .select('transfer_status__v')
          .where('id', '=', id)
          .executeTakeFirst()
        return row?.transfer_status__v === 'success__v'
      },
      `Transferring inquiry ${id}`,
      () => transferFailure(w, [id]),
    )
    ms.push(performance.now() - started)
  }
  return { ms, ids }
}

/** Milliseconds from the agent's Start in Medical to In Progress on the CRM inquiry, one at a time. */
async function measureCaseStatusLatency(w: BenchWorld, inquiryIds: readonly string[]): Promise<number[]> {
  const requests = await w.medical.storage.db
    .selectFrom('case_request__v')
    .select(['id', 'crm_id__v'])
    .where('crm_org__v', '=', String(w.crm.id))
    .where('crm_id__v', 'in', [...inquiryIds])
    .execute()
  const ms: number[] = []
  for (const request of requests) {
    const started = performance.now()
    const body = await call(
      w.medicalUrl,
      w.agent,
      'POST',
      `/vobjects/case_request__v/${String(request.id)}/actions/start__v`,
    )
    if (body.responseStatus !== 'SUCCESS') throw new Error(`Start failed: ${JSON.stringify(body)}`)
    await until(
      async () => {
        const row = await w.crm.storage.db
          .selectFrom('medical_inquiry__v')
          .select('medical_inquiry_case_status__v')
          .where('id', '=', String(request.crm_id__v))
          .executeTakeFirst()
        return row?.medical_inquiry_case_status__v === 'in_progress__v'
      },
      `Case status of inquiry ${String(request.crm_id__v)}`,
    )
    ms.push(performance.now() - started)
  }
  return ms
}

/**
 * The Medical-CRM connection end to end in the embedded world (`liaison up` in this process):
 * Transfer to Medical throughput against raw INSERTs of the same rows, and the latency of one
 * transfer and of one case status change at idle.
 */
export const inquiryTransfer: Benchmark = {
  name: 'inquiry.transfer',
  results: ['inquiry.transfer_throughput', 'inquiry.transfer_latency', 'case_status.latency'],
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const count = options.quick ? 500 : 2_000
    const samples = options.quick ? 20 : 50
    const w = await startBenchWorld(options.log)
    try {
      // Warm both paths once (JIT, statement caches, connections) outside the measurement.
      await measureTransferLatency(w, 2)
      // Latencies first, at idle: after the burst, every pull would re-read its overlap window.
      const transfer = await measureTransferLatency(w, samples)
      const status = await measureCaseStatusLatency(w, transfer.ids)
      const throughput = await measureThroughput(w, count, options.log)
      const raw = await measureRawBaseline(w, throughput.ids, options.log)
      return [
        {
          name: 'inquiry.transfer_throughput',
          value: Number(throughput.perSecond.toFixed(1)),
          unit: 'inquiries/s',
          baseline: Math.round(raw),
          ratio: Number((throughput.perSecond / raw).toFixed(3)),
          target: { of: 'ratio', atLeast: 0.1 },
          note: `${count} inquiries from the bulk action (HTTP, 500 ids a call) to success__v in the embedded world (SQLite), vs raw batched INSERTs of the same rows in both vaults (inquiry in the CRM; case contact, case and case request in Medical) with one audit row each`,
        },
        ...latencyRows(
          'inquiry.transfer_latency',
          transfer.ms,
          { of: 'value', atMost: 1000 },
          `Transfer to Medical (HTTP) to success__v in the CRM; one at a time at idle, ${transfer.ms.length} samples`,
        ),
        ...latencyRows(
          'case_status.latency',
          status,
          { of: 'value', atMost: 1000 },
          `start__v on the Case Request in Medical (HTTP) to in_progress__v on the CRM inquiry; one at a time at idle, ${status.length} samples`,
        ),
      ]
    } finally {
      await w.world.close()
      rmSync(w.dir, { recursive: true, force: true })
    }
  },
}

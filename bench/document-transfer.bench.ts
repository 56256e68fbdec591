import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { INTEGRATION_POINTS } from '../src/connection/rules/index.js'
import { type BlobStore, DatabaseBlobStore, FsBlobStore } from '../src/platform/documents/index.js'
import { createDatabase, migrateToLatest } from '../src/platform/storage/index.js'
import { SYSTEM_ACTOR } from '../src/platform/vault/index.js'
import { postgresBenchDatabase } from './bench-databases.js'
import type { Benchmark, BenchOptions, BenchResult } from './bench-types.js'
import {
  benchPdf,
  CrossLinkArrivals,
  type DocumentWorld,
  postgresFor,
  startDocumentWorld,
} from './document-world.js'

/** The CRMs every document goes to (issue 5). */
const TRANSFER_CRMS = 3
/** Files the baseline writes at once into one store: as many as a CRM downloads at once. */
const BASELINE_IN_FLIGHT = 8
/** How often progress is logged and, once every hook has fired, the database is checked. */
const CHECK_INTERVAL_MS = 5_000

/**
 * `catch-up`: the documents are created with Document Transfer off, then it is switched on (the
 * router batches up to 500 ids per message). `steady`: created one by one while it is on.
 */
type TransferMode = 'catch-up' | 'steady'

interface TransferTiming {
  readonly mode: TransferMode
  readonly count: number
  /** Creating the documents in the Medical Vault. */
  readonly createMs: number
  /** From switching Document Transfer on (catch-up) or the first create (steady) until every CRM has every CrossLink with its file. */
  readonly totalMs: number
  /** From switching it on until each CRM had all of them. */
  readonly perCrmMs: readonly number[]
}

/**
 * Switches the Medical Vault's Document Transfer point of every connection off or on, as an admin
 * does; switched on again, each connection is sent its documents (resendOnTransferSwitchedOn).
 */
async function switchTransfer(w: DocumentWorld, on: boolean): Promise<void> {
  const db = w.medical.vault.storage.db
  const points = await db
    .selectFrom('integration_point__sys')
    .select('id')
    .where('integration_point_api_name__sys', '=', INTEGRATION_POINTS.documentTransferOutbound)
    .execute()
  const results = await w.medical.vault.records.update(
    SYSTEM_ACTOR,
    'integration_point__sys',
    points.map((p) => ({ id: String(p.id), status__v: on ? 'active__v' : 'inactive__v' })),
  )
  const failed = results.find((r) => r.responseStatus === 'FAILURE')
  if (failed !== undefined) throw new Error(`Switching Document Transfer failed: ${JSON.stringify(failed)}`)
}

/** Waits until the router has claimed every queued document change. */
async function routed(w: DocumentWorld): Promise<void> {
  for (;;) {
    const pending = await w.medical.vault.storage.db
      .selectFrom('document_change')
      .select('seq')
      .where('routed_date', 'is', null)
      .limit(1)
      .execute()
    if (pending.length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** CrossLinks to the Medical Vault's documents that have a file, in one CRM. */
async function crossLinksWithFile(w: DocumentWorld, crm: number): Promise<number> {
  const row = await w.crms[crm]!.vault.storage.db.selectFrom('document as d')
    .innerJoin('document_version as v', (join) =>
      join
        .onRef('v.document_id', '=', 'd.id')
        .onRef('v.major', '=', 'd.latest_major')
        .onRef('v.minor', '=', 'd.latest_minor'),
    )
    .select((eb) => eb.fn.countAll().as('n'))
    .where('d.crosslink__v', '=', 1)
    .where('d.source_vault_id__v', '=', String(w.medical.vault.id))
    .where('v.file_sha256', 'is not', null)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

async function measureTransfer(
  w: DocumentWorld,
  arrivals: CrossLinkArrivals,
  mode: TransferMode,
  files: readonly Uint8Array[],
  run: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<TransferTiming> {
  const count = files.length
  const created = w.crms.map(() => new Set<number>())
  const doneAt: (number | undefined)[] = w.crms.map(() => undefined)
  let started = 0
  const before = await Promise.all(w.crms.map((_, i) => crossLinksWithFile(w, i)))
  const newWithFile = async () =>
    (await Promise.all(w.crms.map((_, i) => crossLinksWithFile(w, i)))).map((n, i) => n - before[i]!)
  arrivals.listen((crm, change, at) => {
    if (change.kind !== 'create') return
    created[crm]!.add(change.documentId)
    if (created[crm]!.size === count) doneAt[crm] = at - started
  })
  // Catch-up: created first with Document Transfer off, so what is timed is the transfer alone.
  // Steady: created one by one, back to back, while it is on; the clock runs from the first.
  if (mode === 'catch-up') await switchTransfer(w, false)
  const createStarted = performance.now()
  if (mode === 'steady') started = createStarted
  for (const [i, bytes] of files.entries())
    await w.medical.vault.documents.create(SYSTEM_ACTOR, {
      fields: {
        name__v: `Transfer ${run} ${i}`,
        type__v: 'reference_document__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        title__v: `Transfer ${run} ${i}`,
        // Half for the United States, half Global: both go to every CRM (each filters us__v).
        country__v: [i % 2 === 0 ? w.us : w.global],
      },
      file: { bytes, name: `transfer-${run}-${i}.pdf`, mime: 'application/pdf' },
    })
  const createMs = performance.now() - createStarted
  if (mode === 'catch-up') {
    await routed(w)
    log(
      `  ${count} documents created in the Medical Vault in ${createMs.toFixed(0)} ms with Document Transfer off; CrossLinks so far: ${created.map((c) => c.size).join(', ')}`,
    )
    started = performance.now()
    await switchTransfer(w, true)
  } else
    log(
      `  ${count} documents created one by one in ${createMs.toFixed(0)} ms (${(count / (createMs / 1000)).toFixed(0)}/s) with Document Transfer on; CrossLinks so far: ${created.map((c) => c.size).join(', ')}`,
    )
  const deadline = started + timeoutMs
  let nextLog = performance.now() + CHECK_INTERVAL_MS
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, doneAt.every((d) => d !== undefined) ? 0 : 50))
    if (doneAt.every((d) => d !== undefined)) {
      // Every hook has fired: check that the CrossLinks are there with their files; a file that
      // came later than its CrossLink moves that CRM's time to when the database shows it.
      const withFile = await newWithFile()
      const now = performance.now() - started
      for (const [i, n] of withFile.entries()) if (n < count) doneAt[i] = Math.max(doneAt[i]!, now)
      if (withFile.every((n) => n === count)) break
      if (performance.now() > deadline)
        throw new Error(`CrossLinks with a file per CRM: ${withFile.join(', ')} of ${count}.`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      continue
    }
    if (performance.now() > deadline)
      throw new Error(
        `Transfer of ${count} documents: CrossLinks per CRM ${created.map((c) => c.size).join(', ')} after ${timeoutMs} ms.`,
      )
    if (performance.now() > nextLog) {
      nextLog += CHECK_INTERVAL_MS
      log(
        `  after ${((performance.now() - started) / 1000).toFixed(0)} s, CrossLinks per CRM: ${created.map((c) => c.size).join(', ')}`,
      )
    }
  }
  arrivals.stop()
  const perCrmMs = doneAt.map((d) => d!)
  return { mode, count, createMs, totalMs: Math.max(...perCrmMs), perCrmMs }
}

/** A fresh store of the kind the CRMs use: a folder on SQLite, a new database's blob tables on PostgreSQL. */
async function freshStore(
  postgresUrl: string | undefined,
  label: string,
): Promise<{ store: BlobStore; close: () => Promise<void> }> {
  if (postgresUrl === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'liaison-bench-blobs-'))
    return { store: new FsBlobStore(dir), close: async () => rmSync(dir, { recursive: true, force: true }) }
  }
  const database = await postgresBenchDatabase(postgresUrl, label)
  const storage = createDatabase(database.config)
  await migrateToLatest(storage)
  return {
    store: new DatabaseBlobStore(storage.db),
    close: async () => {
      await storage.close()
      await database.drop()
    },
  }
}

/**
 * The baseline: the same files put into 3 fresh stores of the CRMs' kind (one per CRM: folders on
 * SQLite, the vault database's blob tables on PostgreSQL), side by side, 8 files in flight per
 * store. Answers the median milliseconds of three rounds.
 */
async function measureBaseline(
  files: readonly Uint8Array[],
  log: (line: string) => void,
  postgresUrl?: string,
): Promise<number> {
  const runs: number[] = []
  for (const round of [1, 2, 3]) {
    const stores = await Promise.all(
      Array.from({ length: TRANSFER_CRMS }, (_, i) => freshStore(postgresUrl, `blobs_r${round}_c${i}`)),
    )
    try {
      const started = performance.now()
      await Promise.all(
        stores.map(async ({ store }) => {
          for (let i = 0; i < files.length; i += BASELINE_IN_FLIGHT)
            await Promise.all(files.slice(i, i + BASELINE_IN_FLIGHT).map((f) => store.put(f)))
        }),
      )
      runs.push(performance.now() - started)
    } finally {
      for (const { close } of stores) await close()
    }
  }
  const ms = [...runs].sort((a, b) => a - b)[1]!
  log(
    `  baseline: the same ${files.length} files × ${TRANSFER_CRMS} ${postgresUrl === undefined ? 'FsBlobStore' : 'DatabaseBlobStore'}.put in ${runs.map((r) => r.toFixed(0)).join(', ')} ms (median ${ms.toFixed(0)})`,
  )
  return ms
}

/**
 * `creationMs`: for the steady row, what creating the documents alone costs (at the catch-up's
 * creation rate, Document Transfer off, same run), since its clock runs from the first create.
 */
function result(
  name: string,
  kind: string,
  t: TransferTiming,
  baselineMs: number,
  creationMs = 0,
): BenchResult {
  const perSecond = t.count / (t.totalMs / 1000)
  const baseline = t.count / (baselineMs / 1000)
  const how =
    t.mode === 'catch-up'
      ? `created in the Medical Vault in process by DocumentService.create (setup through real code, not HTTP; ${(t.createMs / 1000).toFixed(1)} s) while Document Transfer was switched off; then switched on (as an admin does), which routes them to ${TRANSFER_CRMS} CRMs served over HTTP in this process. value = documents / (switch on until every CRM has every CrossLink with its file)`
      : `created one by one, back to back, in the Medical Vault in process by DocumentService.create while Document Transfer was on (${(t.count / (t.createMs / 1000)).toFixed(0)}/s over ${(t.createMs / 1000).toFixed(1)} s), each routed to ${TRANSFER_CRMS} CRMs served over HTTP in this process. value = documents / (first create until every CRM has every CrossLink with its file)`
  return {
    name,
    value: Number(perSecond.toFixed(1)),
    unit: 'documents/s per CRM',
    baseline: Math.round(baseline),
    ratio: Number((perSecond / baseline).toFixed(4)),
    target: { of: 'ratio', atLeast: 0.2 },
    note: `${kind}, default burst limits; ${t.count} small distinct PDFs (reference_document__v, half US, half Global) ${how} = ${t.count} / ${(t.totalMs / 1000).toFixed(1)} s (per CRM done at ${t.perCrmMs.map((m) => (m / 1000).toFixed(1)).join(', ')} s). baseline = documents / (${creationMs > 0 ? `creating them in the Medical Vault with Document Transfer off, at the catch-up's rate in this run (${(creationMs / 1000).toFixed(2)} s), plus ` : ''}${kind === 'SQLite' ? 'FsBlobStore' : 'DatabaseBlobStore (files in the database, as the CRMs keep them)'}.put of the same files into ${TRANSFER_CRMS} fresh stores side by side, ${BASELINE_IN_FLIGHT} in flight each, median of 3) = ${t.count} / ${(baselineMs / 1000).toFixed(2)} s. ratio = value / baseline`,
  }
}

interface TransferFigures {
  readonly catchUp: TransferTiming
  readonly catchUpBaselineMs: number
  readonly steady: TransferTiming
  readonly steadyBaselineMs: number
  /** Creating the steady row's documents alone, part of its baseline (its clock includes them). */
  readonly steadyCreationMs: number
}

async function measure(
  options: BenchOptions,
  count: number,
  steadyCount: number,
  postgresUrl: string | undefined,
): Promise<TransferFigures> {
  const run = Date.now().toString(36)
  const files = Array.from({ length: count }, (_, i) => benchPdf(run, i))
  const steadyFiles = Array.from({ length: steadyCount }, (_, i) => benchPdf(`${run}s`, i))
  const w = await startDocumentWorld({
    label: 'transfer',
    crmCount: TRANSFER_CRMS,
    log: options.log,
    ...(postgresUrl === undefined ? {} : { postgresUrl }),
  })
  try {
    const arrivals = new CrossLinkArrivals(w.crms)
    // Warm the path once (JIT, statement caches, keep-alive connections) outside the measurement.
    await measureTransfer(
      w,
      arrivals,
      'catch-up',
      Array.from({ length: 20 }, (_, i) => benchPdf(`${run}w`, i)),
      `${run}w`,
      60_000,
      () => {},
    )
    const catchUp = await measureTransfer(
      w,
      arrivals,
      'catch-up',
      files,
      run,
      count * 400 + 60_000,
      options.log,
    )
    options.log(
      `  ${count} documents in every CRM ${(catchUp.totalMs / 1000).toFixed(1)} s after switching Document Transfer on (created before in ${(catchUp.createMs / 1000).toFixed(1)} s)`,
    )
    const steady = await measureTransfer(
      w,
      arrivals,
      'steady',
      steadyFiles,
      `${run}s`,
      steadyCount * 400 + 60_000,
      options.log,
    )
    options.log(
      `  ${steadyCount} documents created one by one in every CRM ${(steady.totalMs / 1000).toFixed(1)} s after the first was created`,
    )
    const catchUpBaselineMs = await measureBaseline(files, options.log, postgresUrl)
    // The steady clock runs from the first create, so its baseline creates the documents too: at
    // the rate the catch-up created its own with Document Transfer off.
    const steadyCreationMs = (catchUp.createMs / catchUp.count) * steadyCount
    const steadyBaselineMs = (await measureBaseline(steadyFiles, options.log, postgresUrl)) + steadyCreationMs
    return { catchUp, catchUpBaselineMs, steady, steadyBaselineMs, steadyCreationMs }
  } finally {
    await w.close()
  }
}

/**
 * B16, B17 throughput: many new documents to 3 CRMs against copying their files into blob stores,
 * caught up after Document Transfer is switched on, and created one by one while it is on.
 * On SQLite, and on PostgreSQL when a server answers.
 */
export const documentTransfer: Benchmark = {
  name: 'documents.transfer_throughput',
  results: ['documents.transfer_throughput', 'documents.steady_throughput'],
  async run(options: BenchOptions): Promise<BenchResult[]> {
    const count = options.quick ? 500 : 5_000
    const steadyCount = options.quick ? 100 : 500
    const results: BenchResult[] = []
    const sqlite = await measure(options, count, steadyCount, undefined)
    results.push(
      result('documents.transfer_throughput', 'SQLite', sqlite.catchUp, sqlite.catchUpBaselineMs),
      result(
        'documents.steady_throughput',
        'SQLite',
        sqlite.steady,
        sqlite.steadyBaselineMs,
        sqlite.steadyCreationMs,
      ),
    )
    const pg = await postgresFor(options.postgresUrl)
    if (pg !== undefined) {
      const postgres = await measure(options, count, steadyCount, pg)
      results.push(
        result(
          'documents.transfer_throughput.postgres',
          'PostgreSQL',
          postgres.catchUp,
          postgres.catchUpBaselineMs,
        ),
        result(
          'documents.steady_throughput.postgres',
          'PostgreSQL',
          postgres.steady,
          postgres.steadyBaselineMs,
          postgres.steadyCreationMs,
        ),
      )
    }
    return results
  },
}

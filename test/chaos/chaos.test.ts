// Chaos (issue 15; B24 nothing lost, nothing twice): each vault runs as two `liaison serve` and two
// `liaison worker` processes on a PostgreSQL database of its own, the commands of docs/deploy.md,
// behind a round-robin load balancer. During a burst of inquiry transfers and documents, a random
// process is killed with SIGKILL every few seconds and started again, and the database connection of
// every process is cut once. At the end: one case per inquiry, every inquiry success__v, every
// CrossLink once, no dead message, no job locked by a worker that is gone.
// `npm run test:chaos` runs it at full size (LIAISON_CHAOS=full: 3 CRMs, 1,000 inquiries, 200
// documents); `.ci/run` runs the short form on PostgreSQL.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, TEST_DB_KIND, TEST_PG_URL, type TestDatabase } from '../support/databases.js'
import { expectEventually } from '../support/expect-eventually.js'
import { type RoundRobinProxy, startRoundRobinProxy } from '../support/round-robin-proxy.js'
import { startTcpCutProxy, type TcpCutProxy } from '../support/tcp-cut-proxy.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API = '/api/v25.2'
const FULL = process.env.LIAISON_CHAOS === 'full'
const SIZE = FULL
  ? {
      crms: 3,
      inquiries: 1_000,
      documents: 200,
      killEveryMs: 3_000,
      cutMs: 10_000,
      faults: 12,
      settleMs: 300_000,
    }
  : { crms: 1, inquiries: 200, documents: 30, killEveryMs: 3_000, cutMs: 5_000, faults: 6, settleMs: 180_000 }
/** The burst is spread over this long, so the faults land while the vaults work. */
const BURST_MS = SIZE.faults * SIZE.killEveryMs
type Json = Record<string, unknown>

const dir = mkdtempSync(join(tmpdir(), 'liaison-chaos-'))
const processes: LiaisonProcess[] = []
const proxies: RoundRobinProxy[] = []
const databases: TestDatabase[] = []
let dbProxy: TcpCutProxy | undefined
/** Each fault and restart with its time, written beside the processes' logs (LIAISON_CHAOS_LOGS). */
const journal: string[] = []
/** Whether ended processes are started again (on during the run, off before the teardown). */
let supervising = false

/** One `liaison` process that the test can kill and start again with the same arguments. */
class LiaisonProcess {
  #child: ChildProcess | undefined
  #output = ''
  #exited: Promise<void> = Promise.resolve()
  constructor(
    readonly label: string,
    readonly args: readonly string[],
  ) {}

  start(): void {
    const child = spawn(process.execPath, [join(ROOT, 'bin/liaison.js'), ...this.args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    const keep = (d: Buffer) => {
      this.#output = (this.#output + d.toString()).slice(-20_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    this.#exited = new Promise((done) => child.on('exit', () => done()))
  }

  output(): string {
    return this.#output
  }

  alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** SIGKILL: no shutdown, no cleanup, as the kernel's OOM killer or a lost machine. */
  async kill(): Promise<void> {
    if (this.alive()) this.#child?.kill('SIGKILL')
    await this.#exited
  }
}

interface Vault {
  readonly name: string
  readonly profile: 'medical' | 'crm'
  readonly url: string
  admin: { username: string; password: string }
  session: string
}

async function freePort(): Promise<number> {
  const proxy = await startRoundRobinProxy([1])
  const { port } = proxy
  await proxy.close()
  return port
}

/** The vault's database URL through the cuttable proxy (the processes' way to PostgreSQL). */
function viaProxy(database: TestDatabase): string {
  const url = new URL(database.url)
  url.host = `127.0.0.1:${dbProxy!.port}`
  return url.toString()
}

async function call(v: Vault, method: string, path: string, body?: unknown): Promise<Json> {
  // A client keeps trying for two minutes: both API processes of a vault may be restarting at once.
  const giveUpAt = performance.now() + 120_000
  for (;;) {
    try {
      const form = body instanceof URLSearchParams || body instanceof FormData
      const response = await fetch(`${v.url}${API}${path}`, {
        method,
        headers: {
          authorization: v.session,
          ...(body === undefined || form ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      })
      const answer = (await response.json()) as Json
      // A process killed answers nothing; a database cut answers EXCEPTION (VAULT_NOT_READY,
      // HTTP 200 as Vault answers unless asked otherwise): try again, as a client would.
      if ((response.status >= 500 || answer.responseStatus === 'EXCEPTION') && performance.now() < giveUpAt)
        throw new Error(JSON.stringify(answer))
      return answer
    } catch (error) {
      if (performance.now() >= giveUpAt) throw error
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

async function login(v: Vault): Promise<void> {
  const answer = await call(v, 'POST', '/auth', new URLSearchParams(v.admin))
  expect(answer.responseStatus, JSON.stringify(answer)).toBe('SUCCESS')
  v.session = String(answer.sessionId)
}

async function query(v: Vault, q: string): Promise<Json[]> {
  const rows: Json[] = []
  let answer = await call(v, 'POST', '/query', new URLSearchParams({ q }))
  for (;;) {
    expect(answer.responseStatus, JSON.stringify(answer)).toBe('SUCCESS')
    rows.push(...(answer.data as Json[]))
    const next = (answer.responseDetails as { next_page?: string } | undefined)?.next_page
    if (next === undefined) return rows
    answer = await call(v, 'POST', next.replace(API, ''), new URLSearchParams())
  }
}

/** Starts a vault as the deploy guide does: 2 API processes behind a balancer, 2 workers. */
async function startVault(name: string, profile: 'medical' | 'crm'): Promise<Vault> {
  const database = await createTestDatabase(`chaos_${name}`)
  databases.push(database)
  const keyFile = join(dir, `${name}.key`)
  const apiPorts = [await freePort(), await freePort()]
  const balancer = await startRoundRobinProxy(apiPorts)
  proxies.push(balancer)
  const url = `http://127.0.0.1:${balancer.port}`
  const db = viaProxy(database)
  // 16 processes at full size must fit PostgreSQL's default 100 connections (docs/deploy.md).
  const common = FULL
    ? ['--db', db, '--key-file', keyFile, '--pool-max', '1', '--job-concurrency', '1']
    : ['--db', db, '--key-file', keyFile, '--pool-max', '2']
  const api = apiPorts.map(
    (port, i) =>
      new LiaisonProcess(`${name}-api-${i + 1}`, [
        'serve',
        '--profile',
        profile,
        '--name',
        name,
        ...common,
        '--port',
        String(port),
        '--public-url',
        url,
      ]),
  )
  // The first API process creates the vault and prints its admin's password once.
  api[0]!.start()
  processes.push(api[0]!)
  let admin: { username: string; password: string } | undefined
  await expectEventually(
    () => {
      const line = api[0]!
        .output()
        .split('\n')
        .find((l) => l.startsWith('{"name"'))
      expect(line, api[0]!.output()).toBeDefined()
      admin = (JSON.parse(line!) as { admin: { username: string; password: string } }).admin
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  )
  api[1]!.start()
  processes.push(api[1]!)
  for (let i = 0; i < 2; i++) {
    const worker = new LiaisonProcess(`${name}-worker-${i + 1}`, ['worker', ...common])
    worker.start()
    processes.push(worker)
  }
  const v: Vault = { name, profile, url, admin: admin!, session: '' }
  await login(v)
  return v
}

async function connect(medical: Vault, crm: Vault): Promise<void> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'bin/liaison.js'),
      'connect',
      '--from',
      medical.url,
      '--to',
      crm.url,
      '--from-user',
      medical.admin.username,
      '--from-password',
      medical.admin.password,
      '--to-user',
      crm.admin.username,
      '--to-password',
      crm.admin.password,
    ],
    { cwd: ROOT, timeout: 60_000 },
  )
  expect(stdout).toContain('"to"')
}

function ok(answer: Json): Json {
  expect(answer.responseStatus, JSON.stringify(answer).slice(0, 500)).toBe('SUCCESS')
  return answer
}

async function createDocument(medical: Vault, name: string, us: string): Promise<void> {
  // Not idempotent: after a lost answer, look before creating again.
  for (let attempt = 0; attempt < 30; attempt++) {
    const existing = await query(medical, `SELECT id FROM documents WHERE name__v = '${name}'`)
    if (existing.length > 0) return
    const form = new FormData()
    for (const [k, v] of Object.entries({
      name__v: name,
      type__v: 'reference_document__v',
      lifecycle__v: 'medical_content_lifecycle__v',
      country__v: us,
    }))
      form.append(k, v)
    form.append('file', new Blob([`Chaos document ${name}`], { type: 'text/plain' }), `${name}.txt`)
    try {
      const answer = await fetch(`${medical.url}${API}/objects/documents`, {
        method: 'POST',
        headers: { authorization: medical.session },
        body: form,
        signal: AbortSignal.timeout(30_000),
      })
      const body = (await answer.json()) as Json
      if (answer.status < 500 && body.responseStatus !== 'EXCEPTION') {
        ok(body)
        return
      }
    } catch {
      // A killed process or a cut database: look again, then retry.
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`Document ${name} could not be created.`)
}

afterAll(async () => {
  supervising = false
  // What each process said last, for a failed run (the test's output folder is git-ignored).
  const logs = process.env.LIAISON_CHAOS_LOGS
  if (logs !== undefined) {
    mkdirSync(logs, { recursive: true })
    for (const p of processes) writeFileSync(join(logs, `${p.label}.log`), p.output(), { mode: 0o600 })
    writeFileSync(join(logs, 'journal.txt'), `${journal.join('\n')}\n`, { mode: 0o600 })
  }
  for (const p of processes) await p.kill()
  for (const p of proxies) await p.close()
  await dbProxy?.close()
  for (const d of databases) await d.drop().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
}, 120_000)

describe.skipIf(TEST_DB_KIND !== 'postgres')('chaos on PostgreSQL (B24)', () => {
  it(`B24: ${SIZE.inquiries} transfers and ${SIZE.documents} documents to ${SIZE.crms} CRM(s), 2 API + 2 worker processes per vault, a random process killed every ${SIZE.killEveryMs / 1000} s and the database cut once: nothing lost, nothing twice, nothing stuck`, async () => {
    const server = new URL(TEST_PG_URL)
    dbProxy = await startTcpCutProxy(server.hostname, Number(server.port || 5432))
    const medical = await startVault('medical', 'medical')
    const crms: Vault[] = []
    for (let i = 0; i < SIZE.crms; i++) crms.push(await startVault(`crm${i + 1}`, 'crm'))
    const countries = ok(
      await call(medical, 'POST', '/vobjects/country__v', [
        { name__v: 'United States', abbreviation__v: 'US' },
        { name__v: 'Global', abbreviation__v: 'GLOBAL' },
      ]),
    )
    const us = String((countries.data as { data: { id: string } }[])[0]!.data.id)
    for (const crm of crms) {
      await connect(medical, crm)
      const [connection] = await query(crm, 'SELECT id FROM connection__sys')
      ok(
        await call(crm, 'POST', '/vobjects/connection_settings__v', [
          {
            name__v: 'Document Transfer',
            object_type__v: 'document_transfer_settings__v',
            connection__sys: connection!.id,
            country_filter__v: ['us__v'],
          },
        ]),
      )
    }
    await expectEventually(
      async () =>
        expect(
          await query(medical, "SELECT id FROM connection_country__v WHERE status__v = 'active__v'"),
        ).toHaveLength(2 * SIZE.crms),
      { timeoutMs: 60_000, intervalMs: 500 },
    )
    // The inquiries exist before the burst: creating records is not what this measures.
    const inquiries = new Map<Vault, string[]>()
    const perCrm = Math.ceil(SIZE.inquiries / SIZE.crms)
    for (const [c, crm] of crms.entries()) {
      const count = Math.min(perCrm, SIZE.inquiries - c * perCrm)
      const ids: string[] = []
      for (let start = 0; start < count; start += 500) {
        const answer = ok(
          await call(
            crm,
            'POST',
            '/vobjects/medical_inquiry__v',
            Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
              first_name__v: 'Chaos',
              last_name__v: `HCP ${c}-${start + i}`,
              inquiry_text__v: `Question ${c}-${start + i}`,
              delivery_method__v: 'email__v',
              email__v: `chaos.${c}.${start + i}@example.org`,
            })),
          ),
        )
        ids.push(...(answer.data as { data: { id: string } }[]).map((r) => r.data.id))
      }
      inquiries.set(crm, ids)
    }

    // The burst and the chaos run side by side.
    let burstDone = false
    const kills: string[] = []
    // The supervisor (compose's restart policy, systemd): a process that ended is started again,
    // whether the chaos killed it or it stopped itself (a start while the database was cut).
    const killing = new Set<LiaisonProcess>()
    const restarts: string[] = []
    supervising = true
    const supervisor = (async () => {
      while (supervising) {
        await new Promise((r) => setTimeout(r, 1_000))
        for (const p of processes)
          if (!p.alive() && !killing.has(p)) {
            restarts.push(p.label)
            journal.push(`${new Date().toISOString()} restart ${p.label}`)
            p.start()
          }
      }
    })()
    const killer = (async () => {
      const started = performance.now()
      let cut = false
      while (!burstDone || kills.length < SIZE.faults) {
        await new Promise((r) => setTimeout(r, SIZE.killEveryMs))
        if (!cut && performance.now() - started > 2 * SIZE.killEveryMs) {
          cut = true
          kills.push('database cut')
          journal.push(`${new Date().toISOString()} database cut`)
          dbProxy!.cut()
          await new Promise((r) => setTimeout(r, SIZE.cutMs))
          dbProxy!.restore()
          continue
        }
        const victim = processes[Math.floor(Math.random() * processes.length)]!
        kills.push(victim.label)
        journal.push(`${new Date().toISOString()} kill ${victim.label}`)
        killing.add(victim)
        await victim.kill()
        await new Promise((r) => setTimeout(r, 500))
        killing.delete(victim)
      }
    })()
    const burst = (async () => {
      await Promise.all([
        ...crms.map(async (crm) => {
          const ids = inquiries.get(crm)!
          const batch = Math.max(1, Math.ceil(ids.length / 10))
          for (let start = 0; start < ids.length; start += batch) {
            // Transfer is safe to repeat: an inquiry already pending or transferred is refused alone.
            await call(
              crm,
              'POST',
              '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
              new URLSearchParams({ ids: ids.slice(start, start + batch).join(',') }),
            )
            await new Promise((r) => setTimeout(r, BURST_MS / 10))
          }
        }),
        (async () => {
          for (let i = 0; i < SIZE.documents; i++) {
            await createDocument(medical, `Chaos ${i}`, us)
            await new Promise((r) => setTimeout(r, BURST_MS / SIZE.documents))
          }
        })(),
      ])
    })()
    try {
      await burst
    } finally {
      burstDone = true
      await killer
      dbProxy.restore()
    }
    process.stdout.write(
      `chaos: ${kills.length} faults: ${kills.join(', ')}; restarts: ${restarts.join(', ')}\n`,
    )

    // Transfers a kill interrupted before they were pending are transferred again, as a rep would.
    const settleBy = performance.now() + SIZE.settleMs
    for (const crm of crms) {
      const ids = inquiries.get(crm)!
      await expectEventually(
        async () => {
          const rows = await query(crm, 'SELECT id, transfer_status__v FROM medical_inquiry__v PAGESIZE 1000')
          const status = new Map(
            rows.map((r) => [String(r.id), (r.transfer_status__v as string[] | null)?.[0]]),
          )
          const untransferred = ids.filter((id) => status.get(id) === undefined)
          if (untransferred.length > 0)
            await call(
              crm,
              'POST',
              '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
              new URLSearchParams({ ids: untransferred.slice(0, 500).join(',') }),
            )
          expect(ids.filter((id) => status.get(id) !== 'success__v')).toEqual([])
        },
        { timeoutMs: Math.max(1_000, settleBy - performance.now()), intervalMs: 2_000 },
      )
    }
    const cases = await query(medical, 'SELECT id, crm_org__v, crm_id__v FROM case__v PAGESIZE 1000')
    expect(cases).toHaveLength(SIZE.inquiries)
    // Each CRM numbers its own inquiries: a case is one inquiry of one CRM.
    expect(new Set(cases.map((c) => `${String(c.crm_org__v)} ${String(c.crm_id__v)}`)).size).toBe(
      SIZE.inquiries,
    )
    for (const crm of crms)
      await expectEventually(
        async () => {
          const links = await query(
            crm,
            'SELECT id, source_global_id__v FROM documents WHERE crosslink__v = true PAGESIZE 1000',
          )
          expect(new Set(links.map((l) => l.source_global_id__v)).size).toBe(SIZE.documents)
          expect(links).toHaveLength(SIZE.documents)
        },
        { timeoutMs: Math.max(1_000, settleBy - performance.now()), intervalMs: 2_000 },
      )
    // Read straight from each database, not through the vaults.
    for (const database of databases) {
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      try {
        const dead = await client.query(
          "select count(*)::int as n from outbound_message where state = 'dead'",
        )
        expect(dead.rows[0].n, `dead messages in ${database.url}`).toBe(0)
        await expectEventually(
          async () => {
            const locked = await client.query(
              "select count(*)::int as n from graphile_worker._private_jobs where locked_at is not null and locked_at < now() - interval '60 seconds'",
            )
            expect(locked.rows[0].n, `jobs locked for over a minute in ${database.url}`).toBe(0)
          },
          { timeoutMs: 90_000, intervalMs: 2_000 },
        )
      } finally {
        await client.end()
      }
    }
    supervising = false
    await supervisor
    expect(kills.length).toBeGreaterThanOrEqual(SIZE.faults)
  }, 900_000)
})

// B24: `kill -9` of the embedded world (`liaison up`, a child process) at a random point of a burst
// of 1,000 transfers, then a restart on the same data: nothing lost, nothing twice, nothing stuck.
// The world keeps its vaults in SQLite files by design, so this runs the same on either suite.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { expectEventually } from '../support/expect-eventually.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API = '/api/v25.2'
const INQUIRIES = 1_000
type Json = Record<string, unknown>

interface WorldVault {
  name: string
  url: string
  vaultId: number
  admin: { username: string; password: string }
  users: { username: string; password: string; role: string }[]
}

const dir = mkdtempSync(join(tmpdir(), 'liaison-kill-'))
// Below the ephemeral range (32768+), so no outgoing connection holds a port the restart needs.
const port = 12_000 + Math.floor(Math.random() * 20_000)
const children: ChildProcess[] = []

interface RunningWorld {
  readonly child: ChildProcess
  readonly exited: Promise<NodeJS.Signals | number | null>
  output(): string
}

function startWorld(): RunningWorld {
  let output = ''
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/liaison.js'), 'up', '--dir', dir, '--port', String(port)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  children.push(child)
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise<NodeJS.Signals | number | null>((done) =>
    child.on('exit', (code, signal) => done(signal ?? code)),
  )
  return { child, exited, output: () => output }
}

/** Waits until this run of the world has written world.json (it does so once every vault answers). */
async function ready(world: RunningWorld): Promise<WorldVault[]> {
  await expectEventually(
    () => {
      expect(world.child.exitCode, world.output()).toBeNull()
      expect(world.output()).toContain('world.json')
    },
    { timeoutMs: 90_000, intervalMs: 100 },
  )
  const file = join(dir, 'world.json')
  expect(existsSync(file)).toBe(true)
  return (JSON.parse(readFileSync(file, 'utf8')) as { vaults: WorldVault[] }).vaults
}

async function login(vault: WorldVault, role: 'admin' | 'rep'): Promise<string> {
  const user = role === 'admin' ? vault.admin : vault.users.find((u) => u.role === role)!
  const response = await fetch(`${vault.url}${API}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user.username, password: user.password }),
  })
  const body = (await response.json()) as { sessionId?: string }
  if (body.sessionId === undefined) throw new Error(`login to ${vault.name} failed: ${JSON.stringify(body)}`)
  return body.sessionId
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
  const response = await fetch(`${url}${path.startsWith('/api/') ? path : `${API}${path}`}`, {
    method,
    headers,
    body: payload,
  })
  return (await response.json()) as Json
}

/** Every row of a VQL query, following next_page. */
async function queryAll(url: string, session: string, q: string): Promise<Json[]> {
  const rows: Json[] = []
  let body = await call(url, session, 'POST', '/query', new URLSearchParams({ q }))
  for (;;) {
    expect(body.responseStatus, JSON.stringify(body).slice(0, 400)).toBe('SUCCESS')
    rows.push(...(body.data as Json[]))
    const next = (body.responseDetails as { next_page?: string } | undefined)?.next_page
    if (next === undefined || next === null) return rows
    body = await call(url, session, 'POST', next)
  }
}

async function total(url: string, session: string, q: string): Promise<number> {
  const body = await call(url, session, 'POST', '/query', new URLSearchParams({ q: `${q} PAGESIZE 1` }))
  expect(body.responseStatus, JSON.stringify(body).slice(0, 400)).toBe('SUCCESS')
  return Number((body.responseDetails as { total: number }).total)
}

afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('kill -9 during a burst of transfers (B24)', () => {
  it('B24: kill -9 of the world at two random points of 1,000 bulk transfers, each followed by a restart: exactly 1,000 cases, all inquiries success__v, nothing stuck', async () => {
    const first = startWorld()
    let vaults = await ready(first)
    const crmInfo = vaults.find((v) => v.name === 'crm-na')!
    const medicalInfo = vaults.find((v) => v.name === 'medical')!
    const org = String(crmInfo.vaultId)
    let rep = await login(crmInfo, 'rep')
    let medicalAdmin = await login(medicalInfo, 'admin')

    const accounts = await queryAll(crmInfo.url, rep, 'SELECT id FROM account__v PAGESIZE 200')
    expect(accounts.length).toBeGreaterThan(0)
    const ids: string[] = []
    for (let start = 0; start < INQUIRIES; start += 500) {
      const rows = Array.from({ length: 500 }, (_, i) => ({
        account__v: accounts[(start + i) % accounts.length]!.id,
        inquiry_text__v: `Burst inquiry ${start + i}: what is the maximum daily dose in renal impairment?`,
        delivery_method__v: 'email__v',
        email__v: `hcp${start + i}@example.org`,
      }))
      const created = await call(crmInfo.url, rep, 'POST', '/vobjects/medical_inquiry__v', rows)
      expect(created.responseStatus, JSON.stringify(created).slice(0, 400)).toBe('SUCCESS')
      for (const r of created.data as { responseStatus: string; data: { id: string } }[]) {
        expect(r.responseStatus).toBe('SUCCESS')
        ids.push(r.data.id)
      }
    }
    expect(ids).toHaveLength(INQUIRIES)

    // The world dies twice: first while Medical creates the cases (after a random number of them;
    // each inquiry is its own transaction there), then a random moment after the restarted world
    // is ready, while it recovers (re-processing, results flowing back, the CRM applying them).
    const killAtCase = 1 + Math.floor(Math.random() * (INQUIRIES - 1))
    const killAfterReadyMs = Math.floor(Math.random() * 1_500)
    console.info(
      `B24 kill -9: the world dies at case ${killAtCase} of ${INQUIRIES}, then ${killAfterReadyMs} ms after it is back`,
    )
    const started = Date.now()
    for (let start = 0; start < INQUIRIES; start += 500) {
      const action = await call(
        crmInfo.url,
        rep,
        'POST',
        '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
        new URLSearchParams({ ids: ids.slice(start, start + 500).join(',') }),
      )
      expect(action.responseStatus, JSON.stringify(action).slice(0, 400)).toBe('SUCCESS')
      expect((action.data as { responseStatus: string }[]).every((r) => r.responseStatus === 'SUCCESS')).toBe(
        true,
      )
    }
    /** Case Requests in Medical plus inquiries marked success__v in the CRM: 0 to 2,000. */
    const progress = async () =>
      (await total(
        medicalInfo.url,
        medicalAdmin,
        `SELECT id FROM case_request__v WHERE crm_org__v = '${org}'`,
      )) +
      (await total(
        crmInfo.url,
        rep,
        `SELECT id FROM medical_inquiry__v WHERE transfer_status__v = 'success__v'`,
      ))
    const restart = async (world: RunningWorld, when: string): Promise<RunningWorld> => {
      const at = await progress()
      world.child.kill('SIGKILL')
      expect(await world.exited).toBe('SIGKILL')
      console.info(
        `B24 kill -9: killed ${when} at progress ${at} of ${2 * INQUIRIES}, ${Date.now() - started} ms in`,
      )
      const next = startWorld()
      vaults = await ready(next)
      expect(vaults.find((v) => v.name === 'crm-na')!.vaultId).toBe(crmInfo.vaultId)
      rep = await login(crmInfo, 'rep')
      medicalAdmin = await login(medicalInfo, 'admin')
      return next
    }
    await expectEventually(
      async () =>
        expect(
          await total(
            medicalInfo.url,
            medicalAdmin,
            `SELECT id FROM case_request__v WHERE crm_org__v = '${org}'`,
          ),
        ).toBeGreaterThanOrEqual(killAtCase),
      { timeoutMs: 120_000, intervalMs: 10 },
    )
    let world = await restart(first, 'while Medical creates cases')
    await new Promise((done) => setTimeout(done, killAfterReadyMs))
    world = await restart(world, 'while the world recovers')
    const crmAdmin = await login(crmInfo, 'admin')

    await expectEventually(
      async () => {
        const pending = await total(
          crmInfo.url,
          rep,
          `SELECT id FROM medical_inquiry__v WHERE transfer_status__v != 'success__v' AND id CONTAINS (${ids.map((id) => `'${id}'`).join(', ')})`,
        )
        expect(pending).toBe(0)
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    )
    console.info(`B24 kill -9: all ${INQUIRIES} transferred ${Date.now() - started} ms after the burst began`)

    // Exactly one Case Request (and Case) per inquiry, counted by crm_org__v + crm_id__v.
    const requests = await queryAll(
      medicalInfo.url,
      medicalAdmin,
      `SELECT crm_id__v FROM case_request__v WHERE crm_org__v = '${org}' PAGESIZE 1000`,
    )
    const perInquiry = new Map<string, number>()
    for (const r of requests)
      perInquiry.set(String(r.crm_id__v), (perInquiry.get(String(r.crm_id__v)) ?? 0) + 1)
    expect([...perInquiry.values()].filter((n) => n > 1)).toEqual([])
    expect([...perInquiry.keys()].sort()).toEqual([...ids].sort())
    expect(
      await total(medicalInfo.url, medicalAdmin, `SELECT id FROM case__v WHERE crm_org__v = '${org}'`),
    ).toBe(INQUIRIES)
    // Every inquiry has its case number.
    const inquiries = await queryAll(
      crmInfo.url,
      rep,
      `SELECT id, case_number__v FROM medical_inquiry__v WHERE transfer_status__v = 'success__v' PAGESIZE 1000`,
    )
    const numbered = inquiries.filter(
      (r) => ids.includes(String(r.id)) && String(r.case_number__v ?? '').startsWith('CASE-'),
    )
    expect(numbered).toHaveLength(INQUIRIES)

    // Nothing stuck: no message left to deliver or process, none dead or failed, on either side.
    const queues = [
      { url: medicalInfo.url, session: medicalAdmin, name: 'medical_crm__v_crm_na' },
      { url: crmInfo.url, session: crmAdmin, name: 'medical_crm__v' },
    ]
    await expectEventually(
      async () => {
        for (const q of queues)
          for (const type of ['outbound', 'inbound']) {
            const body = await call(q.url, q.session, 'GET', `/services/queues/${q.name}_${type}_queue`)
            expect(body.data, `${q.name}_${type}_queue`).toMatchObject({
              messages_in_queue: 0,
              messages_failed: 0,
            })
          }
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    )
    for (const q of queues)
      expect(
        await queryAll(q.url, q.session, 'SELECT id, error_message__sys FROM exception_message__sys'),
      ).toEqual([])

    world.child.kill('SIGTERM')
    expect(await world.exited).toBe(0)
  }, 240_000)
})

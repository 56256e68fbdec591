import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { expectEventually } from '../support/expect-eventually.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API = '/api/v25.2'

interface WorldFile {
  vaults: {
    name: string
    profile: string
    environment: string
    url: string
    vaultId: number
    admin: { username: string; password: string }
    integrationUser: { username: string }
    users: { username: string; password: string; role: string }[]
  }[]
}

const dir = mkdtempSync(join(tmpdir(), 'liaison-world-'))
// Below Linux's ephemeral range (32768+), so an outgoing connection never holds the port.
const port = 12_000 + Math.floor(Math.random() * 20_000)
const children: ChildProcess[] = []

function startWorld(): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  let output = ''
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/liaison.js'), 'up', '--dir', dir, '--port', String(port)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  return { child, exited, output: () => output }
}

async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}${API}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }),
  })
  const body = (await response.json()) as { responseStatus: string; sessionId: string }
  expect(body.responseStatus).toBe('SUCCESS')
  return body.sessionId
}

async function vql(url: string, session: string, q: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${API}/query`, {
    method: 'POST',
    headers: { authorization: session, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ q }),
  })
  return (await response.json()) as Record<string, unknown>
}

async function countOf(url: string, session: string, object: string): Promise<number> {
  const body = await vql(url, session, `SELECT id FROM ${object} PAGESIZE 1`)
  expect(body.responseStatus).toBe('SUCCESS')
  return Number((body.responseDetails as { total: number }).total)
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

describe('the embedded world (liaison up)', () => {
  let first: WorldFile

  // The world's users get the production scrypt cost (issue 10): each of its ~25 password hashes,
  // and each login below, takes a third of a second or more.
  it('starts four vaults, writes world.json only when all answer, and prints the table', async () => {
    const world = startWorld()
    const file = join(dir, 'world.json')
    await expectEventually(() => expect(existsSync(file)).toBe(true), { timeoutMs: 170_000 })
    first = JSON.parse(readFileSync(file, 'utf8')) as WorldFile
    expect(first.vaults.map((v) => [v.name, v.profile, v.environment])).toEqual([
      ['medical', 'medical', 'production'],
      ['crm-na', 'crm', 'production'],
      ['crm-eu', 'crm', 'production'],
      ['crm-sandbox', 'crm', 'sandbox'],
    ])
    expect(first.vaults.map((v) => v.url)).toEqual([0, 1, 2, 3].map((i) => `http://127.0.0.1:${port + i}`))
    const medical = first.vaults[0]!
    expect(medical.users.map((u) => u.role).sort()).toEqual(['agent', 'content_manager', 'read_only'])
    for (const crm of first.vaults.slice(1))
      expect(crm.users.map((u) => u.role).sort()).toEqual(['read_only', 'rep'])
    for (const v of first.vaults) {
      const session = await login(v.url, v.admin.username, v.admin.password)
      for (const u of v.users) await login(v.url, u.username, u.password)
      const me = await fetch(`${v.url}${API}/metadata/vobjects`, { headers: { authorization: session } })
      expect(me.headers.get('x-vaultapi-vaultid')).toBe(String(v.vaultId))
    }
    await expectEventually(() => expect(world.output()).toContain('world.json'), { timeoutMs: 10_000 })
    for (const v of first.vaults) expect(world.output()).toContain(v.admin.username)
    // The JSON log goes to a file only its owner reads; the terminal keeps the table.
    const logFile = join(dir, 'logs', 'liaison.log')
    expect(statSync(logFile).mode & 0o777).toBe(0o600)
    const logged = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(logged.some((l) => l.vault === 'medical' && typeof l.reqId === 'string')).toBe(true)
    expect(world.output()).not.toContain('"reqId"')
    // B15: every CRM's Connection Countries exist when world.json does, the sandbox's too (it sends
    // no nudge to production: they came from the world's own country sync, not a scheduled pull).
    const medicalSession = await login(medical.url, medical.admin.username, medical.admin.password)
    const countries = await vql(
      medical.url,
      medicalSession,
      "SELECT connection__sysr.api_name__sys, country__vr.abbreviation__v FROM connection_country__v WHERE status__v = 'active__v'",
    )
    expect(countries.responseStatus, JSON.stringify(countries)).toBe('SUCCESS')
    const bySandbox = (countries.data as Record<string, unknown>[])
      .filter((r) => r['connection__sysr.api_name__sys'] === 'medical_crm__v_crm_sandbox')
      .map((r) => r['country__vr.abbreviation__v'])
    expect(bySandbox.sort()).toEqual(['GLOBAL', 'US'].sort())
    // B16, B17: the demo documents reach each CRM by its country filter: crm-na (US, CA) all four,
    // crm-eu (GB, DE, FR) only the Global one, crm-sandbox (US) the US and Global ones. B19: the
    // Global demo email template is one more CrossLink in each.
    for (const [index, expected] of [
      [1, 5],
      [2, 2],
      [3, 4],
    ] as const) {
      const crm = first.vaults[index]!
      const session = await login(crm.url, crm.admin.username, crm.admin.password)
      await expectEventually(
        async () => {
          const body = await vql(
            crm.url,
            session,
            'SELECT id, status__v FROM documents WHERE crosslink__v = true AND status__v = STEADYSTATE()',
          )
          expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
          expect((body.data as unknown[]).length).toBe(expected)
        },
        { timeoutMs: 20_000 },
      )
    }
    // B19: the approved demo email template is an approved_document__v in crm-na.
    const na = first.vaults[1]!
    const naSession = await login(na.url, na.admin.username, na.admin.password)
    await expectEventually(
      async () => {
        const body = await vql(
          na.url,
          naSession,
          "SELECT name__v, document_type__v, status__v FROM approved_document__v WHERE status__v = 'approved__v'",
        )
        expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
        expect(body.data).toEqual([
          {
            name__v: 'Cardiora Approved Email: Visit Follow-up',
            document_type__v: ['email_template__v'],
            status__v: ['approved__v'],
          },
        ])
      },
      { timeoutMs: 20_000 },
    )

    world.child.kill('SIGINT')
    expect(await world.exited).toBe(0)
  }, 240_000)

  it('restarts on the same data, answers liaison vql, then stops cleanly on SIGTERM', async () => {
    const medical = first.vaults[0]!
    const world = startWorld()
    await expectEventually(
      async () => {
        const again = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as WorldFile
        const session = await login(again.vaults[0]!.url, medical.admin.username, medical.admin.password)
        expect(session).not.toBe('')
      },
      { timeoutMs: 90_000 },
    )
    const again = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as WorldFile
    expect(again.vaults.map((v) => v.vaultId)).toEqual(first.vaults.map((v) => v.vaultId))
    const session = await login(medical.url, medical.admin.username, medical.admin.password)
    const countries = await countOf(medical.url, session, 'country__v')
    expect(countries).toBeGreaterThanOrEqual(250)
    const crm = again.vaults[1]!
    const crmSession = await login(crm.url, crm.admin.username, crm.admin.password)
    expect(await countOf(crm.url, crmSession, 'account__v')).toBeGreaterThanOrEqual(200)
    const printed = await promisify(execFile)(process.execPath, [
      join(ROOT, 'bin/liaison.js'),
      'vql',
      '--vault',
      medical.url,
      '--user',
      medical.admin.username,
      '--password',
      medical.admin.password,
      "SELECT name__v, abbreviation__v FROM country__v WHERE abbreviation__v = 'CA'",
    ])
    expect(printed.stdout).toMatch(/name__v\s+abbreviation__v/)
    expect(printed.stdout).toContain('Canada')
    expect(printed.stdout).toContain('1 of 1 rows')
    world.child.kill('SIGTERM')
    expect(await world.exited).toBe(0)
  })
})

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatWorldTable, startWorld, type World, type WorldVaultInfo } from '../../src/cli/world.js'
import { createDatabase } from '../../src/platform/storage/index.js'
import { sqliteFileBytes } from '../support/database-contents.js'
import { TEST_DB_KIND } from '../support/databases.js'
import { expectEventually } from '../support/expect-eventually.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API = '/api/v25.2'
/** A password this release makes: `Lz-` and 12 base64url characters. */
const MADE_PASSWORD = /Lz-[A-Za-z0-9_-]{12}/g
const dir = mkdtempSync(join(tmpdir(), 'liaison-secrets-world-'))
const port = 12_000 + Math.floor(Math.random() * 20_000)
let world: World | undefined

afterAll(async () => {
  await world?.close()
  rmSync(dir, { recursive: true, force: true })
})

interface WorldFile {
  readonly vaults: WorldVaultInfo[]
}

function worldFile(): WorldFile {
  return JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as WorldFile
}

async function restart(): Promise<World> {
  await world?.close()
  world = await startWorld({ dir, port })
  return world
}

/** The bytes of every vault's database files: what a local account that can read them finds. */
function databaseBytes(): string {
  return ['medical', 'crm-na', 'crm-eu', 'crm-sandbox']
    .map((n) => sqliteFileBytes(join(dir, `${n}.db`)))
    .join('\n')
}

async function login(url: string, username: string, password: string): Promise<string | undefined> {
  const response = await fetch(`${url}${API}/auth`, {
    method: 'POST',
    body: new URLSearchParams({ username, password }),
  })
  return ((await response.json()) as { sessionId?: string }).sessionId
}

async function liaison(args: string[], input?: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/liaison.js'), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stdin.end(input ?? '')
  const code = await new Promise<number | null>((done) => child.on('exit', done))
  return { code, output }
}

describe('security: the world keeps passwords in world.json alone', () => {
  it('security: after liaison up, a restart, an older release and a lost world.json, no password is in any database file; reset-password gives a way back in', async (context) => {
    if (TEST_DB_KIND !== 'sqlite')
      return context.skip('the embedded world always runs on SQLite files: it is checked in the SQLite run')
    let running = await restart()
    const first = worldFile()
    expect(statSync(join(dir, 'world.json')).mode & 0o777).toBe(0o600)
    const passwords = first.vaults.flatMap((v) => [v.admin, ...v.users].map((p) => p.password!))
    expect(passwords.length).toBe(4 + 3 + 3 * 2)
    for (const p of passwords) expect(p).toMatch(MADE_PASSWORD)
    const table = formatWorldTable(running.dir, running.info, running.created)
    expect(table).toContain(first.vaults[0]!.admin.password)
    // The attack: read the database files. Users are there, passwords are not.
    expect(databaseBytes()).toContain(first.vaults[0]!.admin.username)
    expect(databaseBytes().match(MADE_PASSWORD)).toBeNull()

    // A release before this one: every password in each vault, and a world.json without them.
    await running.close()
    world = undefined
    for (const v of first.vaults) {
      const storage = createDatabase({ kind: 'sqlite', path: join(dir, `${v.name}.db`) })
      const old = { ...v, integrationUser: { ...v.integrationUser, password: 'Lz-integration0' } }
      await storage.db
        .insertInto('vault_setting')
        .values({ key: 'demo_people', value: JSON.stringify(old) })
        .execute()
      await storage.close()
    }
    expect(databaseBytes()).toContain('Lz-integration0')
    writeFileSync(join(dir, 'world.json'), '{"vaults": []}\n', { mode: 0o600 })
    running = await restart()
    expect(running.created.size).toBe(0)
    expect(worldFile().vaults.map((v) => v.admin)).toEqual(first.vaults.map((v) => v.admin))
    expect(formatWorldTable(running.dir, running.info, running.created)).not.toContain(
      first.vaults[0]!.admin.password,
    )
    expect(databaseBytes()).not.toContain('Lz-integration0')
    expect(databaseBytes().match(MADE_PASSWORD)).toBeNull()
    const medical = worldFile().vaults[0]!
    expect(await login(medical.url, medical.admin.username, medical.admin.password!)).toBeDefined()

    // world.json lost: the world starts, and says how to set a password.
    rmSync(join(dir, 'world.json'))
    running = await restart()
    expect(running.info[0]!.admin.password).toBeUndefined()
    expect(formatWorldTable(running.dir, running.info, running.created)).toContain(
      `liaison reset-password --db sqlite:${join(dir, 'medical.db')} --user ${medical.admin.username}`,
    )
    expect(worldFile().vaults[0]!.admin).toEqual({ username: medical.admin.username })
    const oldSession = await login(medical.url, medical.admin.username, medical.admin.password!)
    expect(oldSession).toBeDefined()

    // reset-password, while the world runs: a new password, printed once and recorded in world.json.
    const db = `sqlite:${join(dir, 'medical.db')}`
    const reset = await liaison(['reset-password', '--db', db, '--user', medical.admin.username])
    expect(reset.code, reset.output).toBe(0)
    const generated = reset.output.match(MADE_PASSWORD)?.[0]
    expect(generated).toBeDefined()
    expect(reset.output).toContain(join(dir, 'world.json'))
    expect(worldFile().vaults[0]!.admin).toEqual({ username: medical.admin.username, password: generated })
    expect(await login(medical.url, medical.admin.username, generated!)).toBeDefined()
    expect(await login(medical.url, medical.admin.username, medical.admin.password!)).toBeUndefined()
    // Another process ended the session: the world's cache of it lasts a few seconds at most.
    await expectEventually(async () => {
      const ended = await fetch(`${medical.url}${API}/metadata/vobjects`, {
        headers: { authorization: oldSession! },
      })
      expect(JSON.stringify(await ended.json())).toContain('The session was ended')
    })

    const chosen = await liaison(
      ['reset-password', '--db', db, '--user', medical.users[0]!.username, '--password-stdin'],
      'Chosen-Password-42\n',
    )
    expect(chosen.code, chosen.output).toBe(0)
    expect(chosen.output).not.toContain('Chosen-Password-42')
    expect(await login(medical.url, medical.users[0]!.username, 'Chosen-Password-42')).toBeDefined()

    const integration = await liaison([
      'reset-password',
      '--db',
      db,
      '--user',
      medical.integrationUser.username,
    ])
    expect(integration.code).toBe(1)
    expect(integration.output).toMatch(
      /integration user: it logs in only through a connection's signed callbacks/,
    )
    expect(databaseBytes()).not.toContain('Chosen-Password-42')
    expect(databaseBytes()).not.toContain(generated)
  }, 300_000)
})

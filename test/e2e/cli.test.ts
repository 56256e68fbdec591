import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { connectVaults } from '../../src/cli/connect-command.js'
import { formatStatuses, vaultStatuses } from '../../src/cli/status-command.js'
import { runVqlCommand } from '../../src/cli/vql-command.js'
import { type ServedVault, startServedVault } from '../support/served-vaults.js'

const ROOT = resolve(import.meta.dirname, '../..')
const PASSWORD = 'Correct-Horse-9'
const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'liaison-cli-'))
let medical: ServedVault
let crm: ServedVault

async function liaison(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [join(ROOT, 'bin/liaison.js'), ...args], {
    env: { PATH: process.env.PATH },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  )
}

async function connectionStatuses(vault: ServedVault): Promise<string[]> {
  return (await vault.query('SELECT status__v FROM connection__sys')).map((r) => String(r.status__v))
}

beforeAll(async () => {
  medical = await startServedVault('cli-medical', medicalProfile)
  crm = await startServedVault('cli-crm', crmProfile)
  // A world.json as liaison up writes it, naming these two vaults.
  writeFileSync(
    join(dir, 'world.json'),
    JSON.stringify({
      vaults: [medical, crm].map((v) => ({
        name: v.name,
        url: v.url,
        admin: { username: `admin@${v.name}.test`, password: PASSWORD },
        users: [],
      })),
    }),
  )
})

afterAll(async () => {
  await crm?.destroy()
  await medical?.destroy()
  rmSync(dir, { recursive: true, force: true })
})

describe('the liaison command against running vaults', () => {
  it('connect --world DIR names the vaults; a failed accept removes the pending connection it made', async () => {
    const result = await connectVaults({ world: dir, from: 'cli-medical', to: 'cli-crm' }, {})
    expect(result.from).toMatchObject({ status__v: 'active__v' })
    expect(await connectionStatuses(medical)).toEqual(['active__v'])
    // The CRM is connected with this Medical Vault already: the accept is refused.
    await expect(connectVaults({ world: dir, from: medical.url, to: crm.url }, {})).rejects.toThrow(
      /already connected[\s\S]*The pending connection \S+ it made in http:\/\/127\.0\.0\.1:\d+ was removed/,
    )
    expect(await connectionStatuses(medical)).toEqual(['active__v'])
  })

  it('status shows each vault of the world, its connections, queues and open exceptions', async () => {
    const statuses = await vaultStatuses({ world: dir }, { LIAISON_USER: 'nobody' })
    expect(statuses.map((s) => [s.name, s.error, s.openExceptions])).toEqual([
      ['cli-medical', undefined, 0],
      ['cli-crm', undefined, 0],
    ])
    expect(statuses[0]!.connections).toEqual([
      expect.objectContaining({ status: 'active__v', remote: 'cli-crm' }),
    ])
    const text = formatStatuses(statuses)
    expect(text).toMatch(/cli-medical\s+http:\/\/127\.0\.0\.1:\d+\s+open exceptions: 0/)
    expect(text).toMatch(/→ cli-crm: active__v; queues out 0, in 0/)
  })

  it('vql takes LIAISON_USER and LIAISON_PASSWORD, and a URL with /api/{version} does not double the path', async () => {
    const { rows } = await runVqlCommand(
      {
        vault: `${crm.url}/api/v25.2/`,
        query: "SELECT username__sys FROM user__sys WHERE username__sys = 'admin@cli-crm.test'",
        maxRows: 10,
      },
      { LIAISON_USER: 'admin@cli-crm.test', LIAISON_PASSWORD: PASSWORD },
    )
    expect(rows).toEqual([{ username__sys: 'admin@cli-crm.test' }])
  })

  it('a wrong port names the URL that did not answer and what to check', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer()
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    await new Promise((done) => server.close(done))
    const { code, stderr } = await liaison(
      'vql',
      '--vault',
      closed,
      '--user',
      'u',
      '--password',
      'p',
      'SELECT id FROM user__sys',
    )
    expect(code).toBe(1)
    expect(stderr).toContain(
      `No vault answered at ${closed} (nothing listens there). Check the host and port`,
    )
    expect(stderr).not.toMatch(/^fetch failed/)
  })

  it('serve refuses a --pool-max that is not a number of connections, and a port in use, in one line each', async () => {
    const pool = await liaison('serve', '--profile', 'medical', '--db', 'sqlite::memory:', '--pool-max', '0')
    expect(pool.code).toBe(1)
    expect(pool.stderr).toContain('--pool-max is a whole number of connections from 1 to 1000')
    const taken = createServer()
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done))
    const { port } = taken.address() as AddressInfo
    try {
      const busy = await liaison(
        'serve',
        '--profile',
        'medical',
        '--db',
        `sqlite:${join(dir, 'busy.db')}`,
        '--port',
        String(port),
      )
      expect(busy.code).toBe(1)
      expect(busy.stderr.trim()).toBe(
        `Another process already listens on 127.0.0.1:${port}: stop it, or start this vault on another --port.`,
      )
    } finally {
      await new Promise((done) => taken.close(done))
    }
  })

  it('liaison status --world DIR prints the world; --version prints the package version; help shows no internal ids', async () => {
    const status = await liaison('status', '--world', dir)
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('cli-crm')
    const version = await liaison('--version')
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(version.stdout.trim()).toBe(pkg.version)
    for (const command of [
      '',
      'up',
      'serve',
      'connect',
      'worker',
      'reset-password',
      'vql',
      'status',
      'bench',
      'demo activity',
      'metrics recalculate',
    ]) {
      const help = await liaison(...(command === '' ? [] : command.split(' ')), '--help')
      expect(help.stdout, command).toContain('Usage: liaison')
      expect(help.stdout, command).not.toMatch(/\(B\d+/)
    }
  })
})

import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { expectEventually } from '../support/expect-eventually.js'

const ROOT = resolve(import.meta.dirname, '../..')
const QUICK_START = /<!-- quick-start -->\n```sh\n([\s\S]*?)```/g

/** The README's shell blocks marked `<!-- quick-start -->`, in the order a reader pastes them. */
function quickStartBlocks(readme: string): string[] {
  return [...readme.matchAll(QUICK_START)].map((m) => m[1]!)
}

// The README is run as a reader pastes it, in a folder whose `.liaison` is the world, with two
// changes only: the world's ports (4100–4103 in the README) are this test's, and `npx liaison`
// is the checkout's bin/liaison.js (npx would resolve the same file, after asking npm).
function asRun(block: string, port: number): string {
  return block
    .replace(/127\.0\.0\.1:410(\d)/g, (_, i: string) => `127.0.0.1:${port + Number(i)}`)
    .replaceAll(
      'npx liaison',
      `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/liaison.js'))}`,
    )
}

const home = mkdtempSync(join(tmpdir(), 'liaison-readme-'))
const port = 12_000 + Math.floor(Math.random() * 20_000)
let world: ChildProcess | undefined

afterAll(() => {
  if (world?.exitCode === null) world.kill('SIGKILL')
  rmSync(home, { recursive: true, force: true })
})

describe('the README quick start', () => {
  it('finds the marked blocks, and they use no world folder or port other than the documented ones', () => {
    const blocks = quickStartBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'))
    expect(blocks.length).toBeGreaterThanOrEqual(4)
    const text = blocks.join('\n')
    expect(text).toContain('$SESSION')
    expect(text).toMatch(/SESSION=\$\(/)
    expect(text).not.toMatch(/127\.0\.0\.1:(?!410[0-3])\d+/)
    expect(text).not.toContain('DESIGN.md')
  })

  it('runs as written against a fresh world: log in, publish and approve a document, transfer an inquiry, close its case', async () => {
    let output = ''
    world = spawn(
      process.execPath,
      [join(ROOT, 'bin/liaison.js'), 'up', '--dir', join(home, '.liaison'), '--port', String(port)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    world.stdout?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    world.stderr?.on('data', (d: Buffer) => {
      output += d.toString()
    })
    const exited = new Promise<number | null>((done) => world!.on('exit', (code) => done(code)))
    await expectEventually(
      () => {
        expect(existsSync(join(home, '.liaison', 'world.json'))).toBe(true)
        expect(output).toContain('Ctrl-C stops the world')
      },
      { timeoutMs: 150_000 },
    )

    const script = [
      'set -euo pipefail',
      ...quickStartBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8')).map(
        (block, i) => `echo '=== block ${i + 1}'\n${asRun(block, port)}`,
      ),
    ].join('\n')
    const run = await promisify(execFile)('bash', ['-c', script], { cwd: home, timeout: 90_000 }).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${error.message}\n${error.stdout ?? ''}\n${error.stderr ?? ''}`)
      },
    )
    const [, login, publish, inquiry, errors] = run.stdout.split(/=== block \d+\n/)
    expect(login, run.stdout).toContain('case_request__v')
    // Create, review, approve: each answered SUCCESS, and the approved 1.0 is a CrossLink in crm-na.
    expect(publish!.match(/"responseStatus":"SUCCESS"/g)).toHaveLength(2)
    expect(publish).toContain('"major_version_number__v":1')
    expect(publish).toMatch(/Dosing guide\s+Approved/)
    expect(inquiry).not.toContain('FAILURE')
    expect(inquiry).toContain('"medical_inquiry_case_status__v":["closed__v"]')
    expect(inquiry).toContain('"response_notes__v":"Answered by phone."')
    expect(errors).toMatch(/^HTTP\/1\.1 404/m)

    world.kill('SIGINT')
    expect(await exited).toBe(0)
  }, 300_000)
})

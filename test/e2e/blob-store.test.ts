// `liaison serve` keeps document files where --blob-store says, and nowhere on disk by default on
// PostgreSQL: a document created in one vault process reads back after a kill -9 and a restart,
// with no data folder, in the database or in an S3-compatible bucket.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3BlobStore } from '../../src/platform/documents/index.js'
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../support/databases.js'
import { S3RVER_CREDENTIALS, startTestS3Server } from '../support/s3-server.js'

const ROOT = resolve(import.meta.dirname, '../..')
const API = '/api/v25.2'
const run = promisify(execFile)

/** An empty folder the vault process runs in, as its cwd, HOME and TMPDIR: it must stay empty. */
let sandbox: string
let database: TestDatabase

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), 'liaison-no-data-folder-'))
  database = await createTestDatabase('blob-e2e')
})

afterAll(async () => {
  await database.drop()
  rmSync(sandbox, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

interface Started {
  readonly child: ChildProcess
  readonly url: string
  readonly admin: { readonly username: string; readonly password?: string }
}

/** `liaison serve` in its own process; answers once it printed its JSON line. */
async function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/liaison.js'), 'serve', ...args], {
    cwd: sandbox,
    env: { PATH: process.env.PATH, HOME: sandbox, TMPDIR: sandbox, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const lines = createInterface({ input: child.stdout! })
  return new Promise<Started>((done, fail) => {
    child.once('exit', (code) => fail(new Error(`liaison serve exited ${code}: ${stderr}`)))
    lines.on('line', (line) => {
      if (!line.startsWith('{"name"')) return
      const info = JSON.parse(line) as { url: string; admin: { username: string; password?: string } }
      done({ child, url: info.url, admin: info.admin })
    })
  })
}

async function killed(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done))
  child.kill('SIGKILL')
  await exited
}

async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}${API}/auth`, {
    method: 'POST',
    body: new URLSearchParams({ username, password }),
  })
  const body = (await response.json()) as { sessionId?: string }
  if (body.sessionId === undefined) throw new Error(`login failed: ${JSON.stringify(body)}`)
  return body.sessionId
}

async function createDocument(url: string, session: string, bytes: Uint8Array): Promise<number> {
  const form = new FormData()
  for (const [k, v] of Object.entries({
    name__v: 'Kept across restarts',
    type__v: 'reference_document__v',
    lifecycle__v: 'medical_content_lifecycle__v',
    title__v: 'Kept across restarts',
  }))
    form.append(k, v)
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), 'kept.pdf')
  const response = await fetch(`${url}${API}/objects/documents`, {
    method: 'POST',
    headers: { authorization: session },
    body: form,
  })
  const body = (await response.json()) as { responseStatus: string; id?: number }
  expect(body).toMatchObject({ responseStatus: 'SUCCESS' })
  return Number(body.id)
}

async function fileOf(url: string, session: string, id: number): Promise<Buffer> {
  const response = await fetch(`${url}${API}/objects/documents/${id}/file`, {
    headers: { authorization: session },
  })
  expect(response.status).toBe(200)
  return Buffer.from(await response.arrayBuffer())
}

function baseArgs(port: number): string[] {
  return [
    '--profile',
    'medical',
    '--db',
    database.url,
    '--port',
    String(port),
    ...(database.keyFile === undefined ? [] : ['--key-file', database.keyFile]),
  ]
}

describe('liaison serve and its blob store', () => {
  it(`a document's file survives kill -9 and a restart of the vault process with no data folder (${TEST_DB_KIND}: the database store${TEST_DB_KIND === 'postgres' ? ', by default' : ''})`, async () => {
    const port = await freePort()
    // On PostgreSQL the database is the default; a SQLite file's default is the folder beside it.
    const args = [...baseArgs(port), ...(TEST_DB_KIND === 'postgres' ? [] : ['--blob-store', 'database'])]
    const first = await serve(args)
    const password = first.admin.password!
    const bytes = randomBytes(1_500_000)
    const id = await createDocument(first.url, await login(first.url, first.admin.username, password), bytes)
    await killed(first.child)
    const second = await serve(args)
    try {
      const file = await fileOf(second.url, await login(second.url, first.admin.username, password), id)
      expect(Buffer.compare(file, bytes)).toBe(0)
    } finally {
      await killed(second.child)
    }
    // Nothing was written where the process runs, in its home or in its temporary folder.
    expect(readdirSync(sandbox)).toEqual([])
  })

  it('a malformed --blob-store and a bucket that does not answer are one line each, exit code 1', async () => {
    const bad = await run(process.execPath, [
      join(ROOT, 'bin/liaison.js'),
      'serve',
      ...baseArgs(await freePort()),
      '--blob-store',
      's3:/missing-slashes',
    ]).catch((e: { code: number; stderr: string }) => e)
    expect('code' in bad && bad.code).toBe(1)
    expect(bad.stderr.trim()).toBe(
      '--blob-store "s3:/missing-slashes" is none of the forms; give fs:/PATH, database, or s3://BUCKET/PREFIX?endpoint=http://HOST:PORT&region=REGION.',
    )
    const up = await run(process.execPath, [
      join(ROOT, 'bin/liaison.js'),
      'up',
      '--dir',
      join(sandbox, 'world'),
      '--blob-store',
      'fs:',
    ]).catch((e: { code: number; stderr: string }) => e)
    expect('code' in up && up.code).toBe(1)
    expect(up.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^--blob-store "fs:" names no folder; give fs:\/PATH/),
    ])
    const closed = await freePort()
    const unreachable = await run(
      process.execPath,
      [
        join(ROOT, 'bin/liaison.js'),
        'worker',
        '--db',
        database.url,
        ...(database.keyFile === undefined ? [] : ['--key-file', database.keyFile]),
        '--blob-store',
        `s3://liaison-files/medical?endpoint=http://127.0.0.1:${closed}`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'never-printed',
        },
      },
    ).catch((e: { code: number; stderr: string; stdout: string }) => e)
    expect('code' in unreachable && unreachable.code).toBe(1)
    const lines = unreachable.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      new RegExp(
        `^The document file store s3://liaison-files/medical at http://127\\.0\\.0\\.1:${closed} does not answer \\(.+\\): check --blob-store's endpoint`,
      ),
    )
    expect(`${unreachable.stdout}${unreachable.stderr}`).not.toContain('never-printed')
  })
})

// Started while the file is collected, so a server that cannot run here skips with its reason.
const s3 = await startTestS3Server()
if ('skip' in s3) {
  process.stdout.write(`Skipping the S3 serve test: ${s3.skip}\n`)
  describe.skip(`liaison serve --blob-store s3:// (${s3.skip})`, () => {
    it('needs an S3-compatible server', () => {})
  })
} else {
  afterAll(() => s3.close())
  describe('liaison serve --blob-store s3://', () => {
    it("keeps a document's file in the bucket, under the prefix, across a restart", async () => {
      const s3Database = await createTestDatabase('blob-e2e-s3')
      const port = await freePort()
      const address = `s3://${s3.bucket}/prod/medical?endpoint=${s3.endpoint}&region=us-east-1`
      const args = [
        '--profile',
        'medical',
        '--db',
        s3Database.url,
        '--port',
        String(port),
        ...(s3Database.keyFile === undefined ? [] : ['--key-file', s3Database.keyFile]),
        '--blob-store',
        address,
      ]
      const env = {
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      }
      try {
        const first = await serve(args, env)
        const password = first.admin.password!
        const bytes = randomBytes(300_000)
        const id = await createDocument(
          first.url,
          await login(first.url, first.admin.username, password),
          bytes,
        )
        await killed(first.child)
        const bucket = new S3BlobStore(
          { bucket: s3.bucket, prefix: 'prod/medical', endpoint: s3.endpoint, region: 'us-east-1' },
          S3RVER_CREDENTIALS,
        )
        // The demo-free vault has this one file; it sits in the bucket under the prefix.
        expect(await bucket.list()).toHaveLength(1)
        const second = await serve(args, env)
        try {
          const file = await fileOf(second.url, await login(second.url, first.admin.username, password), id)
          expect(Buffer.compare(file, bytes)).toBe(0)
        } finally {
          await killed(second.child)
        }
      } finally {
        await s3Database.drop()
      }
    })
  })
}

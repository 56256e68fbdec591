// docs/deploy.md and compose.yaml quote `liaison` commands an operator runs as they are: each one
// must name a real command with options it knows, and the values the CLI would refuse at start
// (--db, --blob-store) must parse. The pool arithmetic the doc states must hold for compose.yaml.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseBlobStoreAddress } from '../../src/platform/documents/index.js'
import { parseDatabaseUrl } from '../../src/platform/storage/index.js'

const ROOT = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

/** Options each command requires (commander's help does not mark them). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  serve: ['--profile', '--db'],
  worker: ['--db'],
  connect: ['--from', '--to'],
  'reset-password': ['--db', '--user'],
}

/** Splits a shell line into words: quotes kept together, `VAR=…` prefixes and `$(…)` left as words. */
function shellWords(line: string): string[] {
  const words: string[] = []
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3]!)
  return words
}

/** The `liaison …` commands of the doc's sh blocks (continuation lines joined). */
function docCommands(markdown: string): string[][] {
  const commands: string[][] = []
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, ' ').split('\n')
    for (const line of lines) {
      const words = shellWords(line.replace(/#.*$/, ''))
      const at = words.indexOf('liaison')
      if (at >= 0) commands.push(words.slice(at + 1))
    }
  }
  return commands
}

/** The `command: [liaison, …]` lists of compose.yaml, by service. */
function composeCommands(yaml: string): Map<string, string[]> {
  const commands = new Map<string, string[]>()
  let service = ''
  for (const line of yaml.split('\n')) {
    const header = /^ {2}([a-z0-9-]+):\s*$/.exec(line)
    if (header !== null) service = header[1]!
    const command = /^ {4}command: \[(.*)\]\s*$/.exec(line)
    if (command === null) continue
    const words = command[1]!.split(',').map((w) => w.trim().replace(/^"(.*)"$/, '$1'))
    expect(words[0], `${service}: command starts with liaison`).toBe('liaison')
    commands.set(service, words.slice(1))
  }
  return commands
}

const helpOf = new Map<string, Promise<Set<string>>>()
/** The options `liaison {command} --help` lists. */
function optionsOf(command: string): Promise<Set<string>> {
  let known = helpOf.get(command)
  if (known === undefined) {
    known = run(process.execPath, [join(ROOT, 'bin/liaison.js'), command, '--help']).then(
      ({ stdout }) => new Set([...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!)),
    )
    helpOf.set(command, known)
  }
  return known
}

async function expectParses(where: string, words: readonly string[]): Promise<void> {
  const [command, ...rest] = words
  const known = await optionsOf(command!)
  expect(known.size, `${where}: liaison ${command} is a command`).toBeGreaterThan(1)
  const flags = rest.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]!)
  for (const flag of flags) expect(known, `${where}: liaison ${command} knows ${flag}`).toContain(flag)
  for (const flag of REQUIRED[command!] ?? [])
    expect(flags, `${where}: liaison ${command} has ${flag}`).toContain(flag)
  const value = (flag: string) => {
    const i = rest.indexOf(flag)
    return i < 0 ? undefined : rest[i + 1]
  }
  const db = value('--db')
  if (db !== undefined) {
    const database = parseDatabaseUrl(db)
    if (database.kind === 'postgres')
      expect(value('--key-file'), `${where}: a PostgreSQL vault needs --key-file`).toBeDefined()
  }
  const blobStore = value('--blob-store')
  if (blobStore !== undefined) expect(() => parseBlobStoreAddress(blobStore), where).not.toThrow()
}

describe('docs/deploy.md and compose.yaml', () => {
  const doc = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8')
  const compose = readFileSync(join(ROOT, 'compose.yaml'), 'utf8')

  it('every liaison command the doc quotes is a real command with options it knows', async () => {
    const commands = docCommands(doc)
    expect(commands.map((c) => c[0])).toEqual(
      expect.arrayContaining(['serve', 'worker', 'connect', 'reset-password', 'status']),
    )
    for (const [i, words] of commands.entries()) await expectParses(`docs/deploy.md command ${i + 1}`, words)
  })

  it("compose.yaml's commands parse; each vault's processes share its database and key; the pools fit PostgreSQL's 100 connections as the doc says", async () => {
    const commands = composeCommands(compose)
    expect([...commands.keys()].sort()).toEqual(
      ['crm-eu-api', 'crm-eu-worker', 'crm-na-api', 'crm-na-worker', 'medical-api', 'medical-worker'].sort(),
    )
    for (const [service, words] of commands) await expectParses(`compose.yaml ${service}`, words)
    const flagValue = (words: readonly string[], flag: string) => words[words.indexOf(flag) + 1]
    for (const vault of ['medical', 'crm-na', 'crm-eu']) {
      const api = commands.get(`${vault}-api`)!
      const worker = commands.get(`${vault}-worker`)!
      expect(api[0]).toBe('serve')
      expect(worker[0]).toBe('worker')
      expect(flagValue(worker, '--db')).toBe(flagValue(api, '--db'))
      expect(flagValue(worker, '--key-file')).toBe(flagValue(api, '--key-file'))
      expect(flagValue(api, '--host')).toBe('0.0.0.0')
    }
    // The doc: each process holds up to --pool-max + 7 connections; compose.yaml: 6 × (5 + 7) = 72.
    const total = [...commands.values()].reduce((sum, w) => sum + Number(flagValue(w, '--pool-max')) + 7, 0)
    expect(total).toBe(72)
    expect(doc).toContain('6 processes × (5 + 7) = 72')
    expect(total).toBeLessThanOrEqual(95)
  })

  it('the Dockerfile builds with npm ci and npm run build on node:20-slim and runs as a user, never root', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m)
    expect(dockerfile).toMatch(/npm ci/)
    expect(dockerfile).toMatch(/npm run build/)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(compose).toContain('./deploy/init-databases.sql')
    const init = readFileSync(join(ROOT, 'deploy/init-databases.sql'), 'utf8')
    for (const db of ['crm_na', 'crm_eu']) {
      expect(init).toContain(`create database ${db};`)
      expect(compose).toContain(`@postgres:5432/${db}`)
    }
  })
})

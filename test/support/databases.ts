import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseConfig } from '../../src/platform/storage/index.js'

/** The database the suite runs on: LIAISON_DB=sqlite (default) or postgres. Read only here. */
export const TEST_DB_KIND: 'sqlite' | 'postgres' =
  process.env.LIAISON_DB === 'postgres' ? 'postgres' : 'sqlite'

/** Server used when LIAISON_DB=postgres; a fresh database is created on it per call. */
export const TEST_PG_URL = process.env.LIAISON_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  readonly config: DatabaseConfig
  /** A `--db` argument for `liaison serve`. */
  readonly url: string
  /**
   * The vault's signing key file (`keyFile`, `--key-file`) where the database is no file of ours
   * (PostgreSQL); undefined on SQLite, whose vaults keep it beside the database file.
   */
  readonly keyFile: string | undefined
  drop(): Promise<void>
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** A fresh, empty database for one test file or one vault of a test. */
export async function createTestDatabase(label = 'vault'): Promise<TestDatabase> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`
  if (TEST_DB_KIND === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'liaison-test-'))
    const path = join(dir, `${suffix}.db`)
    return {
      config: { kind: 'sqlite', path },
      url: `sqlite:${path}`,
      keyFile: undefined,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  const name = `liaison_${suffix}`
  const admin = new pg.Client({ connectionString: TEST_PG_URL })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = withDatabase(TEST_PG_URL, name)
  const keyDir = mkdtempSync(join(tmpdir(), 'liaison-test-keys-'))
  return {
    config: { kind: 'postgres', url, poolSize: 5 },
    url,
    keyFile: join(keyDir, `${name}.key`),
    drop: async () => {
      rmSync(keyDir, { recursive: true, force: true })
      const client = new pg.Client({ connectionString: TEST_PG_URL })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}

import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { DatabaseConfig } from '../src/platform/storage/index.js'

export interface BenchDatabase {
  readonly config: DatabaseConfig
  /** The vault's signing key file on PostgreSQL; SQLite vaults keep it beside the database file. */
  readonly keyFile: string | undefined
  drop(): Promise<void>
}

export function sqliteBenchDatabase(label: string): BenchDatabase {
  const dir = mkdtempSync(join(tmpdir(), `liaison-bench-${label}-`))
  return {
    config: { kind: 'sqlite', path: join(dir, `${label}.db`) },
    keyFile: undefined,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

export async function postgresBenchDatabase(serverUrl: string, label: string): Promise<BenchDatabase> {
  const name = `liaison_bench_${label}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  const keyDir = mkdtempSync(join(tmpdir(), `liaison-bench-keys-${label}-`))
  return {
    config: { kind: 'postgres', url: url.toString(), poolSize: 10 },
    keyFile: join(keyDir, `${name}.key`),
    drop: async () => {
      rmSync(keyDir, { recursive: true, force: true })
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

/** Is a PostgreSQL server reachable at this URL? */
export async function postgresAvailable(serverUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}

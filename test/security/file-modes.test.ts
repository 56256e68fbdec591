import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { SYSTEM_ACTOR, Vault } from '../../src/platform/vault/index.js'
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../support/databases.js'

/** Every file and folder under `dir` (itself included) with its permission bits. */
function modesUnder(dir: string): { path: string; folder: boolean; mode: number }[] {
  const out = [{ path: dir, folder: true, mode: statSync(dir).mode & 0o777 }]
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const stat = statSync(join(dir, name))
    out.push({ path: join(dir, name), folder: stat.isDirectory(), mode: stat.mode & 0o777 })
  }
  return out
}

describe('security: file modes', () => {
  let root: string
  let database: TestDatabase
  let vault: Vault
  /** The vault's data folder: created by the vault itself, so its mode is the vault's choice. */
  let dataDir: string

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'liaison-modes-'))
    dataDir = join(root, 'data')
    database = await createTestDatabase('modes')
    vault = await Vault.open({
      name: 'medical',
      profile: medicalProfile,
      environment: 'production',
      database:
        database.config.kind === 'sqlite'
          ? { kind: 'sqlite', path: join(dataDir, 'medical.db') }
          : database.config,
      ...(database.config.kind === 'sqlite'
        ? {}
        : { documents: { blobDir: join(dataDir, 'blobs') }, keyFile: join(dataDir, 'medical.key') }),
    })
  })

  afterAll(async () => {
    await vault.close()
    await database.drop()
    rmSync(root, { recursive: true, force: true })
  })

  it("security: a vault's data folder is 0700 and its database, WAL, key and blob files are 0600", async () => {
    const [product] = await vault.records.create(SYSTEM_ACTOR, 'product__v', [{ name__v: 'Cholecap' }])
    expect(product?.responseStatus).toBe('SUCCESS')
    await vault.documents.create(SYSTEM_ACTOR, {
      fields: {
        name__v: 'Cholecap leaflet',
        type__v: 'reference_document__v',
        lifecycle__v: 'medical_content_lifecycle__v',
        title__v: 'Cholecap leaflet',
      },
      file: {
        bytes: new TextEncoder().encode('%PDF-1.4 secret'),
        name: 'leaflet.pdf',
        mime: 'application/pdf',
      },
    })
    const entries = modesUnder(dataDir)
    const files = entries.filter((e) => !e.folder)
    // A document blob under its fan-out folder, whichever database holds the records.
    expect(files.some((f) => /[0-9a-f]{64}$/.test(f.path))).toBe(true)
    for (const entry of entries) expect(entry.mode, entry.path).toBe(entry.folder ? 0o700 : 0o600)
    if (TEST_DB_KIND === 'sqlite')
      expect(files.map((f) => f.path.slice(dataDir.length + 1))).toEqual(
        expect.arrayContaining(['medical.db', 'medical.db-wal', 'medical.db-shm', 'medical.db.key']),
      )
  })

  it('security: the SQLite database, WAL and SHM files were among the files checked', (context) => {
    if (TEST_DB_KIND !== 'sqlite')
      return context.skip(
        'on PostgreSQL the records live in the server: only the blob store writes files here',
      )
    for (const name of ['medical.db', 'medical.db-wal', 'medical.db-shm'])
      expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600)
  })
})

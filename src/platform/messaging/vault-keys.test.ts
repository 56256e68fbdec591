import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { ManualClock } from '../clock/index.js'
import { createDatabase, migrateToLatest, type Storage } from '../storage/index.js'
import { parsePublicKey, VaultKeys, verifySignature } from './vault-keys.js'

const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'))
const cleanups: (() => Promise<void>)[] = []

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
})

async function freshStorage(): Promise<{ storage: Storage; keyFile: string }> {
  const database: TestDatabase = await createTestDatabase('keys')
  const storage = createDatabase(database.config)
  await migrateToLatest(storage)
  const dir = mkdtempSync(join(tmpdir(), 'liaison-keys-'))
  cleanups.push(async () => {
    await storage.close()
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  })
  return { storage, keyFile: join(dir, 'keys', 'vault.key') }
}

const load = (storage: Storage, keyFile: string | undefined) =>
  VaultKeys.load(storage.db, storage.dialect, clock, keyFile)

describe('B2: the vault signing key', () => {
  let storage: Storage
  let keyFile: string

  beforeEach(async () => {
    ;({ storage, keyFile } = await freshStorage())
  })

  it('B2: is created once in a 0600 key file; the database keeps only the public key', async () => {
    const first = await load(storage, keyFile)
    const second = await load(storage, keyFile)
    expect(second.publicKeyPem).toBe(first.publicKeyPem)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(readFileSync(keyFile, 'utf8')).toMatch(/BEGIN PRIVATE KEY/)
    const rows = await storage.db.selectFrom('vault_signing_key').selectAll().execute()
    expect(rows).toEqual([expect.objectContaining({ public_key: first.publicKeyPem })])
    expect(JSON.stringify(rows)).not.toMatch(/PRIVATE KEY/)
    const data = new TextEncoder().encode('signed by the vault')
    expect(verifySignature(parsePublicKey(first.publicKeyPem)!, data, second.sign(data))).toBe(true)
  })

  it('B2: processes that create the key at once all end up signing with the one that won', async () => {
    const keys = await Promise.all([load(storage, keyFile), load(storage, keyFile), load(storage, keyFile)])
    expect(new Set(keys.map((k) => k.publicKeyPem)).size).toBe(1)
  })

  it('B2: a key file others can read is refused, and accepted once its owner makes it 0600', async () => {
    await load(storage, keyFile)
    chmodSync(keyFile, 0o644)
    await expect(load(storage, keyFile)).rejects.toThrow(/can be read by others.*chmod 600/)
    chmodSync(keyFile, 0o600)
    await expect(load(storage, keyFile)).resolves.toBeDefined()
  })

  it("B2: a missing key file or another vault's key file is refused instead of signing with a new key", async () => {
    await load(storage, keyFile)
    const original = readFileSync(keyFile, 'utf8')
    unlinkSync(keyFile)
    await expect(load(storage, keyFile)).rejects.toThrow(/is missing.*Restore the file/)
    const other = await freshStorage()
    await load(other.storage, other.keyFile)
    await expect(load(storage, other.keyFile)).rejects.toThrow(/is not this vault's key/)
    writeFileSync(keyFile, original, { mode: 0o600 })
    await expect(load(storage, keyFile)).resolves.toBeDefined()
  })
})

import { generateKeyPairSync } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ensurePeople, forgetLegacyPasswords, readLegacyPasswords } from '../../src/cli/vault-server.js'
import { createDatabase, MIGRATIONS } from '../../src/platform/storage/index.js'
import { Vault, type VaultConfig } from '../../src/platform/vault/index.js'
import { allRowsAsText, sqliteFileBytes } from '../support/database-contents.js'
import { createTestDatabase, type TestDatabase } from '../support/databases.js'
import { connectVaults, startServedVault } from '../support/served-vaults.js'

/** A password this release makes: `Lz-` and 12 base64url characters. */
const MADE_PASSWORD = /Lz-[A-Za-z0-9_-]{12}/

const databases: TestDatabase[] = []
afterAll(async () => {
  for (const d of databases) await d.drop()
})

async function freshVaultConfig(label: string): Promise<VaultConfig & { database: TestDatabase['config'] }> {
  const database = await createTestDatabase(label)
  databases.push(database)
  return {
    name: 'crm-na',
    profile: crmProfile,
    environment: 'production',
    database: database.config,
    keyFile: database.keyFile,
    runJobs: false,
  }
}

/** What the attacker reads: every row through SQL, and on SQLite the files' bytes too. */
async function readableByLocalAccount(vault: Vault): Promise<string> {
  const config = vault.storage.config
  return `${await allRowsAsText(vault.storage)}\n${config.kind === 'sqlite' ? sqliteFileBytes(config.path) : ''}`
}

function keyFileOf(config: VaultConfig): string {
  if (config.keyFile !== undefined) return config.keyFile
  if (config.database.kind !== 'sqlite') throw new Error('a PostgreSQL test vault has a key file')
  return `${config.database.path}.key`
}

/** The body line of a PEM key: the bytes that are the key itself, wherever they were written. */
function pemBody(pem: string): string {
  return pem.split('\n')[1]!
}

describe('security: no password is kept in a vault', () => {
  it('security: with a local account, no password of the admin, the integration user or a demo person can be read from the database, after a start and a restart', async () => {
    const config = await freshVaultConfig('passwords')
    const first = await Vault.open(config)
    const people = await ensurePeople(first, ['rep', 'read_only'])
    const passwords = [people.admin, ...people.users].map((p) => p.password)
    expect(passwords.every((p) => p !== undefined && MADE_PASSWORD.test(p))).toBe(true)
    // Integration users are each connection's, made by its handshake with a password nobody knows.
    expect(people).not.toHaveProperty('integrationUser')
    let readable = await readableByLocalAccount(first)
    // The attack reads what it can; users it sees, passwords it does not.
    expect(readable).toContain(people.admin.username)
    expect(readable).not.toMatch(MADE_PASSWORD)
    await first.close()
    if (config.database.kind === 'sqlite')
      expect(sqliteFileBytes(config.database.path)).not.toMatch(MADE_PASSWORD)

    const again = await Vault.open(config)
    const restarted = await ensurePeople(again, ['rep', 'read_only'])
    expect(restarted.created).toEqual([])
    expect(restarted.admin).toEqual({ username: people.admin.username })
    readable = await readableByLocalAccount(again)
    expect(readable).not.toMatch(MADE_PASSWORD)
    await again.close()
  })

  it('security: the plain-text passwords an older release kept in the vault (demo_people) are used once, then erased', async () => {
    const config = await freshVaultConfig('legacy_passwords')
    const old = await Vault.open(config)
    const people = await ensurePeople(old, ['rep'])
    const integrationPassword = 'Lz-integration0'
    // What releases before this one stored: every password, the integration user's too.
    await old.setSetting(
      'demo_people',
      JSON.stringify({
        admin: people.admin,
        integrationUser: { username: `integration@${old.name}.liaison.local`, password: integrationPassword },
        users: people.users,
      }),
    )
    // The attack worked on the old layout: this test can fail.
    expect(await readableByLocalAccount(old)).toContain(integrationPassword)
    await old.close()
    if (config.database.kind === 'sqlite')
      expect(sqliteFileBytes(config.database.path)).toContain(integrationPassword)

    const vault = await Vault.open(config)
    const known = await readLegacyPasswords(vault)
    expect(known.get(people.admin.username)).toBe(people.admin.password)
    await forgetLegacyPasswords(vault)
    expect(await vault.setting('demo_people')).toBeUndefined()
    const readable = await readableByLocalAccount(vault)
    expect(readable).not.toContain(integrationPassword)
    expect(readable).not.toMatch(MADE_PASSWORD)
    await vault.close()
    if (config.database.kind === 'sqlite') {
      const bytes = sqliteFileBytes(config.database.path)
      expect(bytes).not.toContain(integrationPassword)
      expect(bytes).not.toMatch(MADE_PASSWORD)
    }
  })
})

/** A database as a release before migration 9 left it: the private key in vault_signing_key. */
async function oldLayoutDatabase(config: VaultConfig): Promise<{ privatePem: string; publicPem: string }> {
  const pair = generateKeyPairSync('ed25519')
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const storage = createDatabase(config.database)
  try {
    await storage.db.transaction().execute(async (trx) => {
      await sql`create table liaison_migration (version integer primary key, name text not null, applied_date text not null)`.execute(
        trx,
      )
      for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) {
        await migration.up(trx, storage.dialect)
        await trx
          .insertInto('liaison_migration')
          .values({ version: migration.version, name: migration.name, applied_date: '2026-01-01T00:00:00Z' })
          .execute()
      }
      await trx
        .insertInto('vault_signing_key')
        .values({ id: 'primary', public_key: publicPem, private_key: privatePem, created_date: '2026-01-01' })
        .execute()
    })
  } finally {
    await storage.close()
  }
  return { privatePem, publicPem }
}

describe('security: no private key is kept in a vault', () => {
  it("security: with a local account, a new vault's private key cannot be read from its database; its key file is 0600", async () => {
    const config = await freshVaultConfig('new_key')
    const vault = await Vault.open(config)
    const keyFile = keyFileOf(config)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const pem = readFileSync(keyFile, 'utf8')
    expect(pem).toMatch(/BEGIN PRIVATE KEY/)
    const readable = await readableByLocalAccount(vault)
    expect(readable).toContain(pemBody(vault.messaging.publicKeyPem))
    expect(readable).not.toContain('PRIVATE KEY')
    expect(readable).not.toContain(pemBody(pem))
    await vault.close()
  })

  it('security: a private key an older release kept in the database moves to the key file and is erased from the database', async () => {
    const config = await freshVaultConfig('old_key')
    const old = await oldLayoutDatabase(config)
    if (config.database.kind === 'sqlite')
      // The attack worked on the old layout: this test can fail.
      expect(sqliteFileBytes(config.database.path)).toContain(pemBody(old.privatePem))
    const vault = await Vault.open(config)
    // The same key: the connections made with it keep working.
    expect(vault.messaging.publicKeyPem).toBe(old.publicPem)
    const keyFile = keyFileOf(config)
    expect(readFileSync(keyFile, 'utf8')).toBe(old.privatePem)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    const readable = await readableByLocalAccount(vault)
    expect(readable).not.toContain('PRIVATE KEY')
    expect(readable).not.toContain(pemBody(old.privatePem))
    await vault.close()
    if (config.database.kind === 'sqlite')
      expect(sqliteFileBytes(config.database.path)).not.toContain(pemBody(old.privatePem))
    // A second start finds the key in its file alone.
    const again = await Vault.open(config)
    expect(again.messaging.publicKeyPem).toBe(old.publicPem)
    await again.close()
  })

  it('security: restarted vaults sign with the key of their file, so their connection keeps working both ways', async () => {
    const medical = await startServedVault('medical', medicalProfile)
    const crm = await startServedVault('crm-na', crmProfile)
    try {
      await connectVaults(medical, crm)
      await crm.stop()
      await crm.restart()
      await medical.stop()
      await medical.restart()
      const onCrm = await crm.vault.messaging.connectionByRemoteVault(String(medical.vault.id))
      const onMedical = await medical.vault.messaging.connectionByRemoteVault(String(crm.vault.id))
      // A signature the other side refuses makes the call throw.
      const fromCrm = await crm.vault.messaging.remote(onCrm!).query('SELECT id FROM product__v PAGESIZE 1')
      expect(fromCrm.responseDetails).toBeDefined()
      const fromMedical = await medical.vault.messaging
        .remote(onMedical!)
        .query('SELECT id FROM medical_inquiry__v PAGESIZE 1')
      expect(fromMedical.responseDetails).toBeDefined()
    } finally {
      await crm.destroy()
      await medical.destroy()
    }
  }, 60_000)
})

import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { crmProfile } from '../../apps/crm/index.js'
import { medicalProfile } from '../../apps/medical/index.js'
import { defineJobTask } from '../jobs/index.js'
import { Vault } from './vault.js'

const databases: TestDatabase[] = []

afterAll(async () => {
  for (const d of databases) await d.drop()
})

describe('opening vaults', () => {
  it('lets several processes open one new database at once: one migrates, the others wait', {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase('concurrent')
    databases.push(database)
    const script = resolve(import.meta.dirname, '../../../test/support/open-vault-process.ts')
    const run = () =>
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        script,
        database.url,
        ...(database.keyFile === undefined ? [] : [database.keyFile]),
      ])
    const outputs = await Promise.all([run(), run(), run()])
    const ids = outputs.map((o) => o.stdout.trim())
    expect(ids[0]).toMatch(/^\d+$/)
    expect(new Set(ids).size).toBe(1)
  })

  it('keeps its vault id across restarts and refuses a database of another profile', async () => {
    const database = await createTestDatabase('identity')
    databases.push(database)
    const config = {
      name: 'medical',
      profile: medicalProfile,
      environment: 'production' as const,
      database: database.config,
      keyFile: database.keyFile,
    }
    const first = await Vault.open(config)
    const id = first.id
    await first.close()
    const again = await Vault.open(config)
    expect(again.id).toBe(id)
    await again.close()
    await expect(Vault.open({ ...config, name: 'crm', profile: crmProfile })).rejects.toThrow(
      /belongs to a medical vault/,
    )
  })

  it('refuses to start its jobs while a registered task has no handler, and opens once it has one', async () => {
    const database = await createTestDatabase('unhandled')
    databases.push(database)
    const task = defineJobTask('later-layer', () => ({}))
    const config = {
      name: 'medical',
      profile: medicalProfile,
      environment: 'production' as const,
      database: database.config,
      keyFile: database.keyFile,
    }
    await expect(Vault.open({ ...config, setup: [(v) => v.registerJobTask(task)] })).rejects.toThrow(
      /registers the job task later-layer without a handler/,
    )
    const vault = await Vault.open({
      ...config,
      setup: [(v) => v.registerJobTask(task), (v) => v.handleJobs(task, async () => {})],
    })
    await vault.close()
  })
})

import { sql } from 'kysely'
import { crmProfile } from '../apps/crm/index.js'
import { medicalProfile } from '../apps/medical/index.js'
import type { BlobStoreChoice } from '../platform/documents/index.js'
import type { ErrorLogger } from '../platform/jobs/index.js'
import { createDatabase, type DatabaseConfig } from '../platform/storage/index.js'
import { VAULT_ENVIRONMENTS, Vault, type VaultEnvironment } from '../platform/vault/index.js'
import { jobConcurrencyOptions } from './job-concurrency.js'

/** Where a vault that exists already keeps its data and its signing key. */
export interface ExistingVaultAddress {
  readonly database: DatabaseConfig
  /** (Default: beside a SQLite file; required for PostgreSQL, see VaultConfig.keyFile) */
  readonly keyFile?: string | undefined
  /** Where its document files live (`--blob-store`). (Default: as VaultConfig.documents) */
  readonly blobStore?: BlobStoreChoice | undefined
  /** Jobs this process runs at once (`--job-concurrency`). (Default: JOB_CONCURRENCY, 4) */
  readonly jobConcurrency?: number | undefined
}

/**
 * Opens the vault a database already holds, with the name, profile and environment it recorded
 * (`liaison worker`, `liaison reset-password`); refuses a database no vault was started on.
 */
export async function openExistingVault(
  address: ExistingVaultAddress,
  options: {
    readonly setup?: (vault: Vault) => void | Promise<void>
    readonly logger?: ErrorLogger
    readonly runJobs?: boolean
  } = {},
): Promise<Vault> {
  const storage = createDatabase(address.database)
  let settings: Map<string, string>
  try {
    const rows = await storage.db
      .selectFrom('vault_setting')
      .select(['key', 'value'])
      .execute()
      .catch(async (error: unknown) => {
        // No table is no vault; a database that does not answer is that, not "no vault yet".
        if (await answers(storage)) return []
        throw error
      })
    settings = new Map(rows.map((r) => [String(r.key), String(r.value)]))
  } finally {
    await storage.close()
  }
  const profileName = settings.get('profile')
  if (profileName !== 'medical' && profileName !== 'crm')
    throw new Error('This database holds no Liaison vault yet; start the vault once with liaison serve.')
  const environment = settings.get('environment') ?? 'production'
  return Vault.open({
    name: settings.get('vault_name') ?? profileName,
    profile: profileName === 'medical' ? medicalProfile : crmProfile,
    environment: (VAULT_ENVIRONMENTS as readonly string[]).includes(environment)
      ? (environment as VaultEnvironment)
      : 'production',
    database: address.database,
    ...(address.keyFile === undefined ? {} : { keyFile: address.keyFile }),
    ...(address.blobStore === undefined ? {} : { documents: { blobStore: address.blobStore } }),
    jobs: {
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...jobConcurrencyOptions(address.jobConcurrency),
    },
    ...(options.runJobs === undefined ? {} : { runJobs: options.runJobs }),
    ...(options.setup === undefined ? {} : { setup: [options.setup] }),
  })
}

async function answers(storage: ReturnType<typeof createDatabase>): Promise<boolean> {
  try {
    await sql`select 1`.execute(storage.db)
    return true
  } catch {
    return false
  }
}

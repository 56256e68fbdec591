import { randomInt } from 'node:crypto'
import { type Clock, systemClock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import { MetadataRegistry, type ProfileDefinition } from '../metadata/index.js'
import { type RecordActor, RecordService } from '../records/index.js'
import { BurstLimiter, SessionStore } from '../security/index.js'
import { createDatabase, type DatabaseConfig, migrateToLatest, type Storage } from '../storage/index.js'

export const VAULT_ENVIRONMENTS = ['production', 'sandbox'] as const
export type VaultEnvironment = (typeof VAULT_ENVIRONMENTS)[number]

export interface VaultConfig {
  /** A short name people use for the vault (`medical`, `crm-na`). */
  readonly name: string
  readonly profile: ProfileDefinition
  readonly environment: VaultEnvironment
  readonly database: DatabaseConfig
  readonly clock?: Clock
  /** API calls per 5-minute window before responses are delayed. (Default: 2000, as Vault) */
  readonly burstLimit?: number
  /** Session idle timeout in milliseconds. (Default: 30 minutes) */
  readonly sessionIdleTimeoutMs?: number
}

/** The vault itself acting, e.g. when seeding standard data. */
export const SYSTEM_ACTOR: RecordActor = Object.freeze({
  userId: 'system',
  userName: 'System',
  securityProfile: 'system' as const,
})

/**
 * One vault: its database, metadata, records, sessions and limits. Several vaults share a process
 * in the embedded world, so everything hangs off this object and nothing is module state.
 */
export class Vault {
  readonly id: number
  readonly name: string
  readonly profile: ProfileDefinition
  readonly environment: VaultEnvironment
  readonly storage: Storage
  readonly metadata: MetadataRegistry
  readonly records: RecordService
  readonly sessions: SessionStore
  readonly burst: BurstLimiter
  readonly clock: Clock
  readonly #closers: (() => Promise<void>)[] = []

  private constructor(parts: {
    id: number
    config: VaultConfig
    storage: Storage
    metadata: MetadataRegistry
    clock: Clock
  }) {
    const { config } = parts
    this.id = parts.id
    this.name = config.name
    this.profile = config.profile
    this.environment = config.environment
    this.storage = parts.storage
    this.metadata = parts.metadata
    this.clock = parts.clock
    this.records = new RecordService({
      storage: parts.storage,
      registry: parts.metadata,
      clock: parts.clock,
      vaultId: parts.id,
      permissions: config.profile.permissions,
    })
    this.sessions = new SessionStore({
      db: parts.storage.db,
      clock: parts.clock,
      ...(config.sessionIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.sessionIdleTimeoutMs }),
    })
    this.burst = new BurstLimiter({
      clock: parts.clock,
      ...(config.burstLimit === undefined ? {} : { limit: config.burstLimit }),
    })
  }

  /** Opens (and on first use creates) a vault: migrates, builds object tables, fixes its vault id. */
  static async open(config: VaultConfig): Promise<Vault> {
    const storage = createDatabase(config.database)
    try {
      await migrateToLatest(storage)
      const id = await claimIdentity(storage, config)
      const metadata = await MetadataRegistry.open(storage, config.profile)
      return new Vault({ id, config, storage, metadata, clock: config.clock ?? systemClock })
    } catch (error) {
      await storage.close()
      throw error
    }
  }

  /** Registers something to stop before the database closes (workers, servers). */
  onClose(closer: () => Promise<void>): void {
    this.#closers.push(closer)
  }

  async setting(key: string): Promise<string | undefined> {
    const row = await this.storage.db
      .selectFrom('vault_setting')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
    return row === undefined ? undefined : String(row.value)
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.storage.db
      .insertInto('vault_setting')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
  }

  async close(): Promise<void> {
    for (const closer of this.#closers.splice(0).reverse()) await closer()
    await this.storage.close()
  }
}

/** The vault id is chosen once, at creation, and kept; a database of another profile is refused. */
async function claimIdentity(storage: Storage, config: VaultConfig): Promise<number> {
  const { db } = storage
  const wanted = [
    { key: 'vault_id', value: String(randomInt(1000, 100_000)) },
    { key: 'profile', value: config.profile.name },
    { key: 'vault_name', value: config.name },
    { key: 'environment', value: config.environment },
    { key: 'created_date', value: new Date().toISOString() },
  ]
  await db
    .insertInto('vault_setting')
    .values(wanted)
    .onConflict((oc) => oc.column('key').doNothing())
    .execute()
  const rows = await db.selectFrom('vault_setting').selectAll().execute()
  const settings = new Map(rows.map((r) => [String(r.key), String(r.value)]))
  if (settings.get('profile') !== config.profile.name)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `This database belongs to a ${settings.get('profile')} vault named ${settings.get('vault_name')}; it cannot be opened as a ${config.profile.name} vault. Point --db at another database.`,
    )
  return Number(settings.get('vault_id'))
}

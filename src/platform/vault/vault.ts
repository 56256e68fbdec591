import { randomInt } from 'node:crypto'
import { type Clock, systemClock } from '../clock/index.js'
import {
  BinderService,
  type BlobStoreChoice,
  DOCUMENT_FILE_MAX_BYTES_DEFAULT,
  DocumentRelationshipService,
  DocumentService,
  documentQueryTargets,
  openBlobStore,
} from '../documents/index.js'
import { LiaisonError } from '../errors/index.js'
import {
  type CreateJobQueueOptions,
  createJobQueue,
  type DeadJob,
  type JobQueue,
  JobRegistry,
  type JobTask,
  type TaskHandler,
} from '../jobs/index.js'
import { Messaging } from '../messaging/index.js'
import { MetadataRegistry, type ProfileDefinition } from '../metadata/index.js'
import { type RecordActor, RecordService } from '../records/index.js'
import { BurstLimiter, type PasswordCost, SessionStore } from '../security/index.js'
import { createDatabase, type DatabaseConfig, migrateToLatest, type Storage } from '../storage/index.js'
import { documentTargetProvider, type VqlTargetProvider } from '../vql/index.js'

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
  /**
   * The scrypt cost of new password hashes. For tests only, which create and log in users by the
   * hundred; the CLI and every other production path leave it out. (Default: PASSWORD_COST)
   */
  readonly passwordCost?: PasswordCost
  /** Run the vault's jobs (delivery, processing, pulls) in this process. (Default: true) */
  readonly runJobs?: boolean
  /** Job engine and runner options (tests shorten the back-off). (Default: by database) */
  readonly jobs?: CreateJobQueueOptions
  /**
   * Where document files go and how large one may be. (Default: the folder `<sqlite file>.blobs`
   * beside a SQLite file; the vault's own database otherwise, for PostgreSQL and in-memory SQLite;
   * 100 MB.) `blobDir` is the same as `blobStore: { kind: 'fs', dir }`.
   */
  readonly documents?: {
    readonly blobStore?: BlobStoreChoice
    readonly blobDir?: string
    readonly maxFileBytes?: number
  }
  /**
   * The file of the vault's private signing key, created 0600 on first open; every process of the
   * vault must use the same one. (Default: `<sqlite file>.key` beside a SQLite database; in memory
   * only for an in-memory one; required for PostgreSQL, whose database is no file of ours)
   */
  readonly keyFile?: string
  /**
   * Installs later layers (connection flows, their processors and job handlers) after the vault
   * is open and before its jobs start, so no job runs without its handler.
   */
  readonly setup?: readonly ((vault: Vault) => void | Promise<void>)[]
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
  /** Documents, their versions and files (platform/documents). */
  readonly documents: DocumentService
  /** Binders: documents with ordered nodes. */
  readonly binders: BinderService
  /** Relationships from a document version to another document. */
  readonly documentRelationships: DocumentRelationshipService
  /** VQL targets beyond the objects: documents, ALLVERSIONS documents, binders, relationships. */
  readonly vqlTargets: readonly VqlTargetProvider[]
  readonly sessions: SessionStore
  readonly burst: BurstLimiter
  readonly clock: Clock
  /** Durable jobs, enqueued inside business transactions. */
  readonly jobs: JobQueue
  /** Connections, signed messages and callbacks (platform/messaging). */
  readonly messaging: Messaging
  readonly #closers: (() => Promise<void>)[] = []
  /** The job tasks this vault runs: messaging's own, and those later layers register. */
  readonly #jobTasks = new JobRegistry()
  readonly #deadJobListeners: ((job: DeadJob) => Promise<void>)[] = []
  #jobsStarted = false

  private constructor(parts: {
    id: number
    config: VaultConfig
    storage: Storage
    metadata: MetadataRegistry
    clock: Clock
    records: RecordService
    documents: DocumentService
    jobs: JobQueue
    messaging: Messaging
  }) {
    const { config } = parts
    this.id = parts.id
    this.name = config.name
    this.profile = config.profile
    this.environment = config.environment
    this.storage = parts.storage
    this.metadata = parts.metadata
    this.clock = parts.clock
    this.records = parts.records
    this.documents = parts.documents
    this.binders = new BinderService({
      storage: parts.storage,
      clock: parts.clock,
      documents: parts.documents,
    })
    this.documentRelationships = new DocumentRelationshipService({
      storage: parts.storage,
      clock: parts.clock,
      documents: parts.documents,
    })
    this.vqlTargets = Object.freeze([
      documentTargetProvider(
        documentQueryTargets({ profile: config.profile, dialect: parts.storage.dialect, vaultId: parts.id }),
      ),
    ])
    this.jobs = parts.jobs
    this.messaging = parts.messaging
    parts.messaging.registerJobs(this.#jobTasks)
    this.#deadJobListeners.push((job) => parts.messaging.handleDeadJob(job))
    this.sessions = new SessionStore({
      db: parts.storage.db,
      clock: parts.clock,
      ...(config.sessionIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.sessionIdleTimeoutMs }),
      ...(config.passwordCost === undefined ? {} : { passwordCost: config.passwordCost }),
    })
    this.burst = new BurstLimiter({
      clock: parts.clock,
      ...(config.burstLimit === undefined ? {} : { limit: config.burstLimit }),
    })
  }

  /**
   * Opens (and on first use creates) a vault: migrates, builds object tables, fixes its vault id,
   * loads its signing key, runs the setup hooks, then starts its jobs (unless runJobs is false).
   */
  static async open(config: VaultConfig): Promise<Vault> {
    const keyFile = keyFileOf(config)
    const storage = createDatabase(config.database)
    let jobs: JobQueue | undefined
    try {
      await migrateToLatest(storage)
      const id = await claimIdentity(storage, config)
      const metadata = await MetadataRegistry.open(storage, config.profile)
      const clock = config.clock ?? systemClock
      const records = new RecordService({
        storage,
        registry: metadata,
        clock,
        vaultId: id,
        permissions: config.profile.permissions,
      })
      const blobs = await openBlobStore(blobStoreOf(config), storage.db)
      const documents = new DocumentService({
        storage,
        registry: metadata,
        profile: config.profile,
        clock,
        vaultId: id,
        blobs,
        maxFileBytes: config.documents?.maxFileBytes ?? DOCUMENT_FILE_MAX_BYTES_DEFAULT,
      })
      jobs = createJobQueue(storage, clock, config.jobs)
      const messaging = await Messaging.open({
        storage,
        records,
        jobs,
        clock,
        vaultId: id,
        vaultName: config.name,
        environment: config.environment,
        keyFile,
      })
      const vault = new Vault({
        id,
        config,
        storage,
        metadata,
        clock,
        records,
        documents,
        jobs,
        messaging,
      })
      try {
        for (const setup of config.setup ?? []) await setup(vault)
        if (config.runJobs !== false) await vault.startJobs()
      } catch (error) {
        await vault.close()
        throw error
      }
      return vault
    } catch (error) {
      if (jobs !== undefined) await jobs.close().catch(() => {})
      await storage.close().catch(() => {})
      throw error
    }
  }

  /**
   * Registers a job task of a later layer (the connection's): the vault's jobs do not start until
   * it has a handler, so no job of it waits unclaimed.
   */
  registerJobTask(task: JobTask): void {
    this.#jobTasks.register(task)
  }

  /** Sets (or replaces) the handler of a job task, registering the task (messaging sets its own). */
  handleJobs<P extends object>(task: JobTask<P>, handler: TaskHandler<P>): void {
    this.#jobTasks.handle(task, handler)
  }

  /** Hears jobs that used up their attempts. */
  onDeadJob(listener: (job: DeadJob) => Promise<void>): void {
    this.#deadJobListeners.push(listener)
  }

  /**
   * Starts running this vault's jobs in this process (once): one handler per registered task,
   * looked up when a job runs. Refuses while a registered task has no handler.
   */
  async startJobs(): Promise<void> {
    if (this.#jobsStarted) return
    const handlers = this.#jobTasks.runnerHandlers(this.name)
    this.#jobsStarted = true
    await this.jobs.start(handlers, async (job) => {
      for (const listener of this.#deadJobListeners) await listener(job)
    })
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

  /**
   * Removes a setting and erases it from the database's files: a setting removed because it held
   * something that must not stay readable leaves no copy behind.
   */
  async removeSetting(key: string): Promise<void> {
    const result = await this.storage.db.deleteFrom('vault_setting').where('key', '=', key).executeTakeFirst()
    if (Number(result.numDeletedRows) > 0) await this.storage.dialect.eraseDeletedRows(this.storage.db)
  }

  async close(): Promise<void> {
    for (const closer of this.#closers.splice(0).reverse()) await closer()
    this.messaging.close()
    await this.jobs.close()
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

/** Where the vault's private signing key lives (see VaultConfig.keyFile); undefined: in memory. */
function keyFileOf(config: VaultConfig): string | undefined {
  if (config.keyFile !== undefined) return config.keyFile
  if (config.database.kind === 'sqlite')
    return config.database.path === ':memory:' ? undefined : `${config.database.path}.key`
  throw new LiaisonError(
    'OPERATION_NOT_ALLOWED',
    `Vault ${config.name} is on PostgreSQL, which holds no file of ours: give it a signing key file (keyFile; --key-file PATH on the command line), the same for all of its processes.`,
  )
}

/** Where a vault's document files live (see VaultConfig.documents): never a temporary folder. */
function blobStoreOf(config: VaultConfig): BlobStoreChoice {
  if (config.documents?.blobStore !== undefined) return config.documents.blobStore
  if (config.documents?.blobDir !== undefined) return { kind: 'fs', dir: config.documents.blobDir }
  if (config.database.kind === 'sqlite' && config.database.path !== ':memory:')
    return { kind: 'fs', dir: `${config.database.path}.blobs` }
  return { kind: 'database' }
}

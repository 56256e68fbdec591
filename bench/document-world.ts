import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crmProfile } from '../src/apps/crm/index.js'
import { medicalProfile } from '../src/apps/medical/index.js'
import { type RunningVault, serveVault } from '../src/cli/vault-server.js'
import { connectServedVaults } from '../src/connection/handshake/index.js'
import type { DocumentChange } from '../src/platform/documents/index.js'
import type { ProfileDefinition } from '../src/platform/metadata/index.js'
import { SYSTEM_ACTOR, type VaultConfig } from '../src/platform/vault/index.js'
import {
  type BenchDatabase,
  postgresAvailable,
  postgresBenchDatabase,
  sqliteBenchDatabase,
} from './bench-databases.js'

/** A Document Transfer world in this process: one Medical Vault and CRMs, each served over HTTP. */
export interface DocumentWorld {
  readonly medical: RunningVault
  readonly crms: readonly RunningVault[]
  /** Medical `country__v` ids. */
  readonly us: string
  readonly global: string
  readonly kind: 'sqlite' | 'postgres'
  close(): Promise<void>
}

export interface DocumentWorldOptions {
  readonly label: string
  readonly crmCount: number
  /** A PostgreSQL server for every vault's database; SQLite files otherwise. */
  readonly postgresUrl?: string
  /** Connections per vault's pool on PostgreSQL (many vaults share one server). */
  readonly poolSize?: number
  /** Jobs each vault runs at once, as `--job-concurrency` (its job runner's connections follow). */
  readonly jobConcurrency?: number
  readonly log: (line: string) => void
}

/** Longest the Connection Countries may take to follow the CRMs' settings. */
const SETTINGS_TIMEOUT_MS = 60_000

async function benchDatabase(options: DocumentWorldOptions, label: string): Promise<BenchDatabase> {
  if (options.postgresUrl === undefined) return sqliteBenchDatabase(label)
  const db = await postgresBenchDatabase(options.postgresUrl, label)
  if (options.poolSize === undefined || db.config.kind !== 'postgres') return db
  return { ...db, config: { ...db.config, poolSize: options.poolSize } }
}

/**
 * Starts the Medical Vault (countries US, Global) and `crmCount` CRMs, each on a database of its
 * own, connects each CRM by the handshake (B1), gives each a Document Transfer Connection Settings
 * record filtering `us__v`, and waits until the Medical Vault's Connection Countries follow (B15):
 * US and Global for every connection. Every document tagged US or Global then goes to every CRM.
 */
export async function startDocumentWorld(options: DocumentWorldOptions): Promise<DocumentWorld> {
  const dir = mkdtempSync(join(tmpdir(), `liaison-bench-${options.label}-`))
  const databases: BenchDatabase[] = []
  const running: RunningVault[] = []
  const close = async () => {
    for (const v of running.splice(0).reverse()) await v.close().catch(() => {})
    for (const db of databases.splice(0)) await db.drop().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
  const serve = async (name: string, profile: ProfileDefinition): Promise<RunningVault> => {
    const database = await benchDatabase(options, `${options.label}_${name.replaceAll('-', '_')}`)
    databases.push(database)
    const config: VaultConfig = {
      name,
      profile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      // Files beside each SQLite file; on PostgreSQL in the vault's database (its default store).
      ...(database.config.kind === 'sqlite' ? { documents: { blobDir: join(dir, `${name}.blobs`) } } : {}),
      // Each SQLite file belongs to this process alone, as in the embedded world.
      ...(database.config.kind === 'sqlite'
        ? { jobs: { table: { soleRunner: true } } }
        : options.jobConcurrency === undefined
          ? {}
          : { jobs: { graphile: { concurrency: options.jobConcurrency } } }),
    }
    const served = await serveVault(config, 0)
    running.push(served)
    return served
  }
  try {
    const medical = await serve('medical', medicalProfile)
    const created = await medical.vault.records.create(SYSTEM_ACTOR, 'country__v', [
      { name__v: 'United States', abbreviation__v: 'US' },
      { name__v: 'Global', abbreviation__v: 'GLOBAL' },
    ])
    const [us, global] = created.map((r) => {
      if (r.id === undefined) throw new Error(`Creating a country failed: ${JSON.stringify(r.errors)}`)
      return r.id
    })
    const crms: RunningVault[] = []
    const connections: string[] = []
    for (let i = 0; i < options.crmCount; i++) {
      const crm = await serve(`crm-${i + 1}`, crmProfile)
      crms.push(crm)
      const { onMedical, onCrm } = await connectServedVaults(medical, crm)
      connections.push(onMedical.id)
      const [settings] = await crm.vault.records.create(SYSTEM_ACTOR, 'connection_settings__v', [
        {
          name__v: `Document Transfer ${crm.vault.name}`,
          object_type__v: 'document_transfer_settings__v',
          connection__sys: onCrm.id,
          country_filter__v: ['us__v'],
        },
      ])
      if (settings?.id === undefined)
        throw new Error(
          `Connection Settings in ${crm.vault.name} failed: ${JSON.stringify(settings?.errors)}`,
        )
    }
    const deadline = performance.now() + SETTINGS_TIMEOUT_MS
    for (;;) {
      const rows = await medical.vault.storage.db
        .selectFrom('connection_country__v')
        .select(['connection__sys', 'country__v'])
        .where('status__v', '=', 'active__v')
        .execute()
      const covered = connections.filter(
        (c) =>
          rows.some((r) => String(r.connection__sys) === c && String(r.country__v) === us) &&
          rows.some((r) => String(r.connection__sys) === c && String(r.country__v) === global),
      )
      if (covered.length === connections.length) break
      if (performance.now() > deadline)
        throw new Error(
          `Connection Countries (US, Global) came for ${covered.length} of ${connections.length} connections within ${SETTINGS_TIMEOUT_MS} ms.`,
        )
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    options.log(
      `  ${options.crmCount} CRMs connected to the Medical Vault (${databases[0]!.config.kind}), Connection Countries US + Global`,
    )
    return { medical, crms, us: us!, global: global!, kind: databases[0]!.config.kind, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Is the PostgreSQL server of the options there? */
export async function postgresFor(url: string | undefined): Promise<string | undefined> {
  return url !== undefined && (await postgresAvailable(url)) ? url : undefined
}

/**
 * Listens to the CrossLink writes of every CRM (DocumentService change hooks, called in the writing
 * transaction just before it commits): an exact arrival time per CRM without polling.
 */
export class CrossLinkArrivals {
  #listener: ((crm: number, change: DocumentChange, at: number) => void) | undefined

  constructor(crms: readonly RunningVault[]) {
    for (const [i, crm] of crms.entries())
      crm.vault.documents.addChangeHook(async (_trx, change) => {
        this.#listener?.(i, change, performance.now())
      })
  }

  /** Calls `listener` for every CrossLink write from now on (one listener at a time). */
  listen(listener: (crm: number, change: DocumentChange, at: number) => void): void {
    this.#listener = listener
  }

  stop(): void {
    this.#listener = undefined
  }
}

/** A small PDF whose bytes differ from every other one's. */
export function benchPdf(run: string, i: number): Uint8Array {
  const text = `Liaison benchmark ${run} document ${i}`
  const padding = `${'%'.repeat(70)}\n`.repeat(12)
  return new TextEncoder().encode(
    `%PDF-1.4\n% ${text}\n1 0 obj << /Type /Catalog >> endobj\n${padding}trailer << /Root 1 0 R >>\n%%EOF\n`,
  )
}

import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { crmProfile, seedCrmDemoData } from '../apps/crm/index.js'
import { medicalProfile, seedMedicalDemoData, seedMedicalDemoDocuments } from '../apps/medical/index.js'
import { acceptConnectionToken, createPendingConnection } from '../connection/handshake/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import type { ConnectionInfo } from '../platform/messaging/index.js'
import type { ProfileDefinition } from '../platform/metadata/index.js'
import { SYSTEM_ACTOR, type Vault, type VaultEnvironment } from '../platform/vault/index.js'
import {
  type DemoRole,
  ensurePeople,
  type RunningVault,
  serveVault,
  systemWriter,
  type VaultPeople,
} from './vault-server.js'

/** The embedded world of spec/api.md: one Medical Vault and three Vault CRMs. */
export const WORLD_VAULTS = [
  { name: 'medical', profile: 'medical', environment: 'production', countries: [] },
  { name: 'crm-na', profile: 'crm', environment: 'production', countries: ['us__v', 'ca__v'] },
  { name: 'crm-eu', profile: 'crm', environment: 'production', countries: ['gb__v', 'de__v', 'fr__v'] },
  { name: 'crm-sandbox', profile: 'crm', environment: 'sandbox', countries: ['us__v'] },
] as const satisfies readonly {
  name: string
  profile: 'medical' | 'crm'
  environment: VaultEnvironment
  countries: readonly string[]
}[]

const PROFILES: Record<'medical' | 'crm', ProfileDefinition> = { medical: medicalProfile, crm: crmProfile }
const ROLES: Record<'medical' | 'crm', readonly DemoRole[]> = {
  medical: ['agent', 'content_manager', 'read_only'],
  crm: ['rep', 'read_only'],
}
const SEEDED_SETTING = 'demo_data_seeded'
/** The features of connection_settings__v; each CRM gets one record per feature with its country filter. */
const CONNECTION_SETTINGS_TYPES = [
  'medical_inquiry_settings__v',
  'clm_integration_settings__v',
  'approved_email_integration_settings__v',
  'document_transfer_settings__v',
] as const

/** The Medical Vault's API name for its connection with a CRM (unique within the vault, B4). */
export function medicalConnectionName(crmName: string): string {
  return `medical_crm__v_${crmName.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`
}

async function removeIfNotActive(vault: Vault, connection: ConnectionInfo | undefined): Promise<void> {
  if (connection === undefined || connection.status === 'active__v') return
  const [result] = await vault.records.delete(SYSTEM_ACTOR, 'connection__sys', [connection.id])
  if (result?.responseStatus === 'FAILURE')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `The unfinished connection ${connection.apiName} of ${vault.name} could not be removed: ${result.errors?.map((e) => e.message).join(' ')}`,
    )
}

/**
 * B1, B4: connects the Medical Vault with one CRM over HTTP, once. A connection left unfinished by
 * an interrupted start is removed and made again.
 */
async function ensureConnected(medical: RunningVault, crm: RunningVault): Promise<void> {
  const onMedical = await medical.vault.messaging.connectionByRemoteVault(String(crm.vault.id))
  const onCrm = await crm.vault.messaging.connectionByRemoteVault(String(medical.vault.id))
  if (onMedical?.status === 'active__v' && onCrm?.status === 'active__v') return
  await removeIfNotActive(medical.vault, onMedical)
  await removeIfNotActive(crm.vault, onCrm)
  const apiName = medicalConnectionName(crm.vault.name)
  const taken = await medical.vault.messaging.connectionByApiName(apiName)
  await removeIfNotActive(medical.vault, taken)
  const pending = await createPendingConnection(medical.vault, SYSTEM_ACTOR, {
    ...((await medical.vault.messaging.connectionByApiName(apiName)) === undefined ? { apiName } : {}),
    remoteUrl: crm.url,
    remoteVaultId: String(crm.vault.id),
    localUrl: medical.url,
  })
  await removeIfNotActive(crm.vault, await crm.vault.messaging.connectionByApiName('medical_crm__v'))
  await acceptConnectionToken(crm.vault, SYSTEM_ACTOR, { token: pending.token, localUrl: crm.url })
}

/** B15: the CRM's country filter per feature, written once per connection. */
async function ensureConnectionSettings(crm: Vault, countries: readonly string[]): Promise<void> {
  for (const connection of await crm.messaging.listConnections()) {
    if (connection.status !== 'active__v') continue
    const existing = await crm.storage.db
      .selectFrom('connection_settings__v')
      .select('object_type__v')
      .where('connection__sys', '=', connection.id)
      .execute()
    const have = new Set(existing.map((r) => String(r.object_type__v)))
    const missing = CONNECTION_SETTINGS_TYPES.filter((t) => !have.has(t))
    if (missing.length === 0) continue
    const results = await crm.records.create(
      SYSTEM_ACTOR,
      'connection_settings__v',
      missing.map((type) => ({
        name__v: `${type} (${connection.apiName})`,
        object_type__v: type,
        connection__sys: connection.id,
        country_filter__v: [...countries],
      })),
    )
    const failed = results.find((r) => r.responseStatus === 'FAILURE')
    if (failed !== undefined)
      throw new LiaisonError(
        'METADATA_INVALID',
        `The connection settings of ${crm.name} could not be written: ${failed.errors?.map((e) => e.message).join(' ')}`,
      )
  }
}

export interface WorldVaultInfo {
  readonly name: string
  readonly profile: 'medical' | 'crm'
  readonly environment: VaultEnvironment
  readonly url: string
  readonly vaultId: number
  readonly admin: { readonly username: string; readonly password: string }
  readonly integrationUser: { readonly username: string }
  readonly users: VaultPeople['users']
}

export interface World {
  readonly dir: string
  readonly vaults: readonly RunningVault[]
  readonly info: readonly WorldVaultInfo[]
  close(): Promise<void>
}

export interface WorldOptions {
  readonly dir: string
  readonly port: number
  /** Progress lines for the terminal. */
  readonly log?: (line: string) => void
  /** The JSON log of requests and errors (`liaison up`: WORLD_LOG_FILE under dir). (Default: none) */
  readonly logger?: Logger
}

/** Where `liaison up` writes its JSON log, under the world's folder, so the terminal stays readable. */
export const WORLD_LOG_FILE = join('logs', 'liaison.log')

/** Checks that a vault answers over HTTP before the world is announced. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/`)
    const body = (await response.json()) as { responseStatus?: string }
    return body.responseStatus === 'SUCCESS'
  } catch {
    return false
  }
}

/**
 * Starts the world: opens (or creates) each vault's SQLite file under `dir`, seeds demo data once,
 * serves each on consecutive ports, and writes `dir/world.json` atomically once all answer.
 */
export async function startWorld(options: WorldOptions): Promise<World> {
  const dir = resolve(options.dir)
  const log = options.log ?? (() => {})
  // The data folder holds every vault's database, documents and world.json: its owner's alone.
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const running: RunningVault[] = []
  const info: WorldVaultInfo[] = []
  const close = async () => {
    for (const v of running.splice(0).reverse()) await v.close()
  }
  try {
    for (const [i, spec] of WORLD_VAULTS.entries()) {
      const served = await serveVault(
        {
          name: spec.name,
          profile: PROFILES[spec.profile],
          environment: spec.environment,
          database: { kind: 'sqlite', path: join(dir, `${spec.name}.db`) },
          // Each SQLite file belongs to this process alone: jobs left running by a crash restart at once.
          jobs: { table: { soleRunner: true } },
          // Jobs start once every vault answers: a restarted Medical Vault would otherwise call CRMs
          // that are not served yet and spend its retries on them.
          runJobs: false,
        },
        options.port + i,
        '127.0.0.1',
        options.logger,
      )
      running.push(served)
      const { vault } = served
      const people = await ensurePeople(vault, ROLES[spec.profile])
      if ((await vault.setting(SEEDED_SETTING)) === undefined) {
        log(`Loading demo data into ${spec.name}…`)
        const writer = systemWriter(vault)
        const seed = 1000 + i
        if (spec.profile === 'medical') {
          await seedMedicalDemoData(writer, { seed })
          // Routed once the CRMs' country filters reach this vault (B15, then B16).
          await seedMedicalDemoDocuments(vault.storage, vault.documents)
        } else await seedCrmDemoData(writer, { seed, countries: spec.countries })
        await vault.setSetting(SEEDED_SETTING, new Date().toISOString())
      }
      info.push({
        name: spec.name,
        profile: spec.profile,
        environment: spec.environment,
        url: served.url,
        vaultId: vault.id,
        admin: people.admin,
        integrationUser: { username: people.integrationUser.username },
        users: people.users,
      })
    }
    for (const v of running)
      if (!(await answers(v.url))) throw new Error(`Vault ${v.vault.name} does not answer at ${v.url}.`)
    const medical = running[WORLD_VAULTS.findIndex((v) => v.profile === 'medical')]!
    for (const [i, spec] of WORLD_VAULTS.entries()) {
      if (spec.profile !== 'crm') continue
      log(`Connecting ${spec.name} with ${medical.vault.name}…`)
      await ensureConnected(medical, running[i]!)
      await ensureConnectionSettings(running[i]!.vault, spec.countries)
    }
    for (const v of running)
      for (const c of await v.vault.messaging.listConnections())
        if (c.status !== 'active__v')
          throw new Error(`Connection ${c.apiName} of ${v.vault.name} is ${c.status}, not active.`)
    for (const v of running) await v.vault.startJobs()
    const file = join(dir, 'world.json')
    writeFileSync(`${file}.tmp`, `${JSON.stringify({ vaults: info }, null, 2)}\n`, { mode: 0o600 })
    renameSync(`${file}.tmp`, file)
    return { dir, vaults: running, info, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** The table printed at start: where each vault is and who can log in. */
export function formatWorldTable(info: readonly WorldVaultInfo[]): string {
  const rows: string[][] = [['vault', 'profile', 'env', 'url', 'vault id', 'role', 'username', 'password']]
  for (const v of info) {
    rows.push([
      v.name,
      v.profile,
      v.environment,
      v.url,
      String(v.vaultId),
      'admin',
      v.admin.username,
      v.admin.password,
    ])
    rows.push(['', '', '', '', '', 'integration', v.integrationUser.username, '(connection only)'])
    for (const u of v.users) rows.push(['', '', '', '', '', u.role, u.username, u.password])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd()
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

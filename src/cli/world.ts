import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Logger } from 'pino'
import { crmProfile, seedCrmDemoData } from '../apps/crm/index.js'
import {
  medicalProfile,
  seedMedicalDemoData,
  seedMedicalDemoDocuments,
  seedMedicalDemoPresentation,
} from '../apps/medical/index.js'
import { acceptConnectionToken, createPendingConnection } from '../connection/handshake/index.js'
import { connectionVaultOf, INTEGRATION_POINTS, runPull } from '../connection/index.js'
import { type BlobStoreChoice, blobStoreForVault } from '../platform/documents/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import type { ConnectionInfo } from '../platform/messaging/index.js'
import type { ProfileDefinition } from '../platform/metadata/index.js'
import { SYSTEM_ACTOR, type Vault, type VaultEnvironment } from '../platform/vault/index.js'
import {
  type Credentials,
  type DemoRole,
  ensurePeople,
  forgetLegacyPasswords,
  parseKnownPasswords,
  type RunningVault,
  readLegacyPasswords,
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
  /** The password is missing when nobody knows it any more (see `liaison reset-password`). */
  readonly admin: Credentials
  /** The integration user of the vault's first connection (spec/api.md); see `integrationUsers`. */
  readonly integrationUser: { readonly username: string }
  /** Each connection's own integration user: it acts only through that connection's signed calls. */
  readonly integrationUsers: readonly { readonly connection: string; readonly username: string }[]
  readonly users: VaultPeople['users']
}

export interface World {
  readonly dir: string
  readonly vaults: readonly RunningVault[]
  readonly info: readonly WorldVaultInfo[]
  /** `vault username` of the accounts this start created: the only passwords it prints. */
  readonly created: ReadonlySet<string>
  close(): Promise<void>
}

export interface WorldOptions {
  readonly dir: string
  readonly port: number
  /** Progress lines for the terminal. */
  readonly log?: (line: string) => void
  /** The JSON log of requests and errors (`liaison up`: WORLD_LOG_FILE under dir). (Default: none) */
  readonly logger?: Logger
  /** Where document files live (`up --blob-store`), each vault in its own folder or prefix. (Default: beside each SQLite file) */
  readonly blobStore?: BlobStoreChoice
}

/** Where `liaison up` writes its JSON log, under the world's folder, so the terminal stays readable. */
export const WORLD_LOG_FILE = join('logs', 'liaison.log')

/** The world's file of who can log in: 0600, in the world's 0700 folder, the one place passwords are kept. */
export const WORLD_FILE = 'world.json'

/**
 * The passwords an earlier start recorded in `dir/world.json`, by vault name then username. A
 * missing or unreadable file, or a malformed entry, leaves those passwords unknown; never a crash.
 */
export function readWorldPasswords(
  dir: string,
  log: (line: string) => void = () => {},
): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  let text: string
  try {
    text = readFileSync(join(dir, WORLD_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log(`${WORLD_FILE} could not be read (${String(error)}); passwords of existing users are unknown.`)
    return out
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    log(`${WORLD_FILE} is not JSON; passwords of existing users are unknown.`)
    return out
  }
  const vaults =
    typeof parsed === 'object' && parsed !== null ? (parsed as { vaults?: unknown }).vaults : undefined
  if (!Array.isArray(vaults)) return out
  for (const entry of vaults as unknown[]) {
    const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined
    if (typeof name === 'string') out.set(name, parseKnownPasswords(entry))
  }
  return out
}

/** Writes world.json atomically (a 0600 file renamed over the old one), so a reader never sees half. */
export function writeWorldFile(dir: string, content: { readonly vaults: readonly unknown[] }): void {
  const file = join(dir, WORLD_FILE)
  writeFileSync(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 })
  chmodSync(`${file}.tmp`, 0o600)
  renameSync(`${file}.tmp`, file)
}

/**
 * Records a user's new password in `dir/world.json` (`liaison reset-password` on a world's vault).
 * Answers false, changing nothing, when the file is missing, unreadable or does not list the user.
 */
export function recordWorldPassword(
  dir: string,
  vaultName: string,
  username: string,
  password: string,
): boolean {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(join(dir, WORLD_FILE), 'utf8'))
  } catch {
    return false
  }
  const vaults =
    typeof parsed === 'object' && parsed !== null ? (parsed as { vaults?: unknown }).vaults : undefined
  if (!Array.isArray(vaults)) return false
  const entry = (vaults as unknown[]).find(
    (v): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && (v as { name?: unknown }).name === vaultName,
  )
  if (entry === undefined) return false
  const people = [entry.admin, ...(Array.isArray(entry.users) ? entry.users : [])]
  const person = people.find(
    (p): p is Record<string, unknown> =>
      typeof p === 'object' && p !== null && (p as { username?: unknown }).username === username,
  )
  if (person === undefined) return false
  person.password = password
  writeWorldFile(dir, { vaults })
  return true
}

/** The command that sets a new password for a user of a world's vault. */
export function resetPasswordCommand(dir: string, vaultName: string, username: string): string {
  return `liaison reset-password --db sqlite:${join(dir, `${vaultName}.db`)} --user ${username}`
}

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
  const peopleOf: VaultPeople[] = []
  const created = new Set<string>()
  const recorded = readWorldPasswords(dir, log)
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
          ...(options.blobStore === undefined
            ? {}
            : { documents: { blobStore: blobStoreForVault(options.blobStore, spec.name) } }),
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
      // world.json first: it follows reset-password; an older release's setting fills what it lacks.
      const known = new Map([...(await readLegacyPasswords(vault)), ...(recorded.get(spec.name) ?? [])])
      const people = await ensurePeople(vault, ROLES[spec.profile], known)
      for (const username of people.created) created.add(`${spec.name} ${username}`)
      if ((await vault.setting(SEEDED_SETTING)) === undefined) {
        log(`Loading demo data into ${spec.name}…`)
        const writer = systemWriter(vault)
        const seed = 1000 + i
        if (spec.profile === 'medical') {
          await seedMedicalDemoData(writer, { seed })
          // Routed once the CRMs' country filters reach this vault (B15, then B16).
          await seedMedicalDemoDocuments(vault.storage, vault.documents)
          // B18: one approved presentation for the US, published to crm-na (and the sandbox).
          await seedMedicalDemoPresentation(vault.storage, vault.documents, vault.binders)
        } else await seedCrmDemoData(writer, { seed, countries: spec.countries })
        await vault.setSetting(SEEDED_SETTING, new Date().toISOString())
      }
      peopleOf.push(people)
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
    // B15: every CRM's Connection Countries exist before the world is announced. The nudges of the
    // settings just written would come later, and a sandbox sends none to production (B3).
    for (const c of await medical.vault.messaging.listConnections())
      await runPull(connectionVaultOf(medical.vault), 'medical', {
        connectionApiName: c.apiName,
        integrationPoint: INTEGRATION_POINTS.connectionSettingsInbound,
      })
    for (const v of running) await v.vault.startJobs()
    for (const [i, spec] of WORLD_VAULTS.entries()) {
      const { vault, url } = running[i]!
      const integrationUsers = (await vault.messaging.listConnections()).map((c) => ({
        connection: c.apiName,
        username: c.localIntegrationUserName,
      }))
      info.push({
        name: spec.name,
        profile: spec.profile,
        environment: spec.environment,
        url,
        vaultId: vault.id,
        admin: peopleOf[i]!.admin,
        integrationUser: { username: integrationUsers[0]?.username ?? '' },
        integrationUsers,
        users: peopleOf[i]!.users,
      })
    }
    writeWorldFile(dir, { vaults: info })
    // Only now that world.json holds them may the plain-text copies of older releases go.
    for (const v of running) await forgetLegacyPasswords(v.vault)
    return { dir, vaults: running, info, created, close }
  } catch (error) {
    await close()
    throw error
  }
}

/**
 * The table printed at start: where each vault is and who can log in. Only passwords of accounts
 * this start created are shown; the others are in world.json, or unknown with the way to set one.
 */
export function formatWorldTable(
  dir: string,
  info: readonly WorldVaultInfo[],
  created: ReadonlySet<string>,
): string {
  const rows: string[][] = [['vault', 'profile', 'env', 'url', 'vault id', 'role', 'username', 'password']]
  const shown = (vault: string, person: Credentials) =>
    person.password === undefined
      ? `(unknown: ${resetPasswordCommand(dir, vault, person.username)})`
      : created.has(`${vault} ${person.username}`)
        ? person.password
        : `(in ${WORLD_FILE})`
  for (const v of info) {
    rows.push([
      v.name,
      v.profile,
      v.environment,
      v.url,
      String(v.vaultId),
      'admin',
      v.admin.username,
      shown(v.name, v.admin),
    ])
    for (const u of v.integrationUsers)
      rows.push(['', '', '', '', '', 'integration', u.username, `(${u.connection} only)`])
    for (const u of v.users) rows.push(['', '', '', '', '', u.role, u.username, shown(v.name, u)])
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd()
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n')
}

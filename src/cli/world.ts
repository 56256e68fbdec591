import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { crmProfile, seedCrmDemoData } from '../apps/crm/index.js'
import { medicalProfile, seedMedicalDemoData } from '../apps/medical/index.js'
import type { ProfileDefinition } from '../platform/metadata/index.js'
import type { VaultEnvironment } from '../platform/vault/index.js'
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
  readonly log?: (line: string) => void
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
  mkdirSync(dir, { recursive: true })
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
        },
        options.port + i,
      )
      running.push(served)
      const { vault } = served
      const people = await ensurePeople(vault, ROLES[spec.profile])
      if ((await vault.setting(SEEDED_SETTING)) === undefined) {
        log(`Loading demo data into ${spec.name}…`)
        const writer = systemWriter(vault)
        const seed = 1000 + i
        if (spec.profile === 'medical') await seedMedicalDemoData(writer, { seed })
        else await seedCrmDemoData(writer, { seed, countries: spec.countries })
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

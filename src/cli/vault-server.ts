import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { type ApiServer, buildApp } from '../api/index.js'
import { caseClosureHook } from '../apps/medical/index.js'
import {
  type ConnectionOptions,
  connectionVaultOf,
  installMedicalCrmConnection,
} from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import type { SecurityProfile } from '../platform/metadata/index.js'
import { BULK_RECORDS_MAX, type RecordWriter } from '../platform/records/index.js'
import { createUser, findUserId, SYSTEM_ACTOR, Vault, type VaultConfig } from '../platform/vault/index.js'

/** Roles of the demo people in world.json, and the security profile each one gets. */
export const DEMO_ROLES = {
  rep: 'rep__v',
  agent: 'medical_information_agent__v',
  content_manager: 'content_manager__v',
  read_only: 'read_only__v',
} as const satisfies Record<string, SecurityProfile>
export type DemoRole = keyof typeof DEMO_ROLES

export interface Credentials {
  readonly username: string
  readonly password: string
}

export interface VaultPeople {
  readonly admin: Credentials
  readonly integrationUser: Credentials
  readonly users: readonly (Credentials & { readonly role: DemoRole })[]
}

const PEOPLE_SETTING = 'demo_people'

/** A RecordWriter over the vault's record service, acting as the vault itself. */
export function systemWriter(vault: Vault): RecordWriter {
  return {
    async create(objectName, records) {
      const ids: string[] = []
      for (let i = 0; i < records.length; i += BULK_RECORDS_MAX) {
        const part = records.slice(i, i + BULK_RECORDS_MAX)
        const results = await vault.records.create(SYSTEM_ACTOR, objectName, part)
        results.forEach((r, j) => {
          if (r.id === undefined)
            throw new LiaisonError(
              'METADATA_INVALID',
              `Seeding ${objectName} record ${i + j + 1} failed: ${r.errors?.map((e) => e.message).join(' ')}`,
            )
          ids.push(r.id)
        })
      }
      return ids
    },
  }
}

function password(): string {
  return `Lz-${randomBytes(9).toString('base64url')}`
}

/**
 * Creates the admin, the integration user and the demo people once, and remembers their
 * credentials in the vault so that a restart prints the same ones.
 */
export async function ensurePeople(vault: Vault, roles: readonly DemoRole[]): Promise<VaultPeople> {
  const saved = await vault.setting(PEOPLE_SETTING)
  if (saved !== undefined) return JSON.parse(saved) as VaultPeople
  const domain = `${vault.name}.liaison.local`
  const make = async (
    local: string,
    profile: SecurityProfile,
    first: string,
    last: string,
  ): Promise<Credentials> => {
    const username = `${local}@${domain}`
    const secret = password()
    if ((await findUserId(vault, username)) === undefined)
      await createUser(vault, SYSTEM_ACTOR, {
        username,
        password: secret,
        securityProfile: profile,
        firstName: first,
        lastName: last,
        email: username,
      })
    else
      throw new LiaisonError(
        'OPERATION_NOT_ALLOWED',
        `User ${username} exists but its password is unknown to this world.`,
      )
    return { username, password: secret }
  }
  const admin = await make('admin', 'admin__sys', 'Vault', 'Admin')
  const integrationUser = await make('integration', 'integration_user__sys', 'Integration', 'User')
  const names: Record<DemoRole, [string, string]> = {
    rep: ['Riley', 'Rep'],
    agent: ['Alex', 'Agent'],
    content_manager: ['Casey', 'Content'],
    read_only: ['Robin', 'Reader'],
  }
  const users = []
  for (const role of roles) {
    const [first, last] = names[role]
    users.push({ ...(await make(role.replace('_', '-'), DEMO_ROLES[role], first, last)), role })
  }
  const people: VaultPeople = { admin, integrationUser, users }
  await vault.setSetting(PEOPLE_SETTING, JSON.stringify(people))
  return people
}

/**
 * Installs what the profile's vaults do beyond records: the Medical Vault's case closure dates
 * and, on both sides, the Medical-CRM connection's actions, processors, hooks and scheduled pulls
 * (started here for the connections that exist; tests shorten the interval through `options`).
 */
export async function installBehaviours(vault: Vault, options: ConnectionOptions = {}): Promise<void> {
  const side = vault.profile.name === 'medical' ? 'medical' : 'crm'
  if (side === 'medical') {
    vault.records.addChangeHook('case__v', caseClosureHook(vault.records, vault.clock, 'case__v'))
    vault.records.addChangeHook(
      'case_request__v',
      caseClosureHook(vault.records, vault.clock, 'case_request__v'),
    )
  }
  await installMedicalCrmConnection(connectionVaultOf(vault), side, options)
}

export interface RunningVault {
  readonly vault: Vault
  readonly app: ApiServer
  readonly url: string
  close(): Promise<void>
}

/**
 * Opens a vault and serves its REST API on 127.0.0.1:port (0 picks a free port). With a logger,
 * requests, unexpected errors, job runner failures and failed pulls are logged, tagged with the vault.
 * `publicUrl` is the origin it is reached at when that is not where it listens (`--public-url`).
 */
export async function serveVault(
  config: VaultConfig,
  port: number,
  host = '127.0.0.1',
  logger?: Logger,
  publicUrl?: string,
): Promise<RunningVault> {
  const log = logger?.child({ vault: config.name })
  const vault = await Vault.open({
    ...config,
    ...(log === undefined ? {} : { jobs: { ...config.jobs, logger: log } }),
    setup: [(v) => installBehaviours(v, log === undefined ? {} : { logger: log }), ...(config.setup ?? [])],
  })
  try {
    const app = await buildApp(vault, {
      ...(log === undefined ? {} : { loggerInstance: log }),
      ...(publicUrl === undefined ? {} : { publicUrl }),
    })
    await app.listen({ port, host })
    const address = app.server.address()
    const actualPort = typeof address === 'object' && address !== null ? address.port : port
    const url = app.publicOrigin() ?? `http://${host}:${actualPort}`
    return {
      vault,
      app,
      url,
      async close() {
        await app.close()
        await vault.close()
      },
    }
  } catch (error) {
    await vault.close()
    throw error
  }
}

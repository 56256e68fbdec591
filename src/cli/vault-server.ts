import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import { type ApiServer, buildApp } from '../api/index.js'
import {
  CREATE_PRESENTATION_ACTION,
  caseClosureHook,
  createPresentationAction,
  presentationNodeGuard,
} from '../apps/medical/index.js'
import { separateIntegrationUsers } from '../connection/handshake/index.js'
import {
  type ConnectionOptions,
  connectionVaultOf,
  installMedicalCrmConnection,
} from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import type { SecurityProfile } from '../platform/metadata/index.js'
import { BULK_RECORDS_MAX, type RecordWriter } from '../platform/records/index.js'
import { createUser, findUserId, SYSTEM_ACTOR, Vault, type VaultConfig } from '../platform/vault/index.js'
import { logMessageLife } from './message-log.js'

/** Roles of the demo people in world.json, and the security profile each one gets. */
export const DEMO_ROLES = {
  rep: 'rep__v',
  agent: 'medical_information_agent__v',
  content_manager: 'content_manager__v',
  read_only: 'read_only__v',
} as const satisfies Record<string, SecurityProfile>
export type DemoRole = keyof typeof DEMO_ROLES

/** A person's username and, when this run knows it, password. */
export interface Credentials {
  readonly username: string
  /** Known only to the run that created the account, or recorded in world.json; never in the vault. */
  readonly password?: string
}

export interface VaultPeople {
  readonly admin: Credentials
  readonly users: readonly (Credentials & { readonly role: DemoRole })[]
  /** Usernames whose accounts this call created: their passwords are new and shown once. */
  readonly created: readonly string[]
}

/** Passwords known from outside the vault (world.json), by username. */
export type KnownPasswords = ReadonlyMap<string, string>

/** Where releases before 0600 world.json kept every demo password, in plain text. */
const LEGACY_PEOPLE_SETTING = 'demo_people'

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

/** A new random password for a person's account. */
export function newPassword(): string {
  return `Lz-${randomBytes(9).toString('base64url')}`
}

function credentialsIn(value: unknown): Credentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { username, password } = value as Record<string, unknown>
  if (typeof username !== 'string' || username === '') return undefined
  return typeof password === 'string' && password !== '' ? { username, password } : { username }
}

/**
 * Passwords by username from a `{admin, users}` object (a world.json vault entry, or the setting an
 * older release kept); whatever is malformed is left out, so it reads as an unknown password.
 */
export function parseKnownPasswords(value: unknown): Map<string, string> {
  const out = new Map<string, string>()
  if (typeof value !== 'object' || value === null) return out
  const { admin, users } = value as Record<string, unknown>
  for (const entry of [admin, ...(Array.isArray(users) ? users : [])]) {
    const person = credentialsIn(entry)
    if (person?.password !== undefined) out.set(person.username, person.password)
  }
  return out
}

/** The demo passwords an older release kept in plain text in the vault, if it still holds them. */
export async function readLegacyPasswords(vault: Vault): Promise<Map<string, string>> {
  const saved = await vault.setting(LEGACY_PEOPLE_SETTING)
  if (saved === undefined) return new Map()
  try {
    return parseKnownPasswords(JSON.parse(saved))
  } catch {
    return new Map()
  }
}

/** Removes the plain-text passwords an older release kept in the vault, and erases them from its files. */
export async function forgetLegacyPasswords(vault: Vault): Promise<void> {
  await vault.removeSetting(LEGACY_PEOPLE_SETTING)
}

/**
 * Creates the admin and the demo people that do not exist yet (each connection's integration user
 * is made by its handshake). A created
 * account's password is answered once and stored nowhere; an existing account's password is the
 * one `known` gives, or unknown (`liaison reset-password` sets a new one).
 */
export async function ensurePeople(
  vault: Vault,
  roles: readonly DemoRole[],
  known: KnownPasswords = new Map(),
): Promise<VaultPeople> {
  const domain = `${vault.name}.liaison.local`
  const created: string[] = []
  const make = async (
    local: string,
    profile: SecurityProfile,
    first: string,
    last: string,
  ): Promise<Credentials> => {
    const username = `${local}@${domain}`
    if ((await findUserId(vault, username)) !== undefined) {
      const remembered = known.get(username)
      return remembered === undefined ? { username } : { username, password: remembered }
    }
    const secret = newPassword()
    await createUser(vault, SYSTEM_ACTOR, {
      username,
      password: secret,
      securityProfile: profile,
      firstName: first,
      lastName: last,
      email: username,
    })
    created.push(username)
    return { username, password: secret }
  }
  const admin = await make('admin', 'admin__sys', 'Vault', 'Admin')
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
  return { admin, users, created }
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
    // B18: a multichannel presentation from a PDF, one slide per page.
    vault.documents.addDocumentAction(
      CREATE_PRESENTATION_ACTION,
      createPresentationAction(vault.documents, vault.binders),
    )
    vault.binders.addNodeGuard(presentationNodeGuard)
  }
  // Connections made before each had its own integration user get one now (finding 2).
  await separateIntegrationUsers(vault)
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
 * `http.publicUrl` is the origin it is reached at when that is not where it listens (`--public-url`);
 * `http.metricsToken` lets a scraper read `GET /metrics` (`--metrics-token`, LIAISON_METRICS_TOKEN).
 */
export async function serveVault(
  config: VaultConfig,
  port: number,
  host = '127.0.0.1',
  logger?: Logger,
  http: { readonly publicUrl?: string | undefined; readonly metricsToken?: string | undefined } = {},
): Promise<RunningVault> {
  const log = logger?.child({ vault: config.name })
  const vault = await Vault.open({
    ...config,
    ...(log === undefined ? {} : { jobs: { ...config.jobs, logger: log } }),
    setup: [
      (v) => installBehaviours(v, log === undefined ? {} : { logger: log }),
      // Each step of a message's life, one line with its id, connection and integration point.
      ...(log === undefined ? [] : [(v: Vault) => void logMessageLife(v, log)]),
      ...(config.setup ?? []),
    ],
  })
  try {
    const app = await buildApp(vault, {
      ...(log === undefined ? {} : { loggerInstance: log }),
      ...(http.publicUrl === undefined ? {} : { publicUrl: http.publicUrl }),
      ...(http.metricsToken === undefined ? {} : { metricsToken: http.metricsToken }),
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

import { expect } from 'vitest'
import { type RunningVault, serveVault } from '../../src/cli/vault-server.js'
import { connectServedVaults } from '../../src/connection/handshake/index.js'
import type { Clock } from '../../src/platform/clock/index.js'
import type { CreateJobQueueOptions } from '../../src/platform/jobs/index.js'
import type { ConnectionInfo } from '../../src/platform/messaging/index.js'
import type { ProfileDefinition } from '../../src/platform/metadata/index.js'
import { createUser, SYSTEM_ACTOR, type Vault, type VaultConfig } from '../../src/platform/vault/index.js'
import { createTestDatabase, type TestDatabase } from './databases.js'
import { TEST_PASSWORD_COST } from './password-cost.js'

export const API = '/api/v25.2'
const PASSWORD = 'Correct-Horse-9'
export type Json = Record<string, unknown>

/** Short back-off and polling for tests: a failed delivery is tried again within a second. */
export const FAST_JOBS: CreateJobQueueOptions = {
  table: { pollIntervalMs: 20, retry: { baseMs: 100, capMs: 400 } },
  graphile: { pollIntervalMs: 200 },
}

/**
 * One vault served over HTTP as `liaison serve` does (serveVault: the Medical-CRM connection's
 * flows installed), on a database of its own of the suite's kind, with an admin logged in.
 */
export interface ServedVault {
  readonly name: string
  readonly database: TestDatabase
  readonly config: VaultConfig
  /** Kept across restart, so the remote vault finds it again. */
  readonly port: number
  readonly served: RunningVault
  readonly vault: Vault
  readonly url: string
  /** Calls the REST API as the admin; JSON bodies as JSON, URLSearchParams as a form, FormData as multipart. */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Json>
  /** A GET as the admin, answering the raw response (files). */
  download(path: string): Promise<Response>
  /** VQL as the admin; fails the test on an error. */
  query(q: string): Promise<Json[]>
  /** Stops the server and the vault; the database stays. */
  stop(): Promise<void>
  /** Serves the vault again on the same database and port. */
  restart(): Promise<void>
  /** Stops it (if running) and drops its database. */
  destroy(): Promise<void>
}

export interface ServedVaultOptions {
  readonly environment?: 'production' | 'sandbox'
  readonly clock?: Clock
  readonly jobs?: CreateJobQueueOptions
  readonly setup?: VaultConfig['setup']
}

async function login(url: string, username: string): Promise<string> {
  const response = await fetch(`${url}${API}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }),
  })
  const body = (await response.json()) as { sessionId?: string }
  if (body.sessionId === undefined) throw new Error(`login to ${url} failed: ${JSON.stringify(body)}`)
  return body.sessionId
}

export async function startServedVault(
  name: string,
  profile: ProfileDefinition,
  options: ServedVaultOptions = {},
): Promise<ServedVault> {
  const database = await createTestDatabase(name)
  const config: VaultConfig = {
    name,
    profile,
    environment: options.environment ?? 'production',
    database: database.config,
    keyFile: database.keyFile,
    passwordCost: TEST_PASSWORD_COST,
    jobs: options.jobs ?? FAST_JOBS,
    // Tests move a manual clock by hours: sessions must outlive that.
    sessionIdleTimeoutMs: 7 * 24 * 3_600_000,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.setup === undefined ? {} : { setup: options.setup }),
  }
  let served: RunningVault | undefined = await serveVault(config, 0)
  const username = `admin@${name}.test`
  await createUser(served.vault, SYSTEM_ACTOR, {
    username,
    password: PASSWORD,
    securityProfile: 'admin__sys',
    firstName: 'Admin',
    lastName: name,
  })
  const port = Number(new URL(served.url).port)
  let session = await login(served.url, username)
  const running = (): RunningVault => {
    if (served === undefined) throw new Error(`vault ${name} is stopped`)
    return served
  }
  const node: ServedVault = {
    name,
    database,
    config,
    port,
    get served() {
      return running()
    },
    get vault() {
      return running().vault
    },
    get url() {
      return `http://127.0.0.1:${port}`
    },
    async call(method, path, body) {
      const headers: Record<string, string> = { authorization: session }
      let payload: string | URLSearchParams | FormData | undefined
      // A form or multipart body: fetch sets its content type (and boundary) itself.
      if (body instanceof URLSearchParams || body instanceof FormData) payload = body
      else if (body !== undefined) {
        payload = JSON.stringify(body)
        headers['content-type'] = 'application/json'
      }
      const response = await fetch(`${node.url}${API}${path}`, { method, headers, body: payload })
      return (await response.json()) as Json
    },
    download(path) {
      return fetch(`${node.url}${API}${path}`, { headers: { authorization: session } })
    },
    async query(q) {
      const body = await node.call('POST', '/query', new URLSearchParams({ q }))
      expect(body.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
      return body.data as Json[]
    },
    async stop() {
      const s = served
      served = undefined
      await s?.close()
    },
    async restart() {
      if (served !== undefined) throw new Error(`vault ${name} is running`)
      served = await serveVault(config, port)
      session = await login(served.url, username)
    },
    async destroy() {
      await node.stop().catch(() => {})
      await database.drop()
    },
  }
  return node
}

/**
 * B1: Medical issues a connection token, the CRM accepts it; both over HTTP (the handshake
 * functions `liaison up` uses). `medicalUrl` is where the CRM reaches Medical (a proxy, say).
 */
export async function connectVaults(
  medical: ServedVault,
  crm: ServedVault,
  options: { readonly medicalUrl?: string } = {},
): Promise<{ readonly onMedical: ConnectionInfo; readonly onCrm: ConnectionInfo }> {
  return connectServedVaults(medical, crm, options)
}

/** A CRM served over HTTP and connected to a Medical Vault. */
export interface ConnectedCrm {
  readonly node: ServedVault
  /** The Medical Vault's connection with this CRM. */
  readonly onMedical: ConnectionInfo
  readonly onCrm: ConnectionInfo
}

/** B15: writes a Connection Settings record through the CRM's REST API, as its admin would; answers its id. */
export async function createConnectionSettings(
  crm: ConnectedCrm,
  objectType: string,
  countries: readonly string[],
): Promise<string> {
  const body = await crm.node.call('POST', '/vobjects/connection_settings__v', [
    {
      name__v: `${objectType} ${crm.node.name}`,
      object_type__v: objectType,
      connection__sys: crm.onCrm.id,
      country_filter__v: countries,
    },
  ])
  const [result] = body.data as { responseStatus: string; data?: { id: string } }[]
  expect(result?.responseStatus, JSON.stringify(body)).toBe('SUCCESS')
  return result!.data!.id
}

/** Abbreviations of the CRM's active Connection Countries in the Medical Vault, sorted. */
export async function activeConnectionCountries(medical: ServedVault, crm: ConnectedCrm): Promise<string[]> {
  const rows = await medical.vault.storage.db
    .selectFrom('connection_country__v')
    .innerJoin('country__v', 'country__v.id', 'connection_country__v.country__v')
    .select(['country__v.abbreviation__v as abbreviation'])
    .where('connection_country__v.connection__sys', '=', crm.onMedical.id)
    .where('connection_country__v.status__v', '=', 'active__v')
    .execute()
  return rows.map((r) => String(r.abbreviation)).sort()
}

/** Valid inquiries (requester by name, answer by email) created through the REST API, 500 per call. */
export async function createInquiries(crm: ServedVault, count: number, label = 'Q'): Promise<string[]> {
  const ids: string[] = []
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, i) => ({
      first_name__v: 'Meredith',
      last_name__v: `Grey ${label}${start + i}`,
      inquiry_text__v: `Is Cholecap safe in pregnancy? (${label}${start + i})`,
      delivery_method__v: 'email__v',
      email__v: `hcp.${label.toLowerCase()}${start + i}@example.org`,
    }))
    const body = await crm.call('POST', '/vobjects/medical_inquiry__v', rows)
    expect(body.responseStatus, JSON.stringify(body).slice(0, 500)).toBe('SUCCESS')
    for (const r of body.data as { responseStatus: string; data?: { id: string } }[]) {
      expect(r.responseStatus).toBe('SUCCESS')
      ids.push(r.data!.id)
    }
  }
  return ids
}

/** The bulk Transfer to Medical action (B5), 500 ids per call; every inquiry must be accepted. */
export async function transferInquiries(crm: ServedVault, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 500) {
    const body = await crm.call(
      'POST',
      '/vobjects/medical_inquiry__v/actions/transfer_to_medical__v',
      new URLSearchParams({ ids: ids.slice(start, start + 500).join(',') }),
    )
    expect(body.responseStatus, JSON.stringify(body).slice(0, 500)).toBe('SUCCESS')
    const failed = (body.data as { responseStatus: string }[]).filter((r) => r.responseStatus !== 'SUCCESS')
    expect(failed, JSON.stringify(failed).slice(0, 500)).toEqual([])
  }
}

/** Inquiries by id with their transfer and case status fields, read through VQL. */
export async function inquiriesById(crm: ServedVault, ids: readonly string[]): Promise<Map<string, Json>> {
  const rows = new Map<string, Json>()
  for (let start = 0; start < ids.length; start += 500) {
    const part = ids.slice(start, start + 500)
    for (const row of await crm.query(
      `SELECT id, transfer_status__v, transfer_error__v, case_number__v, medical_inquiry_case_status__v, response_notes__v, case_request_modified_date__v, modified_date__v FROM medical_inquiry__v WHERE id CONTAINS (${part.map((id) => `'${id}'`).join(', ')}) PAGESIZE 1000`,
    ))
      rows.set(String(row.id), row)
  }
  return rows
}

/** First value of a picklist as VQL returns it (an array). */
export function pick(value: unknown): string | undefined {
  return Array.isArray(value) ? (value[0] as string | undefined) : (value as string | undefined)
}

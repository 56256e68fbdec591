import { buildApp } from '../../src/api/index.js'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { installBehaviours } from '../../src/cli/vault-server.js'
import { connectServedVaults } from '../../src/connection/handshake/index.js'
import type { ConnectionOptions } from '../../src/connection/index.js'
import type { ConnectionInfo } from '../../src/platform/messaging/index.js'
import type { SecurityProfile } from '../../src/platform/metadata/index.js'
import { createUser, SYSTEM_ACTOR, Vault, type VaultEnvironment } from '../../src/platform/vault/index.js'
import { createTestDatabase, type TestDatabase } from './databases.js'
import { TEST_PASSWORD_COST } from './password-cost.js'

export const API = '/api/v25.2'
const PASSWORD = 'Correct-Horse-9'

type Json = Record<string, unknown>

/** One vault served on 127.0.0.1 with the connection installed, as `liaison serve` runs it. */
export interface ServedVault {
  readonly vault: Vault
  readonly url: string
  readonly database: TestDatabase
  /** Creates a user of the profile once and answers a session id (cached). */
  login(profile: SecurityProfile): Promise<string>
  /** An API call over HTTP as a user of the profile; JSON bodies as JSON, URLSearchParams as a form. */
  call(profile: SecurityProfile, method: string, path: string, body?: unknown): Promise<Json>
  /** VQL over HTTP as a user of the profile; fails the test on anything but SUCCESS. */
  query(profile: SecurityProfile, q: string): Promise<Json[]>
  /** Stops answering HTTP (the vault and its jobs keep running): the remote vault sees it unreachable. */
  stopServing(): Promise<void>
  /** Answers HTTP again on the same port. */
  serveAgain(): Promise<void>
  close(): Promise<void>
}

export interface ConnectedVaults {
  readonly medical: ServedVault
  readonly crm: ServedVault
  /** The Medical Vault's connection with the CRM, and the CRM's with the Medical Vault. */
  readonly onMedical: ConnectionInfo
  readonly onCrm: ConnectionInfo
  close(): Promise<void>
}

async function serve(
  name: string,
  profile: typeof medicalProfile,
  environment: VaultEnvironment,
  options: ConnectionOptions,
): Promise<ServedVault> {
  const database = await createTestDatabase(name)
  const vault = await Vault.open({
    name,
    profile,
    environment,
    database: database.config,
    keyFile: database.keyFile,
    passwordCost: TEST_PASSWORD_COST,
    burstLimit: 1_000_000,
    jobs: {
      table: { pollIntervalMs: 20, retry: { baseMs: 100, capMs: 400 } },
      graphile: { pollIntervalMs: 200 },
    },
    setup: [(v) => installBehaviours(v, options)],
  })
  let app = await buildApp(vault)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  const sessions = new Map<string, string>()
  const login = async (securityProfile: SecurityProfile): Promise<string> => {
    const known = sessions.get(securityProfile)
    if (known !== undefined) return known
    const username = `${securityProfile.replace(/__\w+$/, '')}@${name}.test`
    await createUser(vault, SYSTEM_ACTOR, {
      username,
      password: PASSWORD,
      securityProfile,
      firstName: 'Test',
      lastName: securityProfile,
    })
    const response = await fetch(`${url}${API}/auth`, {
      method: 'POST',
      body: new URLSearchParams({ username, password: PASSWORD }),
    })
    const body = (await response.json()) as { sessionId?: string }
    if (body.sessionId === undefined) throw new Error(`login failed: ${JSON.stringify(body)}`)
    sessions.set(securityProfile, body.sessionId)
    return body.sessionId
  }
  const call: ServedVault['call'] = async (securityProfile, method, path, body) => {
    const headers: Record<string, string> = { authorization: await login(securityProfile) }
    let payload: string | URLSearchParams | undefined
    if (body instanceof URLSearchParams) payload = body
    else if (body !== undefined) {
      payload = JSON.stringify(body)
      headers['content-type'] = 'application/json'
    }
    const response = await fetch(`${url}${API}${path}`, { method, headers, body: payload })
    return (await response.json()) as Json
  }
  return {
    vault,
    url,
    database,
    login,
    call,
    async query(securityProfile, q) {
      const body = await call(securityProfile, 'POST', '/query', new URLSearchParams({ q }))
      if (body.responseStatus !== 'SUCCESS') throw new Error(`VQL failed: ${JSON.stringify(body)}`)
      return body.data as Json[]
    },
    async stopServing() {
      await app.close()
    },
    async serveAgain() {
      app = await buildApp(vault)
      await app.listen({ port, host: '127.0.0.1' })
    },
    async close() {
      await app.close()
      await vault.close()
      await database.drop()
    },
  }
}

/**
 * A Medical Vault and one CRM, each on its own database of the suite's kind, served over HTTP with
 * the Medical-CRM connection installed (as `liaison serve`), connected as `liaison up` connects them.
 */
export async function startConnectedVaults(
  options: ConnectionOptions & { readonly crmEnvironment?: VaultEnvironment } = {},
): Promise<ConnectedVaults> {
  const { crmEnvironment, ...connectionOptions } = options
  const medical = await serve('medical', medicalProfile, 'production', connectionOptions)
  let crm: ServedVault | undefined
  try {
    crm = await serve('crm-na', crmProfile, crmEnvironment ?? 'production', connectionOptions)
    const { onMedical, onCrm } = await connectServedVaults(medical, crm, { apiName: 'medical_crm__v_crm_na' })
    const both = crm
    return {
      medical,
      crm: both,
      onMedical,
      onCrm,
      async close() {
        await both.close()
        await medical.close()
      },
    }
  } catch (error) {
    await crm?.close()
    await medical.close()
    throw error
  }
}

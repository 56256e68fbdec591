import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/api/index.js'
import type { Clock } from '../../src/platform/clock/index.js'
import type { ProfileDefinition, SecurityProfile } from '../../src/platform/metadata/index.js'
import {
  createUser,
  SYSTEM_ACTOR,
  Vault,
  type VaultConfig,
  type VaultEnvironment,
} from '../../src/platform/vault/index.js'
import { createTestDatabase, type TestDatabase } from './databases.js'
import { TEST_PASSWORD_COST } from './password-cost.js'

export const API = '/api/v25.2'

export interface TestVault {
  readonly vault: Vault
  readonly app: FastifyInstance
  readonly database: TestDatabase
  /** Creates a user with the profile (once per username) and returns a session id. */
  login(profile: SecurityProfile, username?: string): Promise<string>
  /** Calls the API with a session; JSON bodies are sent as JSON, strings as CSV unless a type is given. */
  call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options?: { session?: string; body?: unknown; contentType?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Record<string, unknown>; headers: LightMyRequestResponse['headers'] }>
  close(): Promise<void>
}

/** A vault on a fresh database of the suite's kind, with its API for inject() calls. */
export async function openTestVault(
  profile: ProfileDefinition,
  options: {
    name?: string
    environment?: VaultEnvironment
    clock?: Clock
    burstLimit?: number
    bodyLimitBytes?: number
    documents?: VaultConfig['documents']
  } = {},
): Promise<TestVault> {
  const database = await createTestDatabase(options.name ?? profile.name)
  const vault = await Vault.open({
    name: options.name ?? profile.name,
    profile,
    environment: options.environment ?? 'production',
    database: database.config,
    keyFile: database.keyFile,
    passwordCost: TEST_PASSWORD_COST,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.burstLimit === undefined ? {} : { burstLimit: options.burstLimit }),
    ...(options.documents === undefined ? {} : { documents: options.documents }),
  })
  const app = await buildApp(
    vault,
    options.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: options.bodyLimitBytes },
  )
  const users = new Set<string>()
  const password = 'Correct-Horse-9'
  const call: TestVault['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) }
    if (opts.session !== undefined) headers.authorization = opts.session
    let payload: string | undefined
    if (opts.body !== undefined) {
      if (typeof opts.body === 'string') {
        payload = opts.body
        headers['content-type'] = opts.contentType ?? 'text/csv'
      } else {
        payload = JSON.stringify(opts.body)
        headers['content-type'] = opts.contentType ?? 'application/json'
      }
    }
    const response = await app.inject({
      method,
      url: path,
      headers,
      ...(payload === undefined ? {} : { payload }),
    })
    return {
      status: response.statusCode,
      body: response.json() as Record<string, unknown>,
      headers: response.headers,
    }
  }
  return {
    vault,
    app,
    database,
    call,
    async login(securityProfile, username = `${securityProfile.replace(/__\w+$/, '')}@test.local`) {
      if (!users.has(username)) {
        await createUser(vault, SYSTEM_ACTOR, {
          username,
          password,
          securityProfile,
          firstName: 'Test',
          lastName: securityProfile,
        })
        users.add(username)
      }
      const response = await app.inject({
        method: 'POST',
        url: `${API}/auth`,
        payload: `username=${encodeURIComponent(username)}&password=${encodeURIComponent(password)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      const body = response.json() as { sessionId?: string; errors?: unknown }
      if (body.sessionId === undefined) throw new Error(`login failed: ${JSON.stringify(body)}`)
      return body.sessionId
    },
    async close() {
      await app.close()
      await vault.close()
      await database.drop()
    },
  }
}

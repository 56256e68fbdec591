import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { createUser, SYSTEM_ACTOR, Vault } from '../../src/platform/vault/index.js'
import { createTestDatabase, TEST_DB_KIND, type TestDatabase } from '../support/databases.js'
import { expectEventually } from '../support/expect-eventually.js'
import { TEST_PASSWORD_COST } from '../support/password-cost.js'
import { startTcpCutProxy, type TcpCutProxy } from '../support/tcp-cut-proxy.js'

// PostgreSQL only: a SQLite vault's database is a file of its own process, with no connection to lose.
describe.skipIf(TEST_DB_KIND !== 'postgres')('a vault whose PostgreSQL connection is cut', () => {
  let database: TestDatabase
  let proxy: TcpCutProxy
  let vault: Vault
  let app: Awaited<ReturnType<typeof buildApp>>
  let session: string

  beforeAll(async () => {
    database = await createTestDatabase('outage')
    const target = new URL(database.url)
    proxy = await startTcpCutProxy(target.hostname, Number(target.port || 5432))
    const viaProxy = new URL(database.url)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    vault = await Vault.open({
      name: 'medical',
      profile: medicalProfile,
      environment: 'production',
      database: { kind: 'postgres', url: viaProxy.toString(), poolSize: 3 },
      keyFile: database.keyFile,
      passwordCost: TEST_PASSWORD_COST,
      runJobs: false,
    })
    app = await buildApp(vault)
    await createUser(vault, SYSTEM_ACTOR, {
      username: 'agent@outage.test',
      password: 'Correct-Horse-9',
      securityProfile: 'medical_information_agent__v',
      firstName: 'Out',
      lastName: 'Age',
    })
    const login = await app.inject({
      method: 'POST',
      url: '/api/v25.2/auth',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=agent%40outage.test&password=Correct-Horse-9',
    })
    session = (login.json() as { sessionId: string }).sessionId
  }, 60_000)

  afterAll(async () => {
    await app?.close()
    await vault?.close()
    await proxy?.close()
    await database?.drop()
  })

  const query = () =>
    app.inject({
      method: 'POST',
      url: '/api/v25.2/query',
      headers: {
        authorization: session,
        'x-liaison-http-status': 'true',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'q=SELECT%20id%2C%20name__v%20FROM%20product__v',
    })

  it('B24: answers a Vault error naming the database while it is cut (no hang, no stack), is not ready, and serves again on its own once it is back', {
    timeout: 60_000,
  }, async () => {
    expect((await query()).statusCode).toBe(200)
    proxy.cut()
    const started = performance.now()
    const during = await query()
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(during.statusCode).toBe(503)
    const body = during.json() as { responseStatus: string; errors: { type: string; message: string }[] }
    expect(body.responseStatus).toBe('EXCEPTION')
    expect(body.errors[0]!.type).toBe('UNEXPECTED_ERROR')
    expect(body.errors[0]!.message).toContain('cannot reach its database')
    expect(during.body).not.toMatch(/ECONN|at .*\.js/)
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503)
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
    proxy.restore()
    await expectEventually(async () => expect((await query()).statusCode).toBe(200), { timeoutMs: 20_000 })
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
  })
})

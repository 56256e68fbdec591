import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crmProfile } from '../../src/apps/crm/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import {
  CONNECTION_TOKEN_LIFETIME_MS,
  createPendingConnection,
} from '../../src/connection/handshake/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { type ServedVault, startServedVault } from '../support/served-vaults.js'

type Json = Record<string, unknown>

function errorOf(body: Json): { type?: string; message?: string } | undefined {
  return (body.errors as { type?: string; message?: string }[] | undefined)?.[0]
}

describe('security: connection tokens expire', () => {
  // Both vaults share one clock, so signatures stay inside their window while days pass.
  const clock = new ManualClock(Date.now())
  let medical: ServedVault
  let crm: ServedVault

  beforeAll(async () => {
    medical = await startServedVault('medical-tokens', medicalProfile, { clock })
    crm = await startServedVault('crm-tokens', crmProfile, { clock })
  })

  afterAll(async () => {
    await crm.destroy()
    await medical.destroy()
  })

  const issue = () =>
    createPendingConnection(medical.vault, SYSTEM_ACTOR, { localUrl: medical.url, remoteUrl: crm.url })
  const accept = (token: string) =>
    crm.call('POST', '/services/connections/accept', { connection_token: token })
  const statusOnMedical = async (id: string) => (await medical.vault.messaging.connection(id))?.status

  it('security: an expired connection token is refused', async () => {
    const leaked = await issue()
    clock.advance(CONNECTION_TOKEN_LIFETIME_MS + 1)
    const refused = await accept(leaked.token)
    expect(errorOf(refused)?.type, JSON.stringify(refused)).toBe('OPERATION_NOT_ALLOWED')
    expect(errorOf(refused)?.message).toMatch(/connection token expired at .*new token/)
    expect(await crm.vault.messaging.listConnections()).toEqual([])

    // The file is not signed: moving its expiry on does not help, the issuing vault goes by its record.
    const file = JSON.parse(Buffer.from(leaked.token, 'base64url').toString('utf8')) as Json
    const forged = Buffer.from(
      JSON.stringify({ ...file, expires_date: new Date(clock.now() + 3_600_000).toISOString() }),
    ).toString('base64url')
    const refusedByIssuer = await accept(forged)
    expect(errorOf(refusedByIssuer)?.type, JSON.stringify(refusedByIssuer)).toBe('OPERATION_NOT_ALLOWED')
    expect(errorOf(refusedByIssuer)?.message).toMatch(/connection token expired/)
    expect(await statusOnMedical(leaked.connection.id)).toBe('pending__sys')
    expect(await crm.vault.messaging.listConnections()).toEqual([])

    // A token inside its lifetime still connects.
    const fresh = await issue()
    clock.advance(CONNECTION_TOKEN_LIFETIME_MS - 60_000)
    const accepted = await accept(fresh.token)
    expect(accepted.responseStatus, JSON.stringify(accepted)).toBe('SUCCESS')
    expect(await statusOnMedical(fresh.connection.id)).toBe('active__v')
  })
})

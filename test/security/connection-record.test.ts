import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConnectionInfo } from '../../src/platform/messaging/index.js'
import { sendSigned } from '../../src/platform/messaging/index.js'
import { API, type ConnectedVaults, startConnectedVaults } from '../support/connected-vaults.js'

/**
 * Finding 1: the integration user could edit `connection__sys`, so a connected CRM's signed call
 * could point its connection's user at an admin of the Medical Vault and pass admin-only checks.
 */
type Json = Record<string, unknown>
let v: ConnectedVaults
let adminId: string
let otherId: string

/** A call from the CRM into the Medical Vault, signed with the CRM's key (as its flows call). */
async function signedFromCrm(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<Json> {
  const answer = await sendSigned(v.crm.vault.messaging.signer, v.crm.vault.clock, {
    baseUrl: v.onCrm.remoteUrl,
    recipientVaultId: v.onCrm.remoteVaultId,
    method,
    path: `${API}${path}`,
    ...(body === undefined ? {} : { body }),
  })
  return answer.body
}

function errorType(body: Json): string | undefined {
  const errors = (body.errors ?? (body.data as Json[] | undefined)?.[0]?.errors) as
    | { type: string }[]
    | undefined
  return errors?.[0]?.type
}

async function connectionRow(id: string): Promise<Json> {
  return v.medical.vault.storage.db
    .selectFrom('connection__sys')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

async function customFields(): Promise<string[]> {
  const body = await v.medical.call('admin__sys', 'GET', '/metadata/vobjects/case__v')
  return (body.object as { fields: { name: string }[] }).fields
    .map((f) => f.name)
    .filter((n) => n.endsWith('__c'))
}

beforeAll(async () => {
  v = await startConnectedVaults()
  await v.medical.login('admin__sys')
  const admin = await v.medical.vault.storage.db
    .selectFrom('user__sys')
    .select('id')
    .where('security_profile__sys', '=', 'admin__sys')
    .executeTakeFirstOrThrow()
  adminId = String(admin.id)
  // Another CRM's connection on the same Medical Vault (pending: its token not yet accepted).
  const other = await v.medical.call('admin__sys', 'POST', '/services/connections', {
    api_name__sys: 'medical_crm__v_crm_eu',
  })
  expect(other.responseStatus, JSON.stringify(other)).toBe('SUCCESS')
  otherId = String((other.data as { id: string }).id)
}, 60_000)

afterAll(async () => {
  await v?.close()
})

describe('the connection record', () => {
  it("security: a CRM's signed callback cannot edit its own or another connection record", async () => {
    const own: ConnectionInfo = v.onMedical
    // The signed call itself works (the CRM reads what it may read).
    const query = { q: 'SELECT id FROM case_request__v' }
    expect((await signedFromCrm('POST', '/query', query)).responseStatus).toBe('SUCCESS')
    for (const id of [own.id, otherId]) {
      const before = await connectionRow(id)
      for (const values of [
        { authorized_connection_user__sys: adminId },
        { description__sys: 'Hijacked' },
        { status__v: 'inactive__v' },
      ]) {
        const body = await signedFromCrm('PUT', '/vobjects/connection__sys', [{ id, ...values }])
        expect(body.responseStatus, JSON.stringify(body)).not.toBe('SUCCESS')
        expect(errorType(body)).toBe('INSUFFICIENT_ACCESS')
      }
      expect(await connectionRow(id)).toEqual(before)
    }
    // Nor may a person point a connection at another user: only the handshake sets it.
    const byAdmin = await v.medical.call('admin__sys', 'PUT', '/vobjects/connection__sys', [
      { id: own.id, authorized_connection_user__sys: adminId },
    ])
    expect(errorType(byAdmin)).toBe('OPERATION_NOT_ALLOWED')
    expect((await connectionRow(own.id)).authorized_connection_user__sys).toBe(own.localIntegrationUserId)
  })

  it('security: an integration user never passes admin-only checks', async () => {
    const field = { name: 'backdoor__c', label: 'Backdoor', type: 'String' }
    const refused = await signedFromCrm('POST', '/metadata/vobjects/case__v/fields', field)
    expect(errorType(refused)).toBe('INSUFFICIENT_ACCESS')
    const users = await signedFromCrm('POST', '/vobjects/user__sys', [{ username__sys: 'evil@medical.test' }])
    expect(users.responseStatus).not.toBe('SUCCESS')
    const connection = await signedFromCrm('POST', '/services/connections', { api_name__sys: 'evil__c' })
    expect(errorType(connection)).toBe('INSUFFICIENT_ACCESS')

    // Even if the record named an admin (written past every guard), the signed call is no admin.
    await v.medical.vault.storage.db
      .updateTable('connection__sys')
      .set({ authorized_connection_user__sys: adminId })
      .where('id', '=', v.onMedical.id)
      .execute()
    try {
      const asAdmin = await signedFromCrm('POST', '/metadata/vobjects/case__v/fields', field)
      expect(asAdmin.responseStatus).not.toBe('SUCCESS')
      expect(errorType(asAdmin)).toBe('INVALID_SESSION_ID')
    } finally {
      await v.medical.vault.storage.db
        .updateTable('connection__sys')
        .set({ authorized_connection_user__sys: v.onMedical.localIntegrationUserId })
        .where('id', '=', v.onMedical.id)
        .execute()
    }
    expect(await customFields()).toEqual([])
    const query = { q: 'SELECT id FROM case_request__v' }
    expect((await signedFromCrm('POST', '/query', query)).responseStatus).toBe('SUCCESS')
  })
})

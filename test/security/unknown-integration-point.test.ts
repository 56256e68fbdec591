// Finding 9 (low): an inbound message for an unknown integration point was retried 12 times.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendSigned, type WireMessage } from '../../src/platform/messaging/index.js'
import { API, type ConnectedVaults, startConnectedVaults } from '../support/connected-vaults.js'
import { expectEventually } from '../support/expect-eventually.js'

type Json = Record<string, unknown>

function errorOf(body: Json): { type?: string; message?: string } | undefined {
  return (body.errors as { type?: string; message?: string }[] | undefined)?.[0]
}

describe('security: a message for an integration point the receiver does not have fails at once', () => {
  let v: ConnectedVaults
  const POINT = 'no_such_point__c'

  beforeAll(async () => {
    v = await startConnectedVaults()
  })

  afterAll(async () => {
    await v.close()
  })

  it('security: the receiver refuses it with INTEGRATION_POINT_UNKNOWN (not retryable) and stores nothing', async () => {
    const messageId = randomUUID()
    const wire: WireMessage = {
      message_id: messageId,
      vault_id: String(v.crm.vault.id),
      vault_name: v.crm.vault.name,
      integration_point: POINT,
      ordering_key: 'k',
      enter_queue_timestamp: '',
      send_message_timestamp: new Date().toISOString(),
      send_attempt: 1,
      message: { items: ['V0A000000000001'], attributes: {} },
    }
    const answer = await sendSigned(v.crm.vault.messaging.signer, v.crm.vault.clock, {
      baseUrl: v.onCrm.remoteUrl,
      recipientVaultId: v.onCrm.remoteVaultId,
      method: 'POST',
      path: `${API}/services/connections/inbound`,
      body: wire,
      headers: { 'x-liaison-http-status': 'true' },
    })
    expect(answer.status).toBe(404)
    expect(errorOf(answer.body)?.type).toBe('OPERATION_NOT_ALLOWED')
    expect(errorOf(answer.body)?.message).toContain(`no inbound integration point ${POINT}`)
    const stored = await v.medical.vault.storage.db
      .selectFrom('inbound_message')
      .select('message_id')
      .where('message_id', '=', messageId)
      .execute()
    expect(stored).toEqual([])
  })

  it('security: the sender marks its message dead after one attempt, with a User Exception Message giving the reason', async () => {
    const id = await v.crm.vault.storage.db.transaction().execute((trx) =>
      v.crm.vault.messaging.enqueueOutbound(trx, {
        connectionId: v.onCrm.id,
        integrationPoint: POINT,
        items: ['V0A000000000002'],
      }),
    )
    await expectEventually(
      async () => {
        const message = await v.crm.vault.messaging.outboundMessage(id)
        expect(message?.state).toBe('dead')
      },
      { timeoutMs: 20_000 },
    )
    const message = await v.crm.vault.messaging.outboundMessage(id)
    expect(message?.attempts).toBe(1)
    expect(message?.lastErrorCode).toBe('OPERATION_NOT_ALLOWED')
    const exception = await v.crm.vault.storage.db
      .selectFrom('exception_message__sys')
      .selectAll()
      .where('message_id__sys', '=', id)
      .executeTakeFirstOrThrow()
    expect(String(exception.error_message__sys)).toContain(`no inbound integration point ${POINT}`)
  })
})

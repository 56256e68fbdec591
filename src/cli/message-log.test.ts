import { Writable } from 'node:stream'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../test/support/test-vault.js'
import { crmProfile } from '../apps/crm/index.js'
import type { InboundMessage, OutboundMessage } from '../platform/messaging/index.js'
import { SYSTEM_ACTOR } from '../platform/vault/index.js'
import { logMessageLife } from './message-log.js'

let t: TestVault
let connectionId: string
const lines: Record<string, unknown>[] = []

beforeAll(async () => {
  t = await openTestVault(crmProfile)
  const [connection] = await t.vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
    { name__v: 'medical', api_name__sys: 'medical_crm__v', connection_type__sys: 'vault_to_vault__sys' },
  ])
  connectionId = connection!.id!
})

afterAll(async () => {
  await t.close()
})

describe('the log of a message’s life', () => {
  it('one JSON line per step with the message id, connection and integration point, never the record ids', async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    const stop = logMessageLife(t.vault, pino({}, stream))
    // The connection's name is looked up once; let that settle so every line names it.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const outbound: OutboundMessage = {
      id: 'msg-1',
      connectionId,
      integrationPoint: 'medical_inquiry_outbound__v',
      orderingKey: 'k',
      items: ['0MI000000000001', '0MI000000000002'],
      attributes: {},
      state: 'pending',
      attempts: 1,
      lastError: null,
      lastErrorCode: null,
      createdDate: '2026-12-02T08:00:00.000Z',
      deliveredDate: null,
    }
    const events = t.vault.messaging.events
    events.emit('delivery:attempt', {
      message: outbound,
      attempt: 1,
      error: { code: 'STORAGE_BUSY', message: 'busy', retry: true },
    })
    events.emit('delivery:delivered', { message: { ...outbound, state: 'delivered', attempts: 2 } })
    const inbound = { ...outbound, state: 'received' } as unknown as InboundMessage
    events.emit('inbound:received', { message: inbound, duplicate: false })
    events.emit('inbound:failed', {
      message: inbound,
      messageId: 'msg-1',
      error: { code: 'INVALID_DATA', message: 'bad' },
      exceptionId: 'EX1',
    })
    stop()
    events.emit('inbound:processed', { message: inbound })
    expect(lines.map((l) => l.msg)).toEqual([
      'delivery attempt 1 failed',
      'message delivered',
      'message received',
      'message failed: not processed; a User Exception Message records it',
    ])
    for (const line of lines)
      expect(line).toMatchObject({
        messageId: 'msg-1',
        connection: 'medical_crm__v',
        integrationPoint: 'medical_inquiry_outbound__v',
        items: 2,
      })
    expect(JSON.stringify(lines)).not.toContain('0MI000000000001')
    expect(lines[3]).toMatchObject({ level: 50, code: 'INVALID_DATA', exceptionId: 'EX1' })
  })
})

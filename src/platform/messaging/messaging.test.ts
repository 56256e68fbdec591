import { createServer } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js'
import { expectEventually } from '../../../test/support/expect-eventually.js'
import { crmProfile } from '../../apps/crm/index.js'
import { isLiaisonError, LiaisonError } from '../errors/index.js'
import { SYSTEM_ACTOR, Vault } from '../vault/index.js'
import { MESSAGE_ITEMS_MAX } from './defaults.js'
import { parseAttributes, parseItems, parseWireMessage } from './message-codec.js'
import type { MessagingEventMap } from './messaging-events.js'

/** A port nothing listens on: every delivery to it fails at transport level. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise<void>((done) => server.close(() => done()))
  return port
}

function codeOf(error: unknown): string {
  return isLiaisonError(error) ? error.code : String(error)
}

describe('message codec', () => {
  it('keeps item order, drops repeats, and refuses more than 500 items', () => {
    expect(parseItems(['b', 'a', 'b'])).toEqual(['b', 'a'])
    expect(() => parseItems([])).toThrow(LiaisonError)
    const tooMany = Array.from({ length: MESSAGE_ITEMS_MAX + 1 }, (_, i) => `id${i}`)
    expect(codeOf(catchError(() => parseItems(tooMany)))).toBe('TOO_MANY_RECORDS')
    expect(parseItems(tooMany.slice(0, MESSAGE_ITEMS_MAX))).toHaveLength(MESSAGE_ITEMS_MAX)
  })

  it('accepts small flat attributes only', () => {
    expect(parseAttributes({ a: 1, b: 'x', c: null, d: true })).toEqual({ a: 1, b: 'x', c: null, d: true })
    expect(codeOf(catchError(() => parseAttributes({ nested: { a: 1 } })))).toBe('FIELD_TYPE')
    expect(codeOf(catchError(() => parseAttributes({ big: 'x'.repeat(5000) })))).toBe('FIELD_TOO_LONG')
  })

  it('reads any posted body without crashing: a message, or BODY_MALFORMED (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseWireMessage(value)
        } catch (error) {
          expect(codeOf(error)).toBe('BODY_MALFORMED')
        }
      }),
      { numRuns: 500 },
    )
  })
})

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('the outbound queue of one vault', () => {
  let database: TestDatabase
  let vault: Vault
  let connectionId: string
  const dead: MessagingEventMap['delivery:dead'][] = []
  const attempts: MessagingEventMap['delivery:attempt'][] = []

  beforeAll(async () => {
    database = await createTestDatabase('outbox')
    vault = await Vault.open({
      name: 'crm-outbox',
      profile: crmProfile,
      environment: 'production',
      database: database.config,
      keyFile: database.keyFile,
      // The embedded runner on both databases, with a fast back-off, so 12 attempts take a moment.
      jobs: { engine: 'table', table: { pollIntervalMs: 10, retry: { baseMs: 5, capMs: 20 } } },
    })
    vault.messaging.events.on('delivery:dead', (e) => dead.push(e))
    vault.messaging.events.on('delivery:attempt', (e) => attempts.push(e))
    const [created] = await vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
      {
        name__v: 'Unreachable Medical',
        api_name__sys: 'medical_crm__v',
        connection_type__sys: 'vault_to_vault__sys',
        status__v: 'active__v',
        remote_vault_id__sys: '424242',
        remote_vault_url__sys: `http://127.0.0.1:${await closedPort()}`,
        remote_vault_name__sys: 'medical',
        remote_environment__sys: 'production__sys',
      },
    ])
    connectionId = created!.id!
  })

  afterAll(async () => {
    await vault.close()
    await database.drop()
  })

  it('writes a message and its delivery job only when the transaction commits (transactional outbox)', async () => {
    await vault.messaging.setDelivery('medical_crm__v_outbound_queue', false, SYSTEM_ACTOR)
    const before = await vault.jobs.pending()
    let rolledBack: string | undefined
    await vault.storage.db
      .transaction()
      .execute(async (trx) => {
        rolledBack = await vault.messaging.enqueueOutbound(trx, {
          connectionId,
          integrationPoint: 'test__c',
          items: ['A1'],
        })
        throw new Error('the business change failed')
      })
      .catch(() => {})
    expect(rolledBack).toBeDefined()
    expect(await vault.messaging.outboundMessage(rolledBack!)).toBeUndefined()
    expect(await vault.jobs.pending()).toBe(before)
    const kept = await vault.storage.db
      .transaction()
      .execute((trx) =>
        vault.messaging.enqueueOutbound(trx, { connectionId, integrationPoint: 'test__c', items: ['A2'] }),
      )
    expect(await vault.messaging.outboundMessage(kept)).toMatchObject({
      state: 'pending',
      items: ['A2'],
      orderingKey: 'A2',
    })
    const detail = await vault.messaging.queue('medical_crm__v_outbound_queue')
    expect(detail).toMatchObject({ delivery: 'disabled', messages_in_queue: 1 })
  })

  it('B1: refuses to queue through a connection that is not active', async () => {
    await vault.records.update(SYSTEM_ACTOR, 'connection__sys', [
      { id: connectionId, status__v: 'inactive__v' },
    ])
    const outcome = await vault.storage.db
      .transaction()
      .execute((trx) =>
        vault.messaging.enqueueOutbound(trx, { connectionId, integrationPoint: 'test__c', items: ['A3'] }),
      )
      .then(() => 'queued', codeOf)
    expect(outcome).toBe('OPERATION_NOT_ALLOWED')
    await vault.records.update(SYSTEM_ACTOR, 'connection__sys', [
      { id: connectionId, status__v: 'active__v' },
    ])
  })

  it('B24: after 12 failed attempts a message is dead and raises a User Exception Message with its items', async () => {
    await vault.messaging.setDelivery('medical_crm__v_outbound_queue', true, SYSTEM_ACTOR)
    const id = await vault.storage.db.transaction().execute((trx) =>
      vault.messaging.enqueueOutbound(trx, {
        connectionId,
        integrationPoint: 'test__c',
        items: ['B1', 'B2', 'B3'],
        orderingKey: 'B',
        attributes: { event: 'created' },
      }),
    )
    await expectEventually(() => expect(dead.map((d) => d.message.id)).toContain(id), { timeoutMs: 30_000 })
    const message = await vault.messaging.outboundMessage(id)
    expect(message).toMatchObject({ state: 'dead', attempts: 12, lastErrorCode: 'INTERNAL' })
    expect(attempts.filter((a) => a.message.id === id && a.error?.retry === true)).toHaveLength(12)
    const exceptionId = dead.find((d) => d.message.id === id)!.exceptionId
    const exception = await vault.records.getRecord(SYSTEM_ACTOR, 'exception_message__sys', exceptionId)
    expect(exception).toMatchObject({
      connection__sys: connectionId,
      message_id__sys: id,
      message_items_received__sys: 3,
      message_items_failed__sys: 3,
      state__v: 'open__sys',
    })
    expect(JSON.parse(String(exception.message_body_json__sys))).toEqual({
      kind: 'outbound',
      messageId: id,
      connectionId,
      integrationPoint: 'test__c',
      orderingKey: 'B',
      items: ['B1', 'B2', 'B3'],
      attributes: { event: 'created' },
    })
    const items = await vault.storage.db
      .selectFrom('exception_item__sys')
      .select(['item_key__sys', 'error_status__sys'])
      .where('exception_message__sys', '=', exceptionId)
      .orderBy('item_key__sys')
      .execute()
    expect(items).toEqual([
      { item_key__sys: 'B1', error_status__sys: 'failure__sys' },
      { item_key__sys: 'B2', error_status__sys: 'failure__sys' },
      { item_key__sys: 'B3', error_status__sys: 'failure__sys' },
    ])
    const queue = await vault.messaging.queue('medical_crm__v_outbound_queue')
    expect(queue.messages_failed).toBeGreaterThanOrEqual(1)
    expect(queue.connections[0]!.last_message_delivered).toBe('error')
  }, 60_000)
})

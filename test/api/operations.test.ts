import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/api/index.js'
import { medicalProfile } from '../../src/apps/medical/index.js'
import { ManualClock } from '../../src/platform/clock/index.js'
import { LATEST_SCHEMA_VERSION } from '../../src/platform/storage/index.js'
import { SYSTEM_ACTOR } from '../../src/platform/vault/index.js'
import { openTestVault, type TestVault } from '../support/test-vault.js'

let t: TestVault
const clock = new ManualClock(Date.parse('2026-12-02T08:00:00.000Z'))

beforeAll(async () => {
  t = await openTestVault(medicalProfile, { clock })
})

afterAll(async () => {
  await t.close()
})

async function scrape(authorization?: string) {
  const response = await t.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: authorization === undefined ? {} : { authorization },
  })
  return { status: response.statusCode, text: response.body, type: response.headers['content-type'] }
}

/** The value of one series in Prometheus text, by its name and labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const body = line.slice(name.length + 1, line.lastIndexOf('}'))
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('operations: health, readiness and metrics for load balancers and monitoring', () => {
  it('GET /health answers without a session while the process runs', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ responseStatus: 'SUCCESS', status: 'alive' })
  })

  it('GET /ready answers 200 with the schema version once the database answers and is migrated', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/ready' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      responseStatus: 'SUCCESS',
      status: 'ready',
      schema_version: LATEST_SCHEMA_VERSION,
    })
  })

  it('GET /ready answers 503 VAULT_NOT_READY naming the versions while migrations are not done', async () => {
    const db = t.vault.storage.db
    const latest = await db
      .selectFrom('liaison_migration')
      .selectAll()
      .where('version', '=', LATEST_SCHEMA_VERSION)
      .executeTakeFirstOrThrow()
    await db.deleteFrom('liaison_migration').where('version', '=', LATEST_SCHEMA_VERSION).execute()
    try {
      const response = await t.app.inject({ method: 'GET', url: '/ready' })
      expect(response.statusCode).toBe(503)
      const body = response.json() as { responseStatus: string; errors: { type: string; message: string }[] }
      expect(body.responseStatus).toBe('EXCEPTION')
      expect(body.errors[0]!.type).toBe('UNEXPECTED_ERROR')
      expect(body.errors[0]!.message).toContain(`schema version ${LATEST_SCHEMA_VERSION - 1}`)
      expect(body.errors[0]!.message).toContain(`needs ${LATEST_SCHEMA_VERSION}`)
    } finally {
      await db.insertInto('liaison_migration').values(latest).execute()
    }
  })

  it('GET /metrics needs the metrics token or an admin session, and never a person other than an admin', async () => {
    const anonymous = await scrape()
    expect(JSON.parse(anonymous.text).errors?.[0].type, anonymous.text).toBe('INVALID_SESSION_ID')
    const rep = await t.login('medical_information_agent__v', 'agent@metrics.test')
    expect(JSON.parse((await scrape(rep)).text).errors[0].type).toBe('INSUFFICIENT_ACCESS')
    const admin = await t.login('admin__sys')
    const answer = await scrape(admin)
    expect(answer.status).toBe(200)
    expect(answer.type).toContain('text/plain')
    const withToken = await buildApp(t.vault, { metricsToken: 's3cret-scraper-token' })
    try {
      const ok = await withToken.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer s3cret-scraper-token' },
      })
      expect(ok.statusCode).toBe(200)
      expect(ok.body).toContain('liaison_queue_waiting_messages')
      const wrong = await withToken.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer s3cret-scraper-tokem' },
      })
      expect(JSON.parse(wrong.body).errors[0].type).toBe('INVALID_SESSION_ID')
    } finally {
      await withToken.close()
    }
  })

  it('GET /metrics: HTTP latency per route pattern, and what waits in each queue with the age of the oldest', async () => {
    const admin = await t.login('admin__sys')
    await t.call('GET', '/api/v25.2/vobjects/product__v/0PR000000000999', { session: admin })
    const [connection] = await t.vault.records.create(SYSTEM_ACTOR, 'connection__sys', [
      {
        name__v: 'crm-metrics',
        api_name__sys: 'crm_metrics',
        connection_type__sys: 'vault_to_vault__sys',
        status__v: 'active__v',
      },
    ])
    await t.vault.messaging.setDelivery('crm_metrics_outbound_queue', false, SYSTEM_ACTOR)
    for (const item of ['a', 'b'])
      await t.vault.storage.db.transaction().execute((trx) =>
        t.vault.messaging.enqueueOutbound(trx, {
          connectionId: connection!.id!,
          integrationPoint: 'case_request_outbound__v',
          items: [item],
          orderingKey: `metrics:${item}`,
        }),
      )
    clock.advance(90_000)
    const { text } = await scrape(admin)
    expect(
      sample(text, 'liaison_http_request_duration_seconds_count', {
        route: '/api/:version/vobjects/:object/:id',
        method: 'GET',
      }),
    ).toBeGreaterThanOrEqual(1)
    const labels = {
      connection: 'crm_metrics',
      queue: 'outbound',
      integration_point: 'case_request_outbound__v',
    }
    expect(sample(text, 'liaison_queue_waiting_messages', labels)).toBe(2)
    expect(sample(text, 'liaison_queue_oldest_waiting_seconds', labels)).toBeGreaterThanOrEqual(90)
    expect(sample(text, 'liaison_queue_failed_messages', labels)).toBe(0)
    expect(text).toContain('liaison_process_resident_memory_bytes')
  })
})

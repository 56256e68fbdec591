import type { FastifyInstance } from 'fastify'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Vault } from '../platform/vault/index.js'

export interface VaultMetrics {
  readonly registry: Registry
  /** Reads the vault-wide gauges from the database; call before each scrape. */
  readVault(): Promise<void>
}

/** Seconds; from a fast cached read to a slow bulk write or a retried delivery. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const DELIVERY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800]

/**
 * The Prometheus metrics of one vault's process (`GET /metrics`). What this process did (HTTP
 * requests, deliveries, failures) is counted as it happens; what the vault holds (queue depths, the
 * oldest waiting message, dead messages, open User Exception Messages) is read from the database at
 * each scrape (`readVault`), so every process of a vault reports the same values for those.
 */
export function vaultMetrics(app: FastifyInstance, vault: Vault): VaultMetrics {
  const registry = new Registry()
  registry.setDefaultLabels({ vault: vault.name })
  collectDefaultMetrics({ register: registry, prefix: 'liaison_' })

  const http = new Histogram({
    name: 'liaison_http_request_duration_seconds',
    help: 'HTTP requests by method, route (its pattern, not the URL) and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  })
  app.addHook('onResponse', async (request, reply) => {
    // Requests no route answers share one label, so a scan of random URLs cannot grow the series.
    const route = request.routeOptions.url ?? 'unmatched'
    http.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    )
  })

  const connectionNames = new Map<string, string>()
  const connectionName = (id: string) => connectionNames.get(id) ?? id
  const delivery = new Histogram({
    name: 'liaison_message_delivery_seconds',
    help: 'From queuing an outbound message to the other vault accepting it, delivered by this process.',
    labelNames: ['connection', 'integration_point'],
    buckets: DELIVERY_BUCKETS,
    registers: [registry],
  })
  const attemptsFailed = new Counter({
    name: 'liaison_message_delivery_failures_total',
    help: 'Delivery attempts of this process that failed (each retry counts).',
    labelNames: ['connection', 'integration_point', 'code'],
    registers: [registry],
  })
  const died = new Counter({
    name: 'liaison_messages_dead_total',
    help: 'Messages this process gave up on (outbound dead, inbound failed); each has a User Exception Message.',
    labelNames: ['connection', 'integration_point', 'queue'],
    registers: [registry],
  })
  const events = vault.messaging.events
  events.on('delivery:delivered', ({ message }) => {
    const seconds = (Date.now() - Date.parse(message.createdDate)) / 1000
    delivery.observe(
      { connection: connectionName(message.connectionId), integration_point: message.integrationPoint },
      Math.max(0, seconds),
    )
  })
  events.on('delivery:attempt', ({ message, error }) => {
    if (error === undefined) return
    attemptsFailed.inc({
      connection: connectionName(message.connectionId),
      integration_point: message.integrationPoint,
      code: error.code,
    })
  })
  events.on('delivery:dead', ({ message }) => {
    died.inc({
      connection: connectionName(message.connectionId),
      integration_point: message.integrationPoint,
      queue: 'outbound',
    })
  })
  events.on('inbound:failed', ({ message }) => {
    died.inc({
      connection: message === undefined ? 'unknown' : connectionName(message.connectionId),
      integration_point: message?.integrationPoint ?? 'unknown',
      queue: 'inbound',
    })
  })

  const queueLabels = ['connection', 'queue', 'integration_point'] as const
  const waiting = new Gauge({
    name: 'liaison_queue_waiting_messages',
    help: 'Messages waiting to be delivered (outbound) or processed (inbound), per connection and integration point.',
    labelNames: queueLabels,
    registers: [registry],
  })
  const oldest = new Gauge({
    name: 'liaison_queue_oldest_waiting_seconds',
    help: 'Age of the oldest waiting message, per connection and integration point (0 when none waits).',
    labelNames: queueLabels,
    registers: [registry],
  })
  const failed = new Gauge({
    name: 'liaison_queue_failed_messages',
    help: 'Dead (outbound) or failed (inbound) messages the vault holds, per connection and integration point.',
    labelNames: queueLabels,
    registers: [registry],
  })
  const exceptions = new Gauge({
    name: 'liaison_user_exception_messages_open',
    help: 'User Exception Messages not yet resolved (open or reprocessing), per connection.',
    labelNames: ['connection'],
    registers: [registry],
  })
  const pool = new Gauge({
    name: 'liaison_db_pool_connections',
    help: 'The PostgreSQL pool of this process: max, open, idle, and requests waiting for a connection.',
    labelNames: ['state'],
    registers: [registry],
  })

  /** One read of the database per scrape, for all the vault-wide gauges. */
  const readVault = async (): Promise<void> => {
    const connections = await vault.messaging.listConnections()
    for (const c of connections) connectionNames.set(c.id, c.apiName)
    const statistics = await vault.messaging.queueStatistics()
    waiting.reset()
    oldest.reset()
    failed.reset()
    const now = vault.clock.now()
    for (const s of statistics) {
      const labels = { connection: s.connection, queue: s.type, integration_point: s.integrationPoint }
      waiting.set(labels, s.waiting)
      oldest.set(
        labels,
        s.oldestWaitingDate === null ? 0 : Math.max(0, (now - Date.parse(s.oldestWaitingDate)) / 1000),
      )
      failed.set(labels, s.failed)
    }
    const open = await vault.storage.db
      .selectFrom('exception_message__sys')
      .select((eb) => ['connection__sys', eb.fn.countAll<number>().as('n')])
      .where('state__v', 'in', ['open__sys', 'reprocessing__sys'])
      .groupBy('connection__sys')
      .execute()
    exceptions.reset()
    for (const row of open)
      exceptions.set({ connection: connectionName(String(row.connection__sys ?? 'none')) }, Number(row.n))
    const usage = vault.storage.poolUsage?.()
    if (usage !== undefined) for (const [state, value] of Object.entries(usage)) pool.set({ state }, value)
  }
  return { registry, readVault }
}

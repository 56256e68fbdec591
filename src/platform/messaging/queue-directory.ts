import type { Kysely, Transaction } from 'kysely'
import { type Clock, isoTimestamp } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import { listConnectionRows } from './connection-directory.js'
import type { ConnectionInfo } from './messaging-types.js'

export const QUEUE_TYPES = ['outbound', 'inbound'] as const
export type QueueType = (typeof QUEUE_TYPES)[number]

/** One row of `GET /services/queues`. */
export interface QueueSummary {
  readonly name: string
  readonly type: QueueType
  /** `active__v` while the connection is active. */
  readonly status: 'active__v' | 'inactive__v'
  readonly connection: string
  /** Outbound queues only. */
  readonly delivery?: 'enabled' | 'disabled'
}

/** `GET /services/queues/{name}`, after Vault's Queue Status. */
export interface QueueDetail extends QueueSummary {
  /** Messages still to deliver (outbound) or to process (inbound). */
  readonly messages_in_queue: number
  /** Dead (outbound) or failed (inbound) messages, each with a User Exception Message. */
  readonly messages_failed: number
  readonly connections: readonly {
    readonly name: string
    readonly remote_vault_name: string
    readonly remote_vault_id: string
    /** How the last message fared: `ok`, `error`, or null before the first one. */
    readonly last_message_delivered: 'ok' | 'error' | null
    readonly last_delivered_date: string | null
    readonly error: {
      readonly message_id: string
      readonly date_time: string
      readonly message: string
    } | null
  }[]
}

/** What waits in one queue for one integration point, for monitoring (`GET /metrics`). */
export interface QueuePointStatistics {
  readonly connection: string
  readonly type: QueueType
  readonly integrationPoint: string
  /** Messages still to deliver (outbound) or to process (inbound). */
  readonly waiting: number
  /** When the oldest of them was queued; null when none waits. */
  readonly oldestWaitingDate: string | null
  /** Dead (outbound) or failed (inbound) messages. */
  readonly failed: number
}

/** Queue names: one outbound and one inbound queue per connection (B4: each CRM has its own). */
export function queueName(connection: Pick<ConnectionInfo, 'apiName'>, type: QueueType): string {
  return `${connection.apiName}_${type}_queue`
}

/** Reads queue state for the queue endpoints and keeps the delivery switch of outbound queues. */
export class QueueDirectory {
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock

  constructor(db: Kysely<VaultDb>, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async list(): Promise<QueueSummary[]> {
    const paused = await this.#pausedConnections()
    return (await listConnectionRows(this.#db)).flatMap((c) =>
      QUEUE_TYPES.map((type) => summaryOf(c, type, paused.has(c.id))),
    )
  }

  /** The connection and type a queue name stands for, or URL_MALFORMED naming the known queues. */
  async resolve(name: string): Promise<{ connection: ConnectionInfo; type: QueueType }> {
    const connections = await listConnectionRows(this.#db)
    for (const connection of connections)
      for (const type of QUEUE_TYPES) if (queueName(connection, type) === name) return { connection, type }
    const known = connections.flatMap((c) => QUEUE_TYPES.map((t) => queueName(c, t)))
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `No queue is named ${name}${known.length > 0 ? `; the queues are ${known.join(', ')}` : '; this vault has no connections yet'}.`,
    )
  }

  async detail(name: string): Promise<QueueDetail> {
    const { connection, type } = await this.resolve(name)
    const paused = await this.isPaused(connection.id)
    const table = type === 'outbound' ? 'outbound_message' : 'inbound_message'
    const idColumn = type === 'outbound' ? 'id' : 'message_id'
    const waiting = type === 'outbound' ? 'pending' : 'received'
    const doneState = type === 'outbound' ? 'delivered' : 'processed'
    const doneDate = type === 'outbound' ? 'delivered_date' : 'processed_date'
    const failedState = type === 'outbound' ? 'dead' : 'failed'
    const counts = await this.#db
      .selectFrom(table)
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('connection_id', '=', connection.id)
      .groupBy('state')
      .execute()
    const count = (state: string) => Number(counts.find((c) => c.state === state)?.n ?? 0)
    const lastDone = await this.#db
      .selectFrom(table)
      .select([doneDate])
      .where('connection_id', '=', connection.id)
      .where('state', '=', doneState)
      .orderBy(doneDate, 'desc')
      .limit(1)
      .executeTakeFirst()
    const lastError = await this.#db
      .selectFrom(table)
      .select([idColumn, 'last_attempt_date', 'last_error'])
      .where('connection_id', '=', connection.id)
      .where('last_error', 'is not', null)
      .where('state', 'in', [waiting, failedState])
      .orderBy('last_attempt_date', 'desc')
      .limit(1)
      .executeTakeFirst()
    const doneAt = lastDone === undefined ? null : String(lastDone[doneDate])
    const errorAt = lastError === undefined ? null : String(lastError.last_attempt_date ?? '')
    const lastOutcome: 'ok' | 'error' | null =
      errorAt !== null && (doneAt === null || errorAt > doneAt) ? 'error' : doneAt !== null ? 'ok' : null
    return {
      ...summaryOf(connection, type, paused),
      messages_in_queue: count(waiting),
      messages_failed: count(failedState),
      connections: [
        {
          name: connection.apiName,
          remote_vault_name: connection.remoteName,
          remote_vault_id: connection.remoteVaultId,
          last_message_delivered: lastOutcome,
          last_delivered_date: doneAt,
          error:
            lastOutcome === 'error' && lastError !== undefined
              ? {
                  message_id: String(lastError[idColumn]),
                  date_time: errorAt ?? '',
                  message: String(lastError.last_error),
                }
              : null,
        },
      ],
    }
  }

  /** Per connection, queue and integration point: waiting messages, the oldest one's date, failed ones. */
  async statistics(): Promise<QueuePointStatistics[]> {
    const names = new Map((await listConnectionRows(this.#db)).map((c) => [c.id, c.apiName]))
    const result: QueuePointStatistics[] = []
    for (const type of QUEUE_TYPES) {
      const table = type === 'outbound' ? 'outbound_message' : 'inbound_message'
      const waiting = type === 'outbound' ? 'pending' : 'received'
      const failed = type === 'outbound' ? 'dead' : 'failed'
      const dateColumn = type === 'outbound' ? 'created_date' : 'received_date'
      const rows = await this.#db
        .selectFrom(table)
        .select((eb) => [
          'connection_id',
          'integration_point',
          'state',
          eb.fn.countAll<number>().as('n'),
          eb.fn.min(dateColumn).as('oldest'),
        ])
        .where('state', 'in', [waiting, failed])
        .groupBy(['connection_id', 'integration_point', 'state'])
        .execute()
      const byPoint = new Map<
        string,
        { connection: string; point: string; waiting: number; oldest: string | null; failed: number }
      >()
      for (const row of rows) {
        const connection = names.get(String(row.connection_id)) ?? String(row.connection_id)
        const key = `${connection} ${String(row.integration_point)}`
        const entry = byPoint.get(key) ?? {
          connection,
          point: String(row.integration_point),
          waiting: 0,
          oldest: null,
          failed: 0,
        }
        if (row.state === waiting) {
          entry.waiting = Number(row.n)
          entry.oldest = row.oldest === null ? null : String(row.oldest)
        } else entry.failed = Number(row.n)
        byPoint.set(key, entry)
      }
      for (const e of byPoint.values())
        result.push({
          connection: e.connection,
          type,
          integrationPoint: e.point,
          waiting: e.waiting,
          oldestWaitingDate: e.oldest,
          failed: e.failed,
        })
    }
    return result
  }

  async isPaused(connectionId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('outbound_delivery_pause')
      .select('connection_id')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst()
    return row !== undefined
  }

  async pause(connectionId: string, userId: string): Promise<void> {
    await this.#db
      .insertInto('outbound_delivery_pause')
      .values({ connection_id: connectionId, paused_date: isoTimestamp(this.#clock), paused_by: userId })
      .onConflict((oc) => oc.column('connection_id').doNothing())
      .execute()
  }

  /** Removes the pause; true when there was one. */
  async resume(trx: Transaction<VaultDb>, connectionId: string): Promise<boolean> {
    const result = await trx
      .deleteFrom('outbound_delivery_pause')
      .where('connection_id', '=', connectionId)
      .executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async #pausedConnections(): Promise<Set<string>> {
    const rows = await this.#db.selectFrom('outbound_delivery_pause').select('connection_id').execute()
    return new Set(rows.map((r) => String(r.connection_id)))
  }
}

function summaryOf(connection: ConnectionInfo, type: QueueType, paused: boolean): QueueSummary {
  return {
    name: queueName(connection, type),
    type,
    status: connection.status === 'active__v' ? 'active__v' : 'inactive__v',
    connection: connection.apiName,
    ...(type === 'outbound' ? { delivery: paused ? ('disabled' as const) : ('enabled' as const) } : {}),
  }
}

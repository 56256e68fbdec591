import { createHash } from 'node:crypto'
import type { Kysely, Selectable, Transaction } from 'kysely'
import { ERROR_CODES, type ErrorCode, isLiaisonError, LiaisonError } from '../errors/index.js'
import type { JobContext, JobQueue, JobTask } from '../jobs/index.js'
import type { VaultDb } from '../storage/index.js'

/**
 * Per-key order (messages with one ordering key are delivered, and processed, one at a time in
 * the order they were enqueued): a job queue per connection and key, and, whichever job runs, the
 * earlier messages of its key first.
 */

/** Why a message did not go through: the code says whether to retry. */
export interface Failure {
  readonly code: ErrorCode
  readonly message: string
}

/** What one try to deliver or process a message came to. */
export type Outcome = { readonly kind: 'done' } | ({ readonly kind: 'retry' | 'never' } & Failure)

/** A thrown error as a failure; anything but a LiaisonError is INTERNAL. */
export function failureOf(error: unknown): Failure {
  if (isLiaisonError(error)) return { code: error.code, message: error.message }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) }
}

/** A failure is retried when its code backs off, and fails at once otherwise (B11). */
export function outcomeOf(failure: Failure): Outcome {
  return { kind: ERROR_CODES[failure.code].retry === 'backoff' ? 'retry' : 'never', ...failure }
}

/** graphile-worker refuses queue names longer than 128 characters. */
const QUEUE_NAME_MAX = 120

/** A job queue name per connection and ordering key keeps that key's messages in order. */
function keyQueue(kind: 'deliver' | 'process', connectionId: string, orderingKey: string): string {
  const name = `${kind}:${connectionId}:${orderingKey}`
  return name.length <= QUEUE_NAME_MAX
    ? name
    : `${kind}#${createHash('sha256').update(`${connectionId}:${orderingKey}`).digest('hex')}`
}

/** What places a message in its key's order. */
export interface KeyedMessage {
  readonly id: string
  readonly connectionId: string
  readonly orderingKey: string
}

/**
 * Enqueues the job of one message (`deliver` or `process`) in the caller's transaction, on the
 * queue of its connection and ordering key; its job key keeps one job per message.
 */
export async function enqueueInKeyOrder(
  jobs: Pick<JobQueue, 'enqueue'>,
  trx: Transaction<VaultDb>,
  step: {
    readonly kind: 'deliver' | 'process'
    readonly task: JobTask<{ messageId: string }>
    readonly maxAttempts: number
  },
  message: KeyedMessage,
): Promise<void> {
  await jobs.enqueue(
    trx,
    step.task,
    { messageId: message.id },
    {
      queueName: keyQueue(step.kind, message.connectionId, message.orderingKey),
      jobKey: `${step.kind}:${message.id}`,
      maxAttempts: step.maxAttempts,
    },
  )
}

/** The two message tables: the column holding a message's id, and the state of a message still waiting. */
const WAITING = {
  outbound_message: { idColumn: 'id', state: 'pending' },
  inbound_message: { idColumn: 'message_id', state: 'received' },
} as const

/**
 * The messages of the same connection and ordering key still waiting before this one, oldest
 * first, in one query (the message's `seq` is read in a subquery).
 */
export async function earlierOfKey<T extends keyof typeof WAITING>(
  db: Kysely<VaultDb>,
  table: T,
  message: KeyedMessage,
): Promise<Selectable<VaultDb[T]>[]> {
  const { idColumn, state } = WAITING[table]
  // Both tables have the columns used here; Kysely cannot type a query over a union of tables.
  const one = table as 'outbound_message'
  const rows = await db
    .selectFrom(one)
    .selectAll()
    .where('connection_id', '=', message.connectionId)
    .where('ordering_key', '=', message.orderingKey)
    .where('state', '=', state)
    .where(
      'seq',
      '<',
      db
        .selectFrom(one)
        .select('seq')
        .where(idColumn as 'id', '=', message.id),
    )
    .orderBy('seq')
    .execute()
  return rows as Selectable<VaultDb[T]>[]
}

/**
 * Runs the earlier messages of the same ordering key, then the message itself, in order (per-key
 * order, whichever job runs): one refused outright fails alone; one worth retrying stops the run
 * (the job retries), and on the job's last attempt fails the message, naming the earlier one.
 */
export async function inKeyOrder<M extends { readonly id: string }>(
  earlier: readonly M[],
  message: M,
  context: JobContext,
  step: {
    readonly verb: 'delivered' | 'processed'
    readonly run: (next: M) => Promise<Outcome>
    readonly fail: (failed: M, failure: Failure) => Promise<void>
  },
): Promise<void> {
  for (const next of [...earlier, message]) {
    const outcome = await step.run(next)
    if (outcome.kind === 'done') continue
    if (outcome.kind === 'never') {
      await step.fail(next, outcome)
      if (next.id === message.id) return
      continue
    }
    if (context.attempt >= context.maxAttempts) {
      await step.fail(message, {
        code: outcome.code,
        message:
          next.id === message.id
            ? `Not ${step.verb} after ${context.attempt} attempts: ${outcome.message}`
            : `Not ${step.verb} after ${context.attempt} attempts: earlier message ${next.id} of the same record could not be ${step.verb} (${outcome.message}).`,
      })
      return
    }
    throw new LiaisonError(outcome.code, outcome.message)
  }
}

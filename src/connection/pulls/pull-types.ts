import type { Transaction } from 'kysely'
import type { Messaging } from '../../platform/messaging/index.js'
import type { RecordActor, RecordService } from '../../platform/records/index.js'
import type { Storage, VaultDb } from '../../platform/storage/index.js'

/**
 * Pull glossary.
 * - pull: reads rows of one object of the remote vault over signed VQL callbacks and applies them
 *   locally. A watermark pull reads what changed; a full read reads every row that meets a filter.
 * - watermark: an integration point's Last Successful Run Time (`last_successful_run_time__sys`),
 *   the largest value of the watermark field (`modified_date__v`) applied so far. It only moves
 *   forward, in the transaction of the page it covers.
 * - overlap: a pull reads from the watermark minus WATERMARK_OVERLAP_MS, so a late commit (a row
 *   whose modified date is older than the watermark when it became visible) is not missed.
 * - page: at most `batchSize` rows, read by one remote query and applied in one transaction.
 * - keyset: the (watermark field, id) of the last row of a page. The next page is a new query for
 *   the rows strictly after it in that order, never an offset: a row that changes between two
 *   pages moves, but no other row moves with it.
 * - checkpoint: where a pull stands after a page committed; a pull that stops there (a crash)
 *   resumes from the saved watermark and ends in the same state.
 */

/** A row read from the remote vault: the fields a pull asked for. */
export type PullRow = Readonly<Record<string, unknown>>

/** An integration point a pull keeps its watermark on. */
export interface PullPoint {
  /** `integration_point__sys` record id. */
  readonly id: string
  /** The Last Successful Run Time when the pull began; null before the first pull. */
  readonly watermark: string | null
}

/** What a flow declares for a watermark pull: the rows to read and what to do with each page. */
export interface WatermarkPullDefinition {
  /** The remote object read (`case_request__v`). */
  readonly object: string
  /** Fields read besides `id` and the watermark field. */
  readonly fields: readonly string[]
  /** VQL conditions every row meets, ANDed (each in parentheses). (Default: none) */
  readonly filter?: readonly string[]
  /** The DateTime field the watermark follows. (Default: modified_date__v) */
  readonly watermarkField?: string
  /** Who moves the watermark, for the audit trail (the connection's integration user). */
  readonly actor: RecordActor
  /**
   * Applies one page inside the transaction that moves the watermark past it. Idempotent: the
   * overlap reads rows again. A throw rolls the page back and ends the pull.
   */
  applyPage(trx: Transaction<VaultDb>, rows: readonly PullRow[]): Promise<PageOutcome>
}

/** What applying one page did. */
export interface PageOutcome {
  /** Rows that changed something (a repeat of an applied row does not count). */
  readonly applied: number
}

/** Where a pull stands after one page committed: what a resumed pull starts from. */
export interface PullCheckpoint {
  /** The Last Successful Run Time saved with the page. */
  readonly watermark: string | null
  /** Rows handled so far (applied or skipped as already applied). */
  readonly done: number
  readonly applied: number
}

export interface PullOptions {
  /** Rows per page: per remote query and per transaction. (Default: PULL_BATCH_SIZE) */
  readonly batchSize?: number
  /** Told after each page commits; a throw ends the pull there, as a crash after that commit would. */
  readonly onCheckpoint?: (checkpoint: PullCheckpoint) => void | Promise<void>
}

/** What a watermark pull read and applied, and the watermark it left. */
export interface PullResult {
  readonly read: number
  readonly applied: number
  readonly watermark: string | null
}

/** What a pull needs from the vault it runs in. */
export interface PullVault {
  readonly storage: Pick<Storage, 'db'>
  readonly records: Pick<RecordService, 'updateIn'>
  readonly messaging: Pick<Messaging, 'remote'>
}

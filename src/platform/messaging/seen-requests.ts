import type { Kysely } from 'kysely'
import type { Clock } from '../clock/index.js'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb } from '../storage/index.js'
import { SEEN_REQUEST_PRUNE_INTERVAL_MS, SIGNATURE_WINDOW_MS } from './defaults.js'
import type { VerifiedRequest } from './request-signing.js'

/**
 * Replay protection (B2): the ids of accepted signed requests, per sender vault, kept until their
 * timestamp has left the ±5 minute window (after that the timestamp check refuses a replay anyway).
 */
export class SeenRequests {
  readonly #db: Kysely<VaultDb>
  readonly #clock: Clock
  readonly #windowMs: number
  #lastPruneMs = Number.NEGATIVE_INFINITY

  constructor(options: { db: Kysely<VaultDb>; clock: Clock; windowMs?: number }) {
    this.#db = options.db
    this.#clock = options.clock
    this.#windowMs = options.windowMs ?? SIGNATURE_WINDOW_MS
  }

  /** Records the request id; throws SESSION_INVALID when the same sender used it before. */
  async accept(request: VerifiedRequest, db: Kysely<VaultDb> = this.#db): Promise<void> {
    await this.#pruneNow()
    const result = await db
      .insertInto('signed_request_seen')
      .values({
        vault_id: request.vaultId,
        message_id: request.messageId,
        expires_date: new Date(request.timestampMs + this.#windowMs).toISOString(),
      })
      .onConflict((oc) => oc.columns(['vault_id', 'message_id']).doNothing())
      .executeTakeFirst()
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0)
      throw new LiaisonError(
        'SESSION_INVALID',
        `Request ${request.messageId} from vault ${request.vaultId} was already accepted; a signed request is accepted once. Sign each request with a new X-Liaison-Message-Id.`,
        { details: { reason: 'REPLAYED' } },
      )
  }

  /** Deletes ids whose window has passed; returns how many. */
  async prune(): Promise<number> {
    const result = await this.#db
      .deleteFrom('signed_request_seen')
      .where('expires_date', '<', new Date(this.#clock.now()).toISOString())
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  async #pruneNow(): Promise<void> {
    const now = this.#clock.now()
    if (now - this.#lastPruneMs < SEEN_REQUEST_PRUNE_INTERVAL_MS) return
    this.#lastPruneMs = now
    await this.prune()
  }
}

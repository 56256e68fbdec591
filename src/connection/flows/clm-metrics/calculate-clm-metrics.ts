import type { JobHandler } from '../../../platform/jobs/index.js'
import { type FlowVault, yieldToEventLoop } from '../flow-ports.js'
import { FOLD_BATCH, foldFeed, recalculateSums } from './fold-clm-activity.js'
import { publishClmMetrics } from './publish-clm-metrics.js'

/**
 * B21 on the CRM, start to end: the new activity is folded into the sums and the changed figures
 * are written and queued for the Medical Vaults, batch by batch, each batch in one transaction (a
 * crash loses nothing: the feed entries go with the sums they became).
 */

export interface CalculationResult {
  /** Feed entries (new activity rows, or requests to recalculate) consumed. */
  readonly folded: number
  /** Whether the sums were made again from scratch. */
  readonly recalculated: boolean
  /** Metrics records created or changed. */
  readonly records: number
  /** Outbound messages written. */
  readonly messages: number
}

/**
 * Folds everything the feed holds and publishes what changed; with `recalculate`, first makes every
 * sum again from the activity tables (the repair of `liaison metrics recalculate`).
 */
export async function calculateClmMetrics(
  vault: FlowVault,
  options: { readonly recalculate?: boolean } = {},
): Promise<CalculationResult> {
  const db = vault.storage.db
  let result: CalculationResult = { folded: 0, recalculated: false, records: 0, messages: 0 }
  const add = (
    folded: { entries: number; recalculated: boolean },
    published: { records: number; messages: number },
  ) => {
    result = {
      folded: result.folded + folded.entries,
      recalculated: result.recalculated || folded.recalculated,
      records: result.records + published.records,
      messages: result.messages + published.messages,
    }
  }
  if (options.recalculate === true)
    await db.transaction().execute(async (trx) => {
      const folded = await recalculateSums(trx, vault.storage.dialect)
      add(folded, await publishClmMetrics(trx, vault, folded))
    })
  for (;;) {
    const entries = await db.transaction().execute(async (trx) => {
      const folded = await foldFeed(trx, vault.storage.dialect)
      add(folded, await publishClmMetrics(trx, vault, folded))
      return folded.recalculated ? FOLD_BATCH : folded.entries
    })
    if (entries < FOLD_BATCH) return result
    await yieldToEventLoop()
  }
}

/** How long the job lets a burst of activity gather before it folds, so a burst is one fold. */
export const CLM_METRICS_GATHER_MS = 250

/** The metrics job: gathers for a moment, then calculates. */
export function clmMetricsJob(vault: FlowVault): JobHandler {
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, CLM_METRICS_GATHER_MS))
    await calculateClmMetrics(vault)
  }
}

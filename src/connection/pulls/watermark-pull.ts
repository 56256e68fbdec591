import type { ConnectionInfo } from '../../platform/messaging/index.js'
import { holdRecord } from '../../platform/storage/index.js'
import { vqlString } from '../../platform/vql/index.js'
import { DEFAULT_WATERMARK_FIELD, PULL_BATCH_SIZE, WATERMARK_OVERLAP_MS } from './defaults.js'
import { keysetPages } from './keyset-pages.js'
import { savedWatermark } from './pull-point.js'
import type {
  PullOptions,
  PullPoint,
  PullResult,
  PullRow,
  PullVault,
  WatermarkPullDefinition,
} from './pull-types.js'

/** The later of the saved watermark and the page's newest watermark value. */
function newestOf(saved: string | null, rows: readonly PullRow[], field: string): string | null {
  let newest = saved
  for (const row of rows) {
    const value = row[field]
    if (value === null || value === undefined) continue
    if (newest === null || String(value) > newest) newest = String(value)
  }
  return newest
}

/**
 * B12: the watermark pull the flows configure. Reads the definition's rows changed since the
 * point's Last Successful Run Time minus the overlap, ordered by (watermark field, id), page by
 * page by keyset, and applies each page in one transaction that also moves the watermark to the
 * largest value applied, forward only. A stopped pull resumes from the last page's checkpoint.
 */
export async function runWatermarkPull(
  vault: PullVault,
  connection: ConnectionInfo,
  point: PullPoint,
  definition: WatermarkPullDefinition,
  options: PullOptions = {},
): Promise<PullResult> {
  const field = definition.watermarkField ?? DEFAULT_WATERMARK_FIELD
  const since =
    point.watermark === null
      ? null
      : new Date(Date.parse(point.watermark) - WATERMARK_OVERLAP_MS).toISOString()
  const pages = keysetPages(vault.messaging.remote(connection), {
    object: definition.object,
    fields: definition.fields,
    filter: [...(definition.filter ?? []), ...(since === null ? [] : [`${field} >= ${vqlString(since)}`])],
    keys: [field, 'id'],
    pageSize: options.batchSize ?? PULL_BATCH_SIZE,
  })
  let read = 0
  let applied = 0
  let watermark = point.watermark
  for await (const rows of pages) {
    const page = await vault.storage.db.transaction().execute(async (trx) => {
      // Pulls of one point apply their pages in turn (the schedule, a nudge and a run request may
      // overlap), so what is read below is what the last one committed: another pull may have
      // moved the watermark, and the local records, past this page's rows.
      await holdRecord(trx, 'integration_point__sys', point.id)
      const saved = await savedWatermark(trx, point)
      const outcome = await definition.applyPage(trx, rows)
      // Forward only: never back to this page's newest row if another pull went further.
      const next = newestOf(saved, rows, field)
      if (next !== null && next !== saved)
        await vault.records.updateIn(trx, definition.actor, 'integration_point__sys', [
          { id: point.id, values: { last_successful_run_time__sys: next } },
        ])
      return { applied: outcome.applied, watermark: next }
    })
    read += rows.length
    applied += page.applied
    watermark = page.watermark
    await options.onCheckpoint?.({ watermark, done: read, applied })
  }
  return { read, applied, watermark }
}

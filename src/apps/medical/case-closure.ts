import { type Clock, isoTimestamp } from '../../platform/clock/index.js'
import type { ChangeHook, RecordService } from '../../platform/records/index.js'

/**
 * Keeps `closed_date__v` of Cases and Case Requests true to their state: set when they reach
 * `closed_state__v`, cleared when they are reopened.
 */
export function caseClosureHook(
  records: RecordService,
  clock: Clock,
  objectName: 'case__v' | 'case_request__v',
): ChangeHook {
  return async (trx, change) => {
    if (change.kind !== 'state') return
    const rows = await trx
      .selectFrom(objectName)
      .select(['id', 'state__v', 'closed_date__v'])
      .where('id', 'in', [...change.ids])
      .execute()
    const now = isoTimestamp(clock)
    const updates = rows.flatMap((row): { id: string; values: Record<string, string | null> }[] => {
      const closed = row.state__v === 'closed_state__v'
      if (closed && row.closed_date__v === null)
        return [{ id: String(row.id), values: { closed_date__v: now } }]
      if (!closed && row.closed_date__v !== null)
        return [{ id: String(row.id), values: { closed_date__v: null } }]
      return []
    })
    if (updates.length > 0) await records.updateIn(trx, change.actor, objectName, updates)
  }
}

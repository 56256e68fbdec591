import { LiaisonError } from '../../../platform/errors/index.js'
import type { RecordResult } from '../../../platform/records/index.js'

/**
 * The ids of records a flow wrote through the records module, in order; a refused write (or one
 * without an id) throws, naming `what` and the records module's own message, so the flow's
 * transaction is undone and its item fails with the reason.
 */
export function assertWritten(results: readonly RecordResult[], what: string): string[] {
  const failed = results.find((r) => r.responseStatus === 'FAILURE' || r.id === undefined)
  if (failed !== undefined)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `${what} could not be written: ${failed.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
    )
  return results.map((r) => r.id!)
}

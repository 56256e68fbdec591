import { isoTimestamp } from '../../../platform/clock/index.js'
import type { ConnectionInfo } from '../../../platform/messaging/index.js'
import { applyFieldRules, INTEGRATION_POINTS, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { connectionActor, type FlowVault, holdRecord } from '../flow-ports.js'

/** Late commits in Medical may carry a modified date up to this much older than the watermark. */
export const WATERMARK_OVERLAP_MS = 60_000
/** Rows applied per transaction; the watermark moves with each batch. */
export const PULL_BATCH_SIZE = 500

/** Where a pull stands after one batch committed: what a resumed pull starts from. */
export interface PullCheckpoint {
  /** The Last Successful Run Time saved with the batch. */
  readonly watermark: string | null
  /** Rows handled so far (applied or skipped as already applied). */
  readonly done: number
  readonly applied: number
}

export interface PullOptions {
  /** Rows applied per transaction. (Default: PULL_BATCH_SIZE) */
  readonly batchSize?: number
  /** Told after each batch commits; a throw ends the pull there, as a crash after that commit would. */
  readonly onCheckpoint?: (checkpoint: PullCheckpoint) => void | Promise<void>
}

export interface PullResult {
  readonly read: number
  readonly applied: number
  readonly watermark: string | null
}

/**
 * B12, B13: pulls the Case Requests that originated from this CRM and changed since the Last
 * Successful Run Time (minus an overlap for late commits), applies the field rules to their
 * inquiries, and moves the watermark in the same transaction as each batch. An update older than
 * what an inquiry last applied is ignored, so status never moves backwards.
 */
export async function pullCaseRequests(
  vault: FlowVault,
  connection: ConnectionInfo,
  options: PullOptions = {},
): Promise<PullResult> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? PULL_BATCH_SIZE))
  const db = vault.storage.db
  const point = await db
    .selectFrom('integration_point__sys')
    .select(['id', 'last_successful_run_time__sys', 'status__v'])
    .where('connection__sys', '=', connection.id)
    .where('integration_point_api_name__sys', '=', INTEGRATION_POINTS.caseRequestInbound)
    .executeTakeFirst()
  if (point === undefined || point.status__v === 'inactive__v')
    return { read: 0, applied: 0, watermark: null }
  const rules = await loadRuleSet(db, connection.id)
  const rule = rules.rules.get('case_request_integration_rule__v')
  if (rule === undefined || !rule.active) return { read: 0, applied: 0, watermark: null }
  const watermark =
    point.last_successful_run_time__sys === null ? null : String(point.last_successful_run_time__sys)
  const since =
    watermark === null ? null : new Date(Date.parse(watermark) - WATERMARK_OVERLAP_MS).toISOString()
  const fields = [
    ...new Set([
      'id',
      'crm_id__v',
      'modified_date__v',
      ...queryFieldsFor(rule.fieldRules, 'case_request__v'),
    ]),
  ]
  const { data } = await vault.messaging
    .remote(connection)
    .query(
      `SELECT ${fields.join(', ')} FROM case_request__v WHERE crm_org__v = '${vault.vaultId}'${since === null ? '' : ` AND modified_date__v >= '${since}'`} ORDER BY modified_date__v ASC, id ASC`,
    )
  let applied = 0
  let newest = watermark
  const actor = connectionActor(connection)
  for (let i = 0; i < data.length; i += batchSize) {
    const batch = data.slice(i, i + batchSize)
    await db.transaction().execute(async (trx) => {
      // Pulls of one point apply their batches in turn, so what is read below is what the last one
      // committed: another pull may have moved the watermark, and the inquiries, past this one's rows.
      await holdRecord(trx, 'integration_point__sys', String(point.id))
      const saved = await trx
        .selectFrom('integration_point__sys')
        .select('last_successful_run_time__sys')
        .where('id', '=', point.id)
        .executeTakeFirst()
      const savedWatermark =
        saved?.last_successful_run_time__sys == null ? null : String(saved.last_successful_run_time__sys)
      if (savedWatermark !== null && (newest === null || savedWatermark > newest)) newest = savedWatermark
      const inquiryIds = batch.map((r) => String(r.crm_id__v))
      const inquiries = new Map(
        (
          await trx
            .selectFrom('medical_inquiry__v')
            .select(['id', 'case_request_modified_date__v', 'transfer_status__v'])
            .where('id', 'in', inquiryIds)
            .execute()
        ).map((r) => [String(r.id), r]),
      )
      for (const row of batch) {
        const inquiry = inquiries.get(String(row.crm_id__v))
        const modified = String(row.modified_date__v)
        if (newest === null || modified > newest) newest = modified
        if (inquiry === undefined) continue
        const lastApplied = inquiry.case_request_modified_date__v
        if (typeof lastApplied === 'string' && lastApplied >= modified) continue
        const { values } = await applyFieldRules(rule.fieldRules, row, rules, {})
        const update = {
          ...(values.get('medical_inquiry__v') ?? {}),
          case_request_modified_date__v: modified,
          // A lost transfer result is repaired by the pull: the case exists, so the transfer succeeded.
          ...(inquiry.transfer_status__v === 'pending__v'
            ? { transfer_status__v: 'success__v', transferred_date__v: isoTimestamp(vault.clock) }
            : {}),
        }
        const [result] = await vault.records.updateIn(trx, actor, 'medical_inquiry__v', [
          { id: String(inquiry.id), values: update },
        ])
        if (result?.responseStatus === 'SUCCESS') applied++
      }
      // The watermark only moves forward.
      if (newest !== null && newest !== savedWatermark)
        await vault.records.updateIn(trx, actor, 'integration_point__sys', [
          { id: String(point.id), values: { last_successful_run_time__sys: newest } },
        ])
    })
    await options.onCheckpoint?.({ watermark: newest, done: i + batch.length, applied })
  }
  return { read: data.length, applied, watermark: newest }
}

import type { Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import type { ConnectionInfo } from '../../../platform/messaging/index.js'
import type { RecordActor } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { vqlString } from '../../../platform/vql/index.js'
import {
  findPullPoint,
  type PageOutcome,
  type PullOptions,
  type PullResult,
  type PullRow,
  runWatermarkPull,
} from '../../pulls/index.js'
import {
  applyFieldRules,
  type CompiledIntegrationRule,
  INTEGRATION_POINTS,
  loadRuleSet,
  queryFieldsFor,
  type RuleSet,
} from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'

const NOTHING: PullResult = { read: 0, applied: 0, watermark: null }

/**
 * B12, B13: pulls the Case Requests that originated from this CRM and changed since the Last
 * Successful Run Time (minus an overlap for late commits), applies the field rules to their
 * inquiries, and moves the watermark in the same transaction as each page. An update older than
 * what an inquiry last applied is ignored, so status never moves backwards.
 */
export async function pullCaseRequests(
  vault: FlowVault,
  connection: ConnectionInfo,
  options: PullOptions = {},
): Promise<PullResult> {
  const db = vault.storage.db
  const point = await findPullPoint(db, connection, INTEGRATION_POINTS.caseRequestInbound)
  if (point === undefined) return NOTHING
  const rules = await loadRuleSet(db, connection.id)
  const rule = rules.rules.get('case_request_integration_rule__v')
  if (rule === undefined || !rule.active) return NOTHING
  const actor = connectionActor(connection)
  return runWatermarkPull(
    vault,
    connection,
    point,
    {
      object: 'case_request__v',
      fields: [
        ...new Set(['crm_id__v', CASE_NUMBER_FIELD, ...queryFieldsFor(rule.fieldRules, 'case_request__v')]),
      ],
      filter: [`crm_org__v = ${vqlString(String(vault.vaultId))}`],
      actor,
      applyPage: (trx, rows) => applyCaseRequests(vault, { trx, actor, rules, rule }, rows),
    },
    options,
  )
}

/** The case number of a pulled Case Request: its case's name. */
const CASE_NUMBER_FIELD = 'case__vr.name__v'

/** Transfer states in which an inquiry has a case in the Medical Vault (a failed transfer has none). */
const TRANSFERRED = new Set(['pending__v', 'success__v'])

/**
 * Finding 2: a pulled row is applied only to an inquiry that was transferred (so it has a case)
 * and whose case, once known, is the row's; anything else is another inquiry's case pointed here.
 */
function belongsTo(inquiry: { transfer_status__v: unknown; case_number__v: unknown }, row: PullRow): boolean {
  if (!TRANSFERRED.has(String(inquiry.transfer_status__v))) return false
  const known = inquiry.case_number__v
  return known === null || known === undefined || known === '' || known === row[CASE_NUMBER_FIELD]
}

/** What applying a page of Case Requests needs besides its rows. */
interface CaseRequestPage {
  readonly trx: Transaction<VaultDb>
  readonly actor: RecordActor
  readonly rules: RuleSet
  readonly rule: CompiledIntegrationRule
}

/** Applies one page of Case Requests to their inquiries, in the page's transaction (B13). */
async function applyCaseRequests(
  vault: FlowVault,
  { trx, actor, rules, rule }: CaseRequestPage,
  rows: readonly PullRow[],
): Promise<PageOutcome> {
  const inquiries = new Map(
    (
      await trx
        .selectFrom('medical_inquiry__v')
        .select(['id', 'case_request_modified_date__v', 'transfer_status__v', 'case_number__v'])
        .where(
          'id',
          'in',
          rows.map((r) => String(r.crm_id__v)),
        )
        .execute()
    ).map((r) => [String(r.id), r]),
  )
  let applied = 0
  for (const row of rows) {
    const inquiry = inquiries.get(String(row.crm_id__v))
    if (inquiry === undefined || !belongsTo(inquiry, row)) continue
    const modified = String(row.modified_date__v)
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
  return { applied }
}

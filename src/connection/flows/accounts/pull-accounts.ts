import { randomUUID } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { isoTimestamp } from '../../../platform/clock/index.js'
import { type ConnectionInfo, type FailedItem, recordException } from '../../../platform/messaging/index.js'
import type { RecordActor, RecordResult, RecordService } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { findPullPoint, type PullRow, runWatermarkPull } from '../../pulls/index.js'
import {
  applyFieldRules,
  type CompiledIntegrationRule,
  INTEGRATION_POINTS,
  loadRuleSet,
  queryFieldsFor,
  type RuleSet,
} from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'
import { type ContactCandidate, matchCaseContact } from '../shared/case-contact-matching.js'
import { medicalLookupResolvers } from '../shared/medical-lookups.js'

/**
 * Which data usage agreement (B6) decided what an Account pull did:
 * - `inquiry_only`: `do_not_pull_from_accounts_integration_rule__v` is active (or the Account rule is
 *   not): no account is read at all;
 * - `accounts_with_inquiries`: `only_accounts_with_inquiries_integration_rule__v` is active: only
 *   Case Contacts that already exist for the CRM account are updated;
 * - `all_accounts`: that rule is inactive: every changed account is matched to, or creates, a Case Contact;
 * - `off`: the connection has no active Account inbound integration point.
 */
export const ACCOUNT_PULL_MODES = ['inquiry_only', 'accounts_with_inquiries', 'all_accounts', 'off'] as const
export type AccountPullMode = (typeof ACCOUNT_PULL_MODES)[number]

export interface AccountPullResult {
  readonly mode: AccountPullMode
  /** Accounts read from the CRM. */
  readonly read: number
  /** Case Contacts created. */
  readonly created: number
  /** Case Contacts whose values changed. */
  readonly updated: number
  /** Accounts that need attention: not applied, or matched with a conflict (each an item of a User Exception Message). */
  readonly failed: number
  readonly watermark: string | null
}

const ONLY_WITH_INQUIRIES = 'only_accounts_with_inquiries_integration_rule__v'

function text(value: unknown): string | null {
  if (Array.isArray(value)) return value.length === 0 ? null : String(value[0])
  return value === null || value === undefined || value === '' ? null : String(value)
}

function errorsOf(result: RecordResult | undefined): string {
  return result?.errors?.map((e) => e.message).join(' ') ?? 'no result'
}

/** What one page needs besides its rows. */
interface BatchContext {
  readonly db: Transaction<VaultDb>
  readonly records: RecordService
  readonly actor: RecordActor
  readonly connection: ConnectionInfo
  readonly rules: RuleSet
  readonly rule: CompiledIntegrationRule
  readonly onlyWithInquiries: boolean
  readonly receivedAt: string
}

interface BatchOutcome {
  created: number
  updated: number
  readonly failures: FailedItem[]
}

/**
 * B6: the Account inbound integration point. The Medical Vault pulls the CRM accounts changed
 * since the point's Last Successful Run Time (minus the overlap for late commits, like B12), applies
 * `only_accounts_with_inquiries_integration_rule__v`'s field rules and moves the watermark in the
 * same transaction as each page. With that rule active only Case Contacts that already exist for
 * the account (`crm_org__v` + `crm_id__v`) are updated; with it inactive every changed account is
 * matched (B7a order) or creates a Case Contact. Under the inquiry-only agreement nothing is read.
 * A changed contact gets a Case Contact Source Data record (B7); a repeat pull changes nothing.
 */
export async function pullAccounts(vault: FlowVault, connection: ConnectionInfo): Promise<AccountPullResult> {
  const db = vault.storage.db
  const none = (mode: AccountPullMode, watermark: string | null = null): AccountPullResult => ({
    mode,
    read: 0,
    created: 0,
    updated: 0,
    failed: 0,
    watermark,
  })
  const point = await findPullPoint(db, connection, INTEGRATION_POINTS.accountInbound)
  if (point === undefined) return none('off')
  const rules = await loadRuleSet(db, connection.id)
  // B6: under the inquiry-only agreement no Account field is read, so no account is pulled.
  const inquiryOnly = rules.rules.get('do_not_pull_from_accounts_integration_rule__v')?.active === true
  if (inquiryOnly || rules.rules.get('account_integration_rule__v')?.active !== true)
    return none('inquiry_only', point.watermark)
  const rule = rules.rules.get(ONLY_WITH_INQUIRIES)
  if (rule === undefined) return none('off', point.watermark)
  // The rule's active flag chooses the scope; its field rules map the account either way.
  const onlyWithInquiries = rule.active
  const actor = connectionActor(connection)
  const total: BatchOutcome = { created: 0, updated: 0, failures: [] }
  const { read, watermark } = await runWatermarkPull(vault, connection, point, {
    object: 'account__v',
    fields: ['name__v', ...queryFieldsFor(rule.fieldRules, 'account__v')],
    filter: [
      // Only accounts with an inquiry can have a Case Contact from this CRM; the local check decides.
      ...(onlyWithInquiries ? ['id IN (SELECT id FROM medical_inquiries__vr)'] : []),
      ...(rules.filters.get(`${ONLY_WITH_INQUIRIES}:account__v`) ?? []),
    ],
    actor,
    async applyPage(trx, batch) {
      const outcome = await applyAccounts(
        {
          db: trx,
          records: vault.records,
          actor,
          connection,
          rules,
          rule,
          onlyWithInquiries,
          receivedAt: isoTimestamp(vault.clock),
        },
        batch,
      )
      total.created += outcome.created
      total.updated += outcome.updated
      total.failures.push(...outcome.failures)
      // B11: what failed is recorded with the page that moves the watermark past it.
      if (outcome.failures.length > 0)
        await recordException(trx, vault.records, connection.apiName, {
          body: {
            kind: 'inbound',
            messageId: `account-pull:${randomUUID()}`,
            connectionId: connection.id,
            integrationPoint: INTEGRATION_POINTS.accountInbound,
            orderingKey: 'account-pull',
            items: outcome.failures.map((f) => f.key),
            attributes: {},
          },
          errorCode: outcome.failures[0]!.errorCode,
          errorMessage: `${outcome.failures.length} of ${batch.length} accounts pulled from ${connection.remoteName} could not update their Case Contacts: ${outcome.failures[0]!.message} Fix the data or the field rules; an account is pulled again when it next changes in the CRM.`,
          failedItems: outcome.failures,
        })
      return { applied: outcome.created + outcome.updated }
    },
  })
  return {
    mode: onlyWithInquiries ? 'accounts_with_inquiries' : 'all_accounts',
    read,
    created: total.created,
    updated: total.updated,
    failed: total.failures.length,
    watermark,
  }
}

/** Applies one page of accounts inside the caller's transaction; a bad account fails only itself. */
async function applyAccounts(context: BatchContext, batch: readonly PullRow[]): Promise<BatchOutcome> {
  const { db, connection, onlyWithInquiries } = context
  const crmOrg = connection.remoteVaultId
  const outcome: BatchOutcome = { created: 0, updated: 0, failures: [] }
  const existing = new Map<string, string[]>()
  if (onlyWithInquiries) {
    const rows = await db
      .selectFrom('case_contact__v')
      .select(['id', 'crm_id__v'])
      .where('crm_org__v', '=', crmOrg)
      .where(
        'crm_id__v',
        'in',
        batch.map((r) => String(r.id)),
      )
      .orderBy('created_date__v')
      .execute()
    for (const row of rows) {
      const key = String(row.crm_id__v)
      existing.set(key, [...(existing.get(key) ?? []), String(row.id)])
    }
  }
  for (const account of batch) {
    const accountId = String(account.id)
    const fail = (errorCode: string, message: string) =>
      outcome.failures.push({ key: accountId, errorCode, message })
    if (onlyWithInquiries && !existing.has(accountId)) continue
    // The lookups of the inquiry flow, read in this transaction (a CRM country code to a country, …).
    const applied = await applyFieldRules(
      context.rule.fieldRules,
      account,
      context.rules,
      medicalLookupResolvers(db),
    )
    if (applied.issues.length > 0) {
      fail('REFERENCE_NOT_FOUND', applied.issues.map((i) => i.message).join(' '))
      continue
    }
    const values: Record<string, unknown> = { ...(applied.values.get('case_contact__v') ?? {}) }
    // Keep the keys a contact was matched by; never overwrite another CRM's account keys.
    const update = { ...values }
    delete update.external_id__v
    let contactIds: readonly string[]
    let created = false
    if (onlyWithInquiries) contactIds = existing.get(accountId) ?? []
    else {
      const keys = {
        veevaId: text(values.veeva_id__v),
        externalId: text(values.external_id__v),
        crmOrg,
        crmId: accountId,
      }
      const { match, conflict } = matchCaseContact(keys, await candidatesFor(db, keys))
      if (conflict !== undefined) fail('CONTACT_MATCH_CONFLICT', conflict)
      if (match.kind === 'matched') contactIds = [match.id]
      else {
        const name = [text(values.first_name__v), text(values.last_name__v)]
          .filter((x) => x !== null)
          .join(' ')
        const [result] = await context.records.createIn(db, context.actor, 'case_contact__v', [
          {
            ...values,
            name__v: name === '' ? (text(account.name__v) ?? `Account ${accountId}`) : name,
            crm_org__v: crmOrg,
            crm_id__v: accountId,
            link__v: `${crmOrg}_${accountId}`,
          },
        ])
        if (result?.id === undefined) {
          fail(
            'INVALID_DATA',
            `The Case Contact for account ${accountId} could not be created: ${errorsOf(result)}`,
          )
          continue
        }
        contactIds = [result.id]
        created = true
        outcome.created++
      }
    }
    const changed: string[] = created ? [...contactIds] : []
    if (!created) {
      const results = await context.records.updateIn(
        db,
        context.actor,
        'case_contact__v',
        contactIds.map((id) => ({ id, values: update })),
      )
      results.forEach((result, i) => {
        if (result.responseStatus === 'SUCCESS') changed.push(contactIds[i]!)
        else if (result.responseStatus === 'FAILURE')
          fail(
            'INVALID_DATA',
            `Case Contact ${contactIds[i]} could not be updated from account ${accountId}: ${errorsOf(result)}`,
          )
      })
      outcome.updated += changed.length
    }
    // B7: what was received, each time it changed a contact (an unchanged repeat writes nothing).
    if (changed.length > 0)
      await context.records.createIn(
        db,
        context.actor,
        'case_contact_source_data__v',
        changed.map((contactId) => ({
          name__v: `Account ${accountId}`,
          case_contact__v: contactId,
          connection__sys: connection.id,
          crm_org__v: crmOrg,
          crm_id__v: accountId,
          data_source__v: 'account__v',
          source_payload__v: JSON.stringify(account),
          received_date__v: context.receivedAt,
        })),
      )
  }
  return outcome
}

/** Contacts matching any of the keys (B7a), oldest first. */
async function candidatesFor(
  db: Kysely<VaultDb>,
  keys: { veevaId: string | null; externalId: string | null; crmOrg: string; crmId: string },
): Promise<ContactCandidate[]> {
  const rows = await db
    .selectFrom('case_contact__v')
    .select(['id', 'veeva_id__v', 'external_id__v', 'crm_org__v', 'crm_id__v'])
    .where((eb) =>
      eb.or([
        ...(keys.veevaId === null ? [] : [eb('veeva_id__v', '=', keys.veevaId)]),
        ...(keys.externalId === null ? [] : [eb('external_id__v', '=', keys.externalId)]),
        eb.and([eb('crm_org__v', '=', keys.crmOrg), eb('crm_id__v', '=', keys.crmId)]),
      ]),
    )
    .orderBy('created_date__v')
    .execute()
  return rows.map((r) => ({
    id: String(r.id),
    veeva_id__v: text(r.veeva_id__v),
    external_id__v: text(r.external_id__v),
    crm_org__v: text(r.crm_org__v),
    crm_id__v: text(r.crm_id__v),
  }))
}

import type { Kysely } from 'kysely'
import { LiaisonError } from '../../platform/errors/index.js'
import type { ConnectionInfo, RemoteVault } from '../../platform/messaging/index.js'
import type { VaultDb } from '../../platform/storage/index.js'
import { vqlString } from '../../platform/vql/index.js'
import { applyFieldRules, type LookupResolver, queryFieldsFor } from './apply-field-rules.js'
import { type CompiledFieldRule, loadRuleSet, type RuleSet } from './rule-set.js'

/** Something a dry run found: a field rule with no mapping, a field not read, an inactive rule. */
export interface DryRunIssue {
  readonly target_object: string | null
  readonly target_field: string | null
  readonly message: string
}

/** What a rule would write for one source record; nothing was written. */
export interface DryRunResult {
  readonly rule: {
    readonly api_name: string
    readonly active: boolean
    readonly primary_query_object: string
    readonly connection: string
  }
  /** The source record as read from the remote vault (only the fields the rule reads, plus id and name). */
  readonly source: Readonly<Record<string, unknown>>
  /** Target object → field → value, in API input form (picklists as names, references as ids). */
  readonly target: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly issues: readonly DryRunIssue[]
}

export interface DryRunInput {
  readonly db: Kysely<VaultDb>
  readonly connection: Pick<ConnectionInfo, 'id' | 'apiName' | 'remoteName'>
  /** The signed remote vault of the connection: the source is read as its integration user. */
  readonly remote: Pick<RemoteVault, 'query'>
  readonly ruleApiName: string
  /** The source record's id in the remote vault. */
  readonly sourceId: string
  /** The lookups the flow applying this rule uses (read-only). */
  readonly resolvers: Readonly<Record<string, LookupResolver>>
  /**
   * Why a query field may not be read under the connection's configuration (B6: the inquiry-only
   * agreement reads no Account field), or undefined when it may.
   */
  readonly withheld?: (queryField: string, queryObject: string, rules: RuleSet) => string | undefined
  /** Fields the flow's lookups read besides the rule's (by source object), so the preview matches the flow. */
  readonly lookupFields?: Readonly<Record<string, readonly string[]>>
}

const RECORD_ID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Previews one integration rule (Veeva has no such thing): reads the source record through the
 * signed remote vault with the fields the rule's field rules need, applies them with the flow's
 * lookups and answers what each target field would get and every issue. Writes nothing: the
 * lookups only read, and nothing here opens a transaction.
 */
export async function dryRunRule(input: DryRunInput): Promise<DryRunResult> {
  const { connection, ruleApiName, sourceId } = input
  if (!RECORD_ID.test(sourceId))
    throw new LiaisonError(
      'FIELD_TYPE',
      `source_id must be a record id of the remote vault (letters, digits, _ and -), not "${sourceId}".`,
    )
  const rules = await loadRuleSet(input.db, connection.id)
  const rule = rules.rules.get(ruleApiName)
  if (rule === undefined)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `Connection ${connection.apiName} has no integration rule ${ruleApiName}; its rules are ${[...rules.rules.keys()].sort().join(', ') || '(none)'}.`,
    )
  const primary = rule.primaryQueryObject
  if (primary === null)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Integration rule ${ruleApiName} has no primary_query_object__sys, so there is no source record to read; set it first.`,
    )
  const issues: DryRunIssue[] = []
  const issue = (rule: CompiledFieldRule | null, message: string) =>
    issues.push({
      target_object: rule?.targetObject ?? null,
      target_field: rule?.targetField ?? null,
      message,
    })
  if (!rule.active)
    issue(
      null,
      `${ruleApiName} is inactive: the connection does not apply it now. This is what it would produce once active.`,
    )
  const applicable: CompiledFieldRule[] = []
  for (const fieldRule of rule.fieldRules) {
    if (
      fieldRule.queryField !== null &&
      fieldRule.queryObject !== null &&
      fieldRule.queryObject !== primary
    ) {
      issue(
        fieldRule,
        `Reads ${fieldRule.queryObject}.${fieldRule.queryField}, but the rule's source is ${primary}; the flow leaves this field empty.`,
      )
      continue
    }
    const reason =
      fieldRule.queryField === null ? undefined : input.withheld?.(fieldRule.queryField, primary, rules)
    if (reason !== undefined) {
      issue(fieldRule, reason)
      continue
    }
    applicable.push(fieldRule)
  }
  const fields = [
    ...new Set([
      'id',
      'name__v',
      ...queryFieldsFor(applicable, primary),
      ...(input.lookupFields?.[primary] ?? []).filter(
        (f) => input.withheld?.(f, primary, rules) === undefined,
      ),
    ]),
  ]
  const { data } = await input.remote.query(
    `SELECT ${fields.join(', ')} FROM ${primary} WHERE id = ${vqlString(sourceId)}`,
  )
  const source = data[0]
  if (source === undefined)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `No ${primary} record with id ${sourceId} is readable in ${connection.remoteName || 'the remote vault'} through connection ${connection.apiName}.`,
    )
  const applied = await applyFieldRules(applicable, source, rules, input.resolvers)
  for (const found of applied.issues)
    issues.push({
      target_object: found.targetObject,
      target_field: found.targetField,
      message: found.message,
    })
  return {
    rule: {
      api_name: rule.apiName,
      active: rule.active,
      primary_query_object: primary,
      connection: connection.apiName,
    },
    source,
    target: Object.fromEntries(applied.values),
    issues,
  }
}

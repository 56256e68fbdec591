import { assertNever, LiaisonError } from '../platform/errors/index.js'
import type { RemoteVault } from '../platform/messaging/index.js'
import {
  type ClmDryRun,
  clmFieldRules,
  crmDocumentLookups,
  dryRunClm,
  type FlowVault,
  medicalLookupResolvers,
} from './flows/index.js'
import type { LookupResolver } from './rules/index.js'
import { CLM_RULE, type ConnectionSide, type DryRunResult, dryRunRule, loadRuleSet } from './rules/index.js'

export interface DryRunRequest {
  /** `api_name__sys` of the connection in this vault. */
  readonly connectionApiName: string
  /** `integration_rule_api_name__sys` of one of its rules. */
  readonly ruleApiName: string
  /** Id of the source record in the remote vault. */
  readonly sourceId: string
}

/** The side of the connection a vault of this profile is. */
export function connectionSideOf(profileName: string): ConnectionSide {
  return profileName === 'medical' ? 'medical' : 'crm'
}

/** The lookups each side's flows resolve against their own data (the dry run uses the same). */
function resolversOf(
  vault: Pick<FlowVault, 'storage'>,
  side: ConnectionSide,
  remote: Pick<RemoteVault, 'query'>,
): Readonly<Record<string, LookupResolver>> {
  switch (side) {
    case 'medical':
      return medicalLookupResolvers(vault.storage.db)
    case 'crm':
      return crmDocumentLookups(vault.storage.db, remote, [])
    default:
      return assertNever(side, 'connection side')
  }
}

/**
 * Dry run of one integration rule of a connection for one source record of the remote vault: what
 * each target field would get, and every issue, with nothing written (Veeva has no such thing).
 * B6 holds here too: under the inquiry-only agreement no Account field is read.
 */
export async function dryRunIntegrationRule(
  vault: Pick<FlowVault, 'storage' | 'messaging'>,
  side: ConnectionSide,
  request: DryRunRequest,
): Promise<DryRunResult & { readonly clm?: ClmDryRun }> {
  const connection = await vault.messaging.connectionByApiName(request.connectionApiName)
  if (connection === undefined)
    throw new LiaisonError(
      'RECORD_NOT_FOUND',
      `No connection has api_name__sys ${request.connectionApiName}; list them with GET /api/{version}/services/connections.`,
    )
  if (connection.status !== 'active__v')
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Connection ${connection.apiName} is not active; a dry run reads the source record from the remote vault, which needs an active connection.`,
    )
  const result = await dryRunRule({
    db: vault.storage.db,
    connection,
    remote: vault.messaging.remote(connection),
    ruleApiName: request.ruleApiName,
    sourceId: request.sourceId,
    resolvers: resolversOf(vault, side, vault.messaging.remote(connection)),
    // The product lookup falls back to the product's name, as the inquiry flow reads it.
    lookupFields: { medical_inquiry__v: ['product__vr.name__v'] },
    withheld: (field, object, rules) =>
      rules.rules.get('do_not_pull_from_accounts_integration_rule__v')?.active === true &&
      (object === 'account__v' || field.startsWith('account__vr.'))
        ? `Not read: do_not_pull_from_accounts_integration_rule__v is active, so no Account field is read (B6).`
        : undefined,
  })
  if (side !== 'crm' || request.ruleApiName !== CLM_RULE) return result
  // B18: beside the field rules, what the presentation would become: its key messages and slide order.
  const rules = await loadRuleSet(vault.storage.db, connection.id)
  const clm = await dryRunClm(
    vault.messaging.remote(connection),
    connection.remoteVaultId,
    request.sourceId,
    clmFieldRules(rules),
  )
  return { ...result, clm }
}

export {
  type AppliedRules,
  applyFieldRules,
  type FieldRuleIssue,
  type LookupResolver,
  queryFieldsFor,
} from './apply-field-rules.js'
export { type DryRunInput, type DryRunIssue, type DryRunResult, dryRunRule } from './dry-run-rule.js'
export {
  type CompiledFieldRule,
  type CompiledIntegrationRule,
  loadRuleSet,
  type RuleSet,
} from './rule-set.js'
export { seedConnectionConfiguration } from './seed-connection-configuration.js'
export {
  CLM_METRICS_RULE,
  CLM_RULE,
  CONNECTION_SIDES,
  type ConnectionSide,
  DOCUMENT_TRANSFER_GROUP,
  type FieldRuleDefinition,
  INTEGRATION_POINTS,
  type IntegrationRuleDefinition,
  STANDARD_CONFIGURATION,
  STANDARD_REFERENCE_LOOKUPS,
} from './standard-configuration.js'

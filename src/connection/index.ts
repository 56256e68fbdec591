export { SCHEDULED_PULL_INTERVAL_MS } from './defaults.js'
export {
  connectionSideOf,
  type DryRunRequest,
  dryRunIntegrationRule,
} from './dry-run-integration-rule.js'
export type { FlowVault } from './flows/index.js'
export {
  type ConnectionOptions,
  type ConnectionVault,
  connectionVaultOf,
  ensureConnectionConfiguration,
  installMedicalCrmConnection,
} from './medical-crm-connection.js'
export {
  type ConnectionSide,
  type DryRunIssue,
  type DryRunResult,
  INTEGRATION_POINTS,
  loadRuleSet,
} from './rules/index.js'
export { type PullFailure, pullJobKey, pullWatermarkJob } from './scheduled-pulls.js'

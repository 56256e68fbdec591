export {
  connectionSideOf,
  type DryRunRequest,
  dryRunIntegrationRule,
} from './dry-run-integration-rule.js'
export {
  type CalculationResult,
  type ClmMetricsReport,
  calculateClmMetrics,
  clmMetricsReport,
  FIGURE_FIELDS,
  type FlowVault,
  REPORT_GROUPINGS,
  type ReportGrouping,
} from './flows/index.js'
export { PULL_WATERMARK_TASK, ROUTE_DOCUMENTS_TASK } from './job-tasks/index.js'
export {
  type ConnectionOptions,
  type ConnectionVault,
  connectionVaultOf,
  installMedicalCrmConnection,
} from './medical-crm-connection.js'
export {
  type ConnectionSide,
  type DryRunIssue,
  type DryRunResult,
  INTEGRATION_POINTS,
} from './rules/index.js'
export { type RunPullRequest, runPull } from './run-pull.js'
export type { PullFailure } from './scheduled-pulls.js'

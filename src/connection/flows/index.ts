export {
  ACCOUNT_PULL_MODES,
  type AccountPullMode,
  type AccountPullResult,
  pullAccounts,
} from './accounts/pull-accounts.js'
export {
  APPROVED_EMAIL_ORDERING_KEY,
  APPROVED_EMAIL_RULE,
  APPROVED_EMAIL_TYPES,
} from './approved-email/approved-email-content.js'
export {
  type ApprovedEmailVault,
  queueApprovedEmailChange,
  resendApprovedEmail,
  resendApprovedEmailOfNewCountries,
  resendApprovedEmailOnSwitchOn,
} from './approved-email/queue-approved-email.js'
export {
  type ApprovedEmailPullResult,
  approvedDocumentGuard,
  pullApprovedEmail,
  receiveApprovedEmail,
} from './approved-email/receive-approved-email.js'
export { nudgeCaseStatus } from './case-status/nudge-case-status.js'
export { pullCaseRequests } from './case-status/pull-case-requests.js'
export {
  type BadSlide,
  type PresentationPlan,
  planPresentations,
  type SourceNode,
} from './clm/clm-publication.js'
export { type ClmDryRun, dryRunClm } from './clm/dry-run-clm.js'
export {
  CLM_ORDERING_KEY,
  clmRoutingTable,
  queueClmChange,
  queuePresentationsOfNewCountries,
  resendOnClmSwitchedOn,
  resendPresentations,
  resendRecentPresentations,
} from './clm/queue-clm-changes.js'
export { CLM_BASE_FIELDS, clmFieldRules, readClmSource, receiveClm } from './clm/receive-clm.js'
export {
  type CalculationResult,
  calculateClmMetrics,
  clmMetricsJob,
} from './clm-metrics/calculate-clm-metrics.js'
export {
  type ClmFigures,
  type ClmSums,
  FIGURE_FIELDS,
  figuresOf,
  type MetricLevel,
  OBJECT_TYPE_OF_LEVEL,
  sumsOfFigures,
} from './clm-metrics/clm-metric-sums.js'
export {
  type ClmMetricsReport,
  clmMetricsReport,
  REPORT_GROUPINGS,
  type ReportGrouping,
  type ReportRow,
} from './clm-metrics/clm-metrics-report.js'
export { ACTIVITY_LINES, CALL_KEY_MESSAGES } from './clm-metrics/fold-clm-activity.js'
export { republishOnMetricsSwitchedOn } from './clm-metrics/publish-clm-metrics.js'
export { queueClmActivity, queueClmMetricsOfPublished } from './clm-metrics/queue-clm-activity.js'
export { receiveClmMetrics } from './clm-metrics/receive-clm-metrics.js'
export { nudgeConnectionCountries } from './countries/nudge-connection-countries.js'
export { type CountrySyncResult, syncConnectionCountries } from './countries/sync-connection-countries.js'
export {
  DOCUMENT_TRANSFER_GROUP_TYPES,
  ensureDocumentTransferGroup,
  transferredTypes,
} from './documents/document-transfer-group.js'
export {
  queueDocumentChange,
  queueDocumentsOfNewCountries,
  queueDocumentsOfTransferGroup,
  resendOnTransferSwitchedOn,
  resendRoutedDocuments,
} from './documents/queue-document-changes.js'
export {
  DOCUMENT_BASE_FIELDS,
  DOCUMENT_TRANSFER_RULE,
  receiveDocuments,
} from './documents/receive-documents.js'
export {
  DOCUMENT_TRANSFER_ORDERING_KEY,
  ROUTE_BATCH_SIZE,
  ROUTE_GATHER_MS,
  ROUTED_CHANGE_RETENTION_MS,
  type RoutingVault,
  routeDocumentsJob,
} from './documents/route-documents.js'
export { connectionActor, type FlowVault, parseRecordIds } from './flow-ports.js'
export { applyTransferResults } from './inquiries/apply-transfer-results.js'
export { processTransferredInquiries } from './inquiries/process-transferred-inquiries.js'
export {
  failTransfersOfDeadMessage,
  transferredInquiryGuard,
  transferToMedicalAction,
} from './inquiries/transfer-to-medical.js'
export {
  abbreviationOfCode,
  codeOfAbbreviation,
  GLOBAL_ABBREVIATION,
} from './shared/country-codes.js'
export { crmDocumentLookups } from './shared/crm-document-lookups.js'
export { connectionsForDocument, countriesOfFields, type RoutingTable } from './shared/document-routing.js'
export { medicalLookupResolvers } from './shared/medical-lookups.js'

export {
  ACCOUNT_PULL_MODES,
  type AccountPullMode,
  type AccountPullResult,
  pullAccounts,
} from './accounts/pull-accounts.js'
export { nudgeCaseStatus } from './case-status/nudge-case-status.js'
export {
  PULL_BATCH_SIZE,
  type PullCheckpoint,
  type PullOptions,
  type PullResult,
  pullCaseRequests,
  WATERMARK_OVERLAP_MS,
} from './case-status/pull-case-requests.js'
export { nudgeConnectionCountries } from './countries/nudge-connection-countries.js'
export {
  abbreviationOfCode,
  type CountrySyncResult,
  codeOfAbbreviation,
  GLOBAL_ABBREVIATION,
  syncConnectionCountries,
} from './countries/sync-connection-countries.js'
export { crmDocumentLookups } from './documents/crm-document-lookups.js'
export { connectionsForDocument, countriesOfFields, type RoutingTable } from './documents/document-routing.js'
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
export { assertRecordIds, connectionActor, type FlowVault, vqlIdList } from './flow-ports.js'
export { applyTransferResults } from './inquiries/apply-transfer-results.js'
export { medicalLookupResolvers } from './inquiries/medical-lookups.js'
export { processTransferredInquiries } from './inquiries/process-transferred-inquiries.js'
export {
  failTransfersOfDeadMessage,
  transferredInquiryGuard,
  transferToMedicalAction,
} from './inquiries/transfer-to-medical.js'

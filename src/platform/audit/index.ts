export {
  type AuditObjectFilter,
  type AuditPage,
  type Deletion,
  readAuditTrail,
  readDeletions,
} from './audit-reads.js'
export {
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditActor,
  type AuditEntry,
  type AuditEntryDraft,
  type AuditQuery,
  appendAudit,
  readRecordAudit,
} from './audit-trail.js'
export {
  appendLoginAudit,
  type LoginAuditDraft,
  type LoginAuditEntry,
  readLoginAudit,
} from './login-audit.js'

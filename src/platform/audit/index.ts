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

export { type ExceptionDraft, type ExceptionItemDraft, recordException } from './record-exception.js'

export { type CsvValue, csvRecords, formatCsv, type ParsedCsv, parseCsv } from './csv-codec.js'
export {
  auditText,
  formatFieldValue,
  type InputOrigin,
  type ParsedValue,
  parseFieldValue,
  type StoredValue,
} from './field-values.js'
export { formatRecordId, formatRecordName, RECORD_ID_DIGITS, reserveSequence } from './record-sequence.js'
export { RecordService, type RecordServiceOptions } from './record-service.js'
export {
  type ApiError,
  type ApiWarning,
  BULK_RECORDS_MAX,
  type ChangeHook,
  type ObjectAction,
  type RecordActor,
  type RecordChange,
  type RecordGuard,
  type RecordResult,
  type StoredRow,
  type UpsertEvent,
  type WriteOptions,
} from './record-types.js'
export type { RecordWriter } from './record-writer.js'

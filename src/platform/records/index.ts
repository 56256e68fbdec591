export type { ConnectionGrant } from './connection-grants.js'
export { type CsvValue, csvRecords, formatCsv } from './csv-codec.js'
export { type InputOrigin, parseFieldValue } from './field-values.js'
export type { AvailableAction } from './record-actions.js'
export type { RecordServiceOptions } from './record-context.js'
export { RecordService } from './record-service.js'
export {
  type ApiError,
  type ApiWarning,
  BULK_RECORDS_MAX,
  type ChangeHook,
  type GuardedChange,
  type ObjectAction,
  RECORD_ERRORS_MAX,
  RECORD_FIELDS_MAX,
  type RecordActor,
  type RecordChange,
  type RecordGuard,
  type RecordResult,
  type RemoteCaller,
  type StoredRow,
  type UpsertEvent,
  type WriteOptions,
} from './record-types.js'
export type { RecordWriter } from './record-writer.js'
export { idsByKey, referenceKeys } from './reference-keys.js'
export { inChunks } from './stored-rows.js'

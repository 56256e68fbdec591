/**
 * The one registry of Liaison error codes. Each code maps to the Vault error type the API answers
 * with, the HTTP status used when a client asks for real statuses, how a retry should treat it, and
 * one sentence telling a person how to fix it.
 */

export const VAULT_ERROR_TYPES = [
  'INVALID_SESSION_ID',
  'USERNAME_OR_PASSWORD_INCORRECT',
  'PARAMETER_REQUIRED',
  'INVALID_DATA',
  'INCORRECT_QUERY_SYNTAX_ERROR',
  'INSUFFICIENT_ACCESS',
  'OPERATION_NOT_ALLOWED',
  'ITEM_NAME_EXISTS',
  'MALFORMED_URL',
  'METHOD_NOT_SUPPORTED',
  'API_LIMIT_EXCEEDED',
  'UNEXPECTED_ERROR',
] as const
export type VaultErrorType = (typeof VAULT_ERROR_TYPES)[number]

export type RetryClass = 'never' | 'backoff'

export interface ErrorSpec {
  readonly vaultType: VaultErrorType
  readonly http: number
  readonly retry: RetryClass
  readonly fix: string
}

export const ERROR_CODES = {
  SESSION_MISSING: {
    vaultType: 'INVALID_SESSION_ID',
    http: 401,
    retry: 'never',
    fix: 'Log in with POST /api/{version}/auth and send the sessionId in the Authorization header.',
  },
  SESSION_INVALID: {
    vaultType: 'INVALID_SESSION_ID',
    http: 401,
    retry: 'never',
    fix: 'The session has expired or was ended; log in again.',
  },
  LOGIN_FAILED: {
    vaultType: 'USERNAME_OR_PASSWORD_INCORRECT',
    http: 401,
    retry: 'never',
    fix: 'Check the username and password.',
  },
  LOGIN_THROTTLED: {
    vaultType: 'API_LIMIT_EXCEEDED',
    http: 429,
    retry: 'backoff',
    fix: 'Too many failed logins for this user from this address; wait until the time the message gives, then try again.',
  },
  USER_INACTIVE: {
    vaultType: 'USERNAME_OR_PASSWORD_INCORRECT',
    http: 401,
    retry: 'never',
    fix: 'Ask an admin to reactivate the user.',
  },
  PARAMETER_MISSING: {
    vaultType: 'PARAMETER_REQUIRED',
    http: 400,
    retry: 'never',
    fix: 'Send the named parameter.',
  },
  PARAMETER_INVALID: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send the parameter in the form GET /api/openapi.json documents for the endpoint.',
  },
  OBJECT_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 404,
    retry: 'never',
    fix: 'Use an object name listed by GET /api/{version}/metadata/vobjects.',
  },
  FIELD_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Use a field listed in the object metadata, or add it as a custom __c field first.',
  },
  FIELD_TYPE: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send a value of the field type shown in the object metadata.',
  },
  FIELD_TOO_LONG: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Shorten the value to the max_length shown in the object metadata.',
  },
  FIELD_REQUIRED: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send a value for every required field.',
  },
  FIELD_READ_ONLY: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Leave system-managed fields out; the vault maintains them.',
  },
  PICKLIST_VALUE_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Use a value name of the field picklist, as listed in the object metadata.',
  },
  REFERENCE_NOT_FOUND: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Reference an existing record id of the object named in the field metadata.',
  },
  UNIQUE_VIOLATION: {
    vaultType: 'ITEM_NAME_EXISTS',
    http: 409,
    retry: 'never',
    fix: 'Another record already has this value in a unique field; change the value or update that record.',
  },
  RECORD_NOT_FOUND: {
    vaultType: 'INVALID_DATA',
    http: 404,
    retry: 'never',
    fix: 'Check the record id.',
  },
  DUPLICATE_KEY_IN_REQUEST: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send each record once per request.',
  },
  TOO_MANY_RECORDS: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send at most 500 records per request; split larger loads.',
  },
  RECORD_TOO_MANY_FIELDS: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send at most 500 fields per record, only fields the object has.',
  },
  BODY_MALFORMED: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send a JSON array of records or RFC 4180 CSV with a header row, UTF-8 encoded.',
  },
  BODY_TOO_LARGE: {
    vaultType: 'INVALID_DATA',
    http: 413,
    retry: 'never',
    fix: 'Send a smaller request body (at most 5 MB); split the records across requests.',
  },
  BODY_TOO_COMPLEX: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Send fewer keys or fields per request (at most 50,000 JSON keys, 1,000 form fields); split the records across requests.',
  },
  ID_PARAM_NOT_UNIQUE: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'idParam must name a field whose metadata says unique: true, such as external_id__v.',
  },
  ACTION_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 404,
    retry: 'never',
    fix: 'List the actions available with GET /api/{version}/vobjects/{object}/{id}/actions.',
  },
  ACTION_NOT_ALLOWED_IN_STATE: {
    vaultType: 'OPERATION_NOT_ALLOWED',
    http: 409,
    retry: 'never',
    fix: 'Run an action that is available in the record current state.',
  },
  DOCUMENT_TYPE_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Use one of the document types that the error message lists.',
  },
  DOCUMENT_LIFECYCLE_UNKNOWN: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Use a lifecycle that the document type allows (medical_content_lifecycle__v).',
  },
  FILE_TOO_LARGE: {
    vaultType: 'INVALID_DATA',
    http: 413,
    retry: 'never',
    fix: 'Upload a smaller file; the vault sets the largest document file it accepts.',
  },
  FILE_UNREADABLE: {
    vaultType: 'INVALID_DATA',
    http: 422,
    retry: 'never',
    fix: 'Upload the file again as a valid PDF, PNG or JPEG; the source file is kept as uploaded.',
  },
  RECORD_LOCKED: {
    vaultType: 'OPERATION_NOT_ALLOWED',
    http: 409,
    retry: 'never',
    fix: 'The record is locked by the connection and can no longer be changed.',
  },
  OPERATION_NOT_ALLOWED: {
    vaultType: 'OPERATION_NOT_ALLOWED',
    http: 409,
    retry: 'never',
    fix: 'The operation is not allowed for this record or object.',
  },
  INTEGRATION_POINT_UNKNOWN: {
    vaultType: 'OPERATION_NOT_ALLOWED',
    http: 404,
    retry: 'never',
    fix: 'The receiving vault processes no messages of this integration point; check that both vaults run the same Liaison release and that the message names an outbound point of the sender, then reprocess it.',
  },
  METADATA_CONFLICT: {
    vaultType: 'ITEM_NAME_EXISTS',
    http: 409,
    retry: 'never',
    fix: 'Choose a field name that the object does not have yet.',
  },
  METADATA_INVALID: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Correct the field definition as the message says.',
  },
  ACCESS_DENIED: {
    vaultType: 'INSUFFICIENT_ACCESS',
    http: 403,
    retry: 'never',
    fix: 'Ask an admin for a security profile that grants this permission.',
  },
  URL_MALFORMED: {
    vaultType: 'MALFORMED_URL',
    http: 404,
    retry: 'never',
    fix: 'Check the path against GET /api/openapi.json.',
  },
  METHOD_UNSUPPORTED: {
    vaultType: 'METHOD_NOT_SUPPORTED',
    http: 405,
    retry: 'never',
    fix: 'Use the HTTP method the endpoint documents.',
  },
  BURST_LIMIT: {
    vaultType: 'API_LIMIT_EXCEEDED',
    http: 429,
    retry: 'backoff',
    fix: 'Slow down; read X-VaultAPI-BurstLimitRemaining before sending more.',
  },
  QUERY_SYNTAX: {
    vaultType: 'INCORRECT_QUERY_SYNTAX_ERROR',
    http: 400,
    retry: 'never',
    fix: 'Correct the query at the line and column given.',
  },
  QUERY_INVALID: {
    vaultType: 'INVALID_DATA',
    http: 400,
    retry: 'never',
    fix: 'Use targets and fields listed by SHOW TARGETS and SHOW FIELDS FROM {target}.',
  },
  STORAGE_BUSY: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 503,
    retry: 'backoff',
    fix: 'The database is busy; retry shortly.',
  },
  STORAGE_UNWRITABLE: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 500,
    retry: 'never',
    fix: 'Give the vault a data folder its process can write to (liaison up --dir DIR, liaison serve --db sqlite:PATH).',
  },
  BLOB_STORE_UNAVAILABLE: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 503,
    retry: 'backoff',
    fix: "The vault's document file store (an S3-compatible bucket) does not answer or refuses the request; check --blob-store's endpoint and bucket and the AWS credentials, then retry.",
  },
  SCHEMA_TOO_NEW: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 500,
    retry: 'never',
    fix: 'The database was migrated by a newer Liaison; upgrade this process before starting it.',
  },
  VAULT_NOT_READY: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 503,
    retry: 'backoff',
    fix: 'The vault cannot reach its database, or its schema is not migrated yet; retry shortly, and check the database if it lasts.',
  },
  INTERNAL: {
    vaultType: 'UNEXPECTED_ERROR',
    http: 500,
    retry: 'backoff',
    fix: 'An unexpected error; the server log has the cause under the X-VaultAPI-ExecutionId.',
  },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERROR_CODES

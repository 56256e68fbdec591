export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorSpec,
  type RetryClass,
  VAULT_ERROR_TYPES,
  type VaultErrorType,
} from './error-codes.js'
export { assertNever, isLiaisonError, LiaisonError, type LiaisonErrorOptions } from './liaison-error.js'

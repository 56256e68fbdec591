export { type ApiUsage, BurstLimiter, type BurstLimiterOptions, type BurstTicket } from './burst-limiter.js'
export {
  API_BURST_DELAY_MS,
  API_BURST_LIMIT_CALLS,
  API_BURST_WINDOW_MS,
  LOGIN_BACKOFF_BASE_MS,
  LOGIN_BACKOFF_MAX_MS,
  LOGIN_THROTTLE_MAX_FAILURES,
  LOGIN_THROTTLE_WINDOW_MS,
  PASSWORD_SCRYPT_CONCURRENCY_MAX,
  SESSION_IDLE_TIMEOUT_MS,
  SESSION_MAX_LIFETIME_MS,
} from './defaults.js'
export { type LoginAttempt, LoginThrottle, type LoginThrottleOptions } from './login-throttle.js'
export {
  hashPassword,
  needsRehash,
  PASSWORD_COST,
  type PasswordCost,
  scryptLoad,
  verifyPassword,
} from './passwords.js'
export {
  ADMIN_READ_OBJECTS,
  assertAccess,
  canAccess,
  canEditField,
  type FieldWriter,
  OWN_RECORD_OBJECTS,
} from './permissions.js'
export type { ScryptLoad } from './scrypt-gate.js'
export {
  SessionStore,
  type SessionStoreOptions,
  type SessionUser,
  USER_STATUSES,
  type UserStatus,
} from './session-store.js'

import { ERROR_CODES, type ErrorCode, type ErrorSpec, type VaultErrorType } from './error-codes.js'

export interface LiaisonErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>
  readonly cause?: unknown
}

/** The one error class of Liaison: a stable code from the registry and a message a person can act on. */
export class LiaisonError extends Error {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>> | undefined

  constructor(code: ErrorCode, message: string, options: LiaisonErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'LiaisonError'
    this.code = code
    this.details = options.details
  }

  get spec(): ErrorSpec {
    return ERROR_CODES[this.code]
  }

  get vaultType(): VaultErrorType {
    return ERROR_CODES[this.code].vaultType
  }
}

export function isLiaisonError(value: unknown): value is LiaisonError {
  return value instanceof LiaisonError
}

/** Ends an exhaustive switch: a new variant without a branch fails to compile. */
export function assertNever(value: never, what = 'value'): never {
  throw new LiaisonError('INTERNAL', `Unhandled ${what}: ${JSON.stringify(value)}`)
}

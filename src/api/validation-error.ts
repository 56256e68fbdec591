import type { FastifyError, FastifySchemaValidationError } from 'fastify'
import { type ErrorCode, LiaisonError } from '../platform/errors/index.js'

/** The part of a request a route schema checks: body, querystring, params or headers. */
type SchemaPart = NonNullable<FastifyError['validationContext']>

/** How a message names the part of the request that failed, and one parameter in it. */
const PARTS: Readonly<Record<SchemaPart, { readonly whole: string; readonly one: string }>> = {
  body: { whole: 'request body', one: 'parameter' },
  querystring: { whole: 'query string', one: 'query parameter' },
  params: { whole: 'path', one: 'path parameter' },
  headers: { whole: 'headers', one: 'header' },
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'empty',
}

/** Longest value quoted back in a message. */
const QUOTED_VALUE_MAX_CHARS = 60

/** The schema around a failed keyword, which ajv's `verbose` option adds (app.ts turns it on). */
function parentSchemaOf(error: FastifySchemaValidationError): {
  readonly description: string | undefined
  readonly properties: readonly string[]
} {
  const parent = 'parentSchema' in error ? error.parentSchema : undefined
  if (typeof parent !== 'object' || parent === null) return { description: undefined, properties: [] }
  const description =
    'description' in parent && typeof parent.description === 'string' ? parent.description : undefined
  const properties =
    'properties' in parent && typeof parent.properties === 'object' && parent.properties !== null
      ? Object.keys(parent.properties)
      : []
  return { description, properties }
}

/** The value that failed, quoted when it is short and plain (verbose errors carry it as `data`). */
function quoted(error: FastifySchemaValidationError): string {
  const data = 'data' in error ? error.data : undefined
  if (typeof data !== 'string' && typeof data !== 'number' && typeof data !== 'boolean') return ''
  const text = JSON.stringify(data)
  return text.length > QUOTED_VALUE_MAX_CHARS ? '' : `; got ${text}`
}

/** `/message/items/3` → `message.items[3]`. */
function fieldPath(instancePath: string, last?: unknown): string {
  const segments = instancePath.split('/').slice(1)
  if (typeof last === 'string') segments.push(last)
  return segments
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path === '' ? s : `${path}.${s}`), '')
}

/**
 * anyOf reports each branch that failed, then itself. A branch that failed on something inside
 * the value (an object branch with a wrong property) names the real fault; branches that only
 * failed on the kind of value do not, and then the anyOf speaks for them.
 */
function primaryError(
  errors: readonly FastifySchemaValidationError[],
): FastifySchemaValidationError | undefined {
  const union = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
  if (union === undefined) return errors[0]
  const branchMismatch = (e: FastifySchemaValidationError) =>
    e.instancePath === union.instancePath && (e.keyword === 'type' || e.keyword === 'const')
  return errors.find((e) => e !== union && !branchMismatch(e)) ?? union
}

function allowedValues(errors: readonly FastifySchemaValidationError[], at: string): unknown[] {
  return errors
    .filter((e) => e.instancePath === at && e.keyword === 'const')
    .map((e) => e.params.allowedValue)
}

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')
}

/** What the value must be instead, for the keywords a route schema uses. */
function expectation(
  error: FastifySchemaValidationError,
  errors: readonly FastifySchemaValidationError[],
): string {
  const { params } = error
  const described = parentSchemaOf(error).description
  switch (error.keyword) {
    case 'type':
      return `must be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}`
    case 'enum':
      return `must be one of ${list([params.allowedValues].flat())}`
    case 'const':
      return `must be ${list([params.allowedValue])}`
    case 'anyOf':
    case 'oneOf': {
      const allowed = allowedValues(errors, error.instancePath)
      if (allowed.length > 0) return `must be one of ${list(allowed)}`
      return described === undefined ? 'does not have one of the accepted forms' : `must be ${described}`
    }
    case 'minimum':
      return `must be at least ${String(params.limit)}`
    case 'maximum':
      return `must be at most ${String(params.limit)}`
    case 'minLength':
      return `must have at least ${String(params.limit)} characters`
    case 'maxLength':
      return `must have at most ${String(params.limit)} characters`
    case 'minItems':
      return `must have at least ${String(params.limit)} items`
    case 'maxItems':
      return `must have at most ${String(params.limit)} items`
    case 'pattern':
      return `must be ${described ?? `text matching ${String(params.pattern)}`}`
    case 'format':
      return `must be a ${String(params.format)}`
    default:
      return error.message ?? `fails the ${error.keyword} rule`
  }
}

/**
 * Fastify's validation errors (ajv, against the route schemas) as the one Vault error a person can
 * act on: a missing or empty parameter is PARAMETER_REQUIRED, any other bad value INVALID_DATA,
 * each naming the parameter, where it travels and what it must be.
 */
export function validationError(
  errors: readonly FastifySchemaValidationError[],
  part: SchemaPart,
): LiaisonError {
  const words = PARTS[part]
  const error = primaryError(errors)
  if (error === undefined)
    return new LiaisonError('PARAMETER_INVALID', `The ${words.whole} is not valid for this endpoint.`)
  const fail = (code: ErrorCode, message: string) =>
    new LiaisonError(code, message, { details: { part, keyword: error.keyword, path: error.instancePath } })
  const name = fieldPath(error.instancePath)
  if (error.keyword === 'required')
    return fail(
      'PARAMETER_MISSING',
      `Send the ${words.one} ${fieldPath(error.instancePath, error.params.missingProperty)}; it is required.`,
    )
  if (error.keyword === 'additionalProperties') {
    const known = parentSchemaOf(error).properties
    return fail(
      'PARAMETER_INVALID',
      `The ${words.whole} has an unknown ${words.one} "${fieldPath(error.instancePath, error.params.additionalProperty)}"${known.length === 0 ? '' : `; use ${list(known)}`}.`,
    )
  }
  if (error.keyword === 'minLength' && error.params.limit === 1 && name !== '')
    return fail('PARAMETER_MISSING', `The ${words.one} ${name} is empty; send a value.`)
  const subject = name === '' ? `The ${words.whole}` : `The ${words.one} ${name}`
  const message = `${subject} ${expectation(error, errors)}${quoted(error)}.`
  return fail(name === '' && part === 'body' ? 'BODY_MALFORMED' : 'PARAMETER_INVALID', message)
}

import { type TObjectOptions, type TProperties, type TSchema, Type } from 'typebox'
import type { Envelope } from './envelope.js'

/**
 * Response schemas. Fastify serialises answers with them and drops what they do not declare, so
 * every object here is open (`additionalProperties`) and every property optional: a record, a
 * query row or a failure answered on the same route keeps all it carries.
 */

/** An object that may carry more than it declares, none of it required. */
export function openObject(properties: TProperties = {}, options: TObjectOptions = {}): TSchema {
  return Type.Partial(Type.Object(properties), { additionalProperties: true, ...options })
}

/** Text or null; one JSON Schema type list, which the serializer handles without trying each branch. */
export const NULLABLE_TEXT = Type.Unsafe<string | null>({ type: ['string', 'null'] })

/** Vault's `responseStatus`. */
export const RESPONSE_STATUS = Type.String({ enum: ['SUCCESS', 'WARNING', 'FAILURE', 'EXCEPTION'] })

/** Failures: `errors: [{type, message}]`, the type from Vault's list. */
export const ERRORS = Type.Array(openObject({ type: Type.String(), message: Type.String() }))

/** Warnings such as NO_DATA_CHANGES: `warnings: [{warning_type, message}]`. */
export const WARNINGS = Type.Array(openObject({ warning_type: Type.String(), message: Type.String() }))

/** The answer with only a status, or a failure. */
const ENVELOPE_PROPERTIES = { responseStatus: RESPONSE_STATUS, errors: ERRORS, warnings: WARNINGS }

/** An example answer of one operation, as its OpenAPI example. */
export type EnvelopeExample = Envelope & Readonly<Record<string, unknown>>

/**
 * The `response` of a route answering Vault's envelope: HTTP 200 with `responseStatus`, the
 * route's own properties, and `errors` when it fails (HTTP 200 too, as Vault answers).
 */
export function envelopeResponse(
  properties: TProperties,
  example: EnvelopeExample,
  description = 'Vault envelope: responseStatus SUCCESS or WARNING with the answer, FAILURE with errors.',
): { readonly 200: TSchema } {
  return { 200: openObject({ ...ENVELOPE_PROPERTIES, ...properties }, { description, examples: [example] }) }
}

/** The `response` of a route answering `{responseStatus, data}` (connections, queues, rules). */
export function dataResponse(data: TSchema, example: EnvelopeExample): { readonly 200: TSchema } {
  return envelopeResponse({ data }, example)
}

/**
 * The `response` of a file download: the bytes with their own Content-Type, or Vault's envelope as
 * JSON when the file cannot be read (a Buffer is never serialised, so the bytes pass as they are).
 * `text` answers text (`GET /metrics`) instead of bytes.
 */
export function fileResponse(
  description: string,
  example: string,
  failure: { readonly type: string; readonly message: string } = {
    type: 'INVALID_DATA',
    message: 'This vault has no document 999.',
  },
  text = false,
): { readonly 200: TSchema } {
  return {
    200: {
      description,
      content: {
        [text ? 'text/plain' : 'application/octet-stream']: {
          schema: text ? Type.String() : Type.String({ format: 'binary' }),
          example,
        },
        'application/json': {
          schema: openObject(ENVELOPE_PROPERTIES),
          example: { responseStatus: 'FAILURE', errors: [failure] },
        },
      },
    },
  }
}

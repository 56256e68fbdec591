import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, isLiaisonError, LiaisonError } from '../platform/errors/index.js'
import { sendFailure } from './envelope.js'
import { validationError } from './validation-error.js'

const FASTIFY_ERRORS: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_MALFORMED',
  FST_ERR_CTP_EMPTY_TYPE: 'BODY_MALFORMED',
  FST_ERR_CTP_INVALID_TYPE: 'BODY_MALFORMED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BODY_MALFORMED',
  FST_INVALID_JSON_FIELD_ERROR: 'BODY_MALFORMED',
}

/** Fastify's own errors (route schema validation, the body parsers), translated once, here. */
function translateFastifyError(error: FastifyError): LiaisonError | undefined {
  if (error.validation !== undefined && error.validationContext !== undefined)
    return validationError(error.validation, error.validationContext)
  const code = FASTIFY_ERRORS[error.code]
  if (code !== undefined)
    return new LiaisonError(code, `${error.message}.`.replace(/\.\.$/, '.'), { cause: error })
  if (error instanceof SyntaxError || error.statusCode === 400)
    return new LiaisonError('BODY_MALFORMED', `The request body could not be read: ${error.message}`, {
      cause: error,
    })
  if (error.statusCode === 413) return new LiaisonError('BODY_TOO_LARGE', error.message, { cause: error })
  return undefined
}

/**
 * The root error handler: the one place a failure becomes Vault's envelope. A LiaisonError keeps
 * its code, Fastify's errors are translated, anything else is UNEXPECTED_ERROR with its cause in
 * the log, never the body.
 */
export async function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const known = isLiaisonError(error) ? error : translateFastifyError(error)
  // The execution id is what the client quotes; the log line is where it leads.
  if (known === undefined)
    request.log.error({ err: error, executionId: request.id }, `unexpected error ${request.id}`)
  return sendFailure(
    request,
    reply,
    known ??
      new LiaisonError('INTERNAL', `Unexpected error; quote execution id ${request.id} to your admin.`),
  )
}

/** A path no route answers: MALFORMED_URL, pointing at the API description. */
export async function handleNotFound(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return sendFailure(
    request,
    reply,
    new LiaisonError(
      'URL_MALFORMED',
      `No endpoint answers ${request.method} ${request.url.split('?')[0]}; see /api/openapi.json.`,
    ),
  )
}

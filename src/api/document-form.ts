import type { FastifyRequest } from 'fastify'
import { DOCUMENTS_AUDIT_OBJECT } from '../platform/documents/index.js'
import { isLiaisonError, LiaisonError } from '../platform/errors/index.js'
import type { RoutePermission } from './fastify-types.js'

/** The bodies a route taking a document form accepts: multipart (with a file), form fields, or JSON. */
export const DOCUMENT_FORM_TYPES = [
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'application/json',
]

/** Route config that checks the caller's access to documents before the request is read. */
export function documentAccess(access: Extract<RoutePermission, { kind: 'object' }>['access']): {
  readonly permission: RoutePermission
} {
  return { permission: { kind: 'object', object: DOCUMENTS_AUDIT_OBJECT, access } }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
}

/**
 * The multipart parser's own failures (no boundary, a wrong one, a body cut short or not multipart
 * at all) are plain errors without a code: the client sent them, so they are BODY_MALFORMED.
 */
function multipartFailure(error: unknown): unknown {
  if (isLiaisonError(error) || errorCode(error) !== undefined || !(error instanceof Error)) return error
  return new LiaisonError('BODY_MALFORMED', `The multipart body could not be read: ${error.message}.`, {
    cause: error,
  })
}

/**
 * `preValidation` hook of the document routes. A multipart form's fields become the body, which
 * the route schema then checks as it checks a form or JSON body; its `file` part, read up to the
 * vault's largest document file, becomes `request.upload`. Runs after the route's permission
 * guard, so nobody uploads what they may not store. Other bodies pass untouched.
 */
export async function readDocumentForm(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return
  const documents = request.server.vault.documents
  const fields: Record<string, string> = {}
  try {
    for await (const part of request.parts({ limits: { fileSize: documents.maxFileBytes } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file')
          throw new LiaisonError(
            'BODY_MALFORMED',
            `Send the document file in the part named "file", not "${part.fieldname}".`,
          )
        const bytes = await part.toBuffer()
        request.upload = {
          bytes,
          name: part.filename || 'file',
          mime: part.mimetype || 'application/octet-stream',
        }
      } else fields[part.fieldname] = String(part.value)
    }
  } catch (error) {
    if (errorCode(error) === 'FST_REQ_FILE_TOO_LARGE') documents.refuseOversizedFile()
    throw multipartFailure(error)
  }
  request.body = fields
}

/** Document fields as the document services take them: text, a list joined with commas, null as empty. */
export function documentFields(body: Readonly<Record<string, unknown>>): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) fields[key] = ''
    else if (Array.isArray(value)) fields[key] = value.map(String).join(',')
    else fields[key] = String(value)
  }
  return fields
}

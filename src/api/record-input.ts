import type { FastifyRequest } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import { csvRecords } from '../platform/records/index.js'

export interface RecordInput {
  readonly records: readonly unknown[]
  readonly origin: 'json' | 'text'
}

function isCsv(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? ''
  return type.startsWith('text/csv') || type.startsWith('text/plain')
}

/** The records of a bulk body: a JSON array of objects, or RFC 4180 CSV with a header row. */
export function readRecordInput(request: FastifyRequest): RecordInput {
  const body = request.body
  if (isCsv(request)) {
    if (typeof body !== 'string' || body.trim() === '')
      throw new LiaisonError(
        'BODY_MALFORMED',
        'The CSV body is empty; send a header row and at least one record.',
      )
    return { records: csvRecords(body), origin: 'text' }
  }
  if (body === undefined || body === null)
    throw new LiaisonError('BODY_MALFORMED', 'The request has no body; send a JSON array of records or CSV.')
  if (!Array.isArray(body))
    throw new LiaisonError(
      'BODY_MALFORMED',
      'The JSON body must be an array of records, e.g. [{"name__v":"…"}]; send Content-Type: text/csv for CSV.',
    )
  return { records: body, origin: 'json' }
}

/** Ids for bulk deletes and actions: JSON `[{"id":…}]` or `["…"]`, CSV with an id column, or form `ids=a,b`. */
export function readIds(request: FastifyRequest, idKey = 'id'): string[] {
  const body = request.body
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'ids' in body) {
    const ids = (body as { ids: unknown }).ids
    if (typeof ids !== 'string' || ids.trim() === '')
      throw new LiaisonError(
        'PARAMETER_MISSING',
        'Send the ids form field as a comma-separated list of record ids.',
      )
    return ids
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  }
  const { records } = readRecordInput(request)
  return records.map((r, i) => {
    if (typeof r === 'string') return r
    if (typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>)[idKey] === 'string')
      return (r as Record<string, string>)[idKey]!
    throw new LiaisonError('BODY_MALFORMED', `Record ${i + 1} has no ${idKey}; send [{"${idKey}":"…"}].`)
  })
}

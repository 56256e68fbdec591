import type { FastifyRequest } from 'fastify'
import { type Static, Type } from 'typebox'
import { LiaisonError } from '../platform/errors/index.js'
import { csvRecords, type InputOrigin } from '../platform/records/index.js'

/** One record of a JSON bulk body; the record service checks each and fails only that one. */
const RECORD = Type.Unknown({ description: 'A record: an object of field names and values.' })

/** CSV bodies (text/csv, text/plain) arrive as text; app.ts registers their parser. */
const CSV = Type.String({ description: 'RFC 4180 CSV with a header row (Content-Type: text/csv).' })

/** The body of bulk create, upsert and update: a JSON array of records, or CSV. At most 500 records. */
export const RECORDS_BODY = Type.Union([Type.Array(RECORD), CSV], {
  description:
    'a JSON array of records, e.g. [{"name__v":"…"}], or RFC 4180 CSV with a header row (Content-Type: text/csv); at most 500 records',
  examples: [[{ name__v: 'Cholecap', generic_name__v: 'cholecapium' }]],
})

/** The body of bulk deletes and actions: ids as JSON `[{"id":…}]` or `["…"]`, CSV with an id column, or form `ids=a,b`. */
export const IDS_BODY = Type.Union(
  [
    Type.Array(RECORD),
    CSV,
    Type.Object({
      ids: Type.String({ minLength: 1, description: 'Comma-separated record ids, at most 500.' }),
    }),
  ],
  {
    description:
      'record ids: a JSON array [{"id":"…"}] or ["…"], CSV with an id column, or the form field ids (comma-separated); at most 500',
    examples: [{ ids: 'V0M000000001001,V0M000000001002' }],
  },
)

export interface RecordInput {
  readonly records: readonly unknown[]
  readonly origin: InputOrigin
}

function isCsv(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? ''
  return type.startsWith('text/csv') || type.startsWith('text/plain')
}

/**
 * The records of a bulk body. The schema let through an array or text; which one is right
 * depends on the Content-Type: CSV is text, anything else must be a JSON array.
 */
export function readRecordInput(request: FastifyRequest, body: Static<typeof RECORDS_BODY>): RecordInput {
  if (isCsv(request)) {
    if (typeof body !== 'string' || body.trim() === '')
      throw new LiaisonError(
        'BODY_MALFORMED',
        'The CSV body is empty; send a header row and at least one record.',
      )
    return { records: csvRecords(body), origin: 'text' }
  }
  if (typeof body === 'string')
    throw new LiaisonError(
      'BODY_MALFORMED',
      body === ''
        ? 'The request has no body; send a JSON array of records or CSV.'
        : 'The JSON body must be an array of records, e.g. [{"name__v":"…"}]; send Content-Type: text/csv for CSV.',
    )
  return { records: body, origin: 'json' }
}

/** The ids of a bulk delete or action, in input order. */
export function readIds(request: FastifyRequest, body: Static<typeof IDS_BODY>): string[] {
  if (typeof body === 'object' && !Array.isArray(body))
    return body.ids
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  const { records } = readRecordInput(request, body)
  return records.map((r, i) => {
    if (typeof r === 'string') return r
    if (typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'string') return r.id
    throw new LiaisonError('BODY_MALFORMED', `Record ${i + 1} has no id; send [{"id":"…"}].`)
  })
}

import { parse as parseQueryString } from 'node:querystring'
import type { FastifyInstance } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'

/**
 * Most keys a JSON body may hold in all its objects. Parsing costs about a microsecond per key
 * on the one thread every vault of the process shares; 500 records of 100 fields stay well below.
 */
export const JSON_BODY_KEYS_MAX = 50_000
/** Deepest nesting of objects and arrays in a JSON body; records are two levels deep. */
export const JSON_BODY_DEPTH_MAX = 64
/** Most fields a form body may carry (login, VQL, ids need a handful). */
export const FORM_BODY_FIELDS_MAX = 1_000

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const OPEN_ARRAY = 0x5b
const CLOSE_OBJECT = 0x7d
const CLOSE_ARRAY = 0x5d

function tooComplex(what: string): LiaisonError {
  return new LiaisonError(
    'BODY_TOO_COMPLEX',
    `The JSON body ${what}; it was refused before it was read. Split the records across requests and send only fields the object has.`,
  )
}

/**
 * Counts keys and nesting in JSON text without parsing it, a cheap pass that refuses a body
 * whose parse alone would hold the event loop. Malformed text is left to the parser to report.
 */
export function assertJsonBodyShape(text: string): void {
  let keys = 0
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
      continue
    }
    if (c === QUOTE) inString = true
    else if (c === COLON) {
      if (++keys > JSON_BODY_KEYS_MAX) throw tooComplex(`holds more than ${JSON_BODY_KEYS_MAX} keys`)
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > JSON_BODY_DEPTH_MAX) throw tooComplex(`nests deeper than ${JSON_BODY_DEPTH_MAX} levels`)
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--
  }
}

/** Form bodies: refuses more than FORM_BODY_FIELDS_MAX fields before building the object. */
export function parseFormBody(text: string): Record<string, unknown> {
  let fields = 1
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1))
    if (++fields > FORM_BODY_FIELDS_MAX)
      throw new LiaisonError(
        'BODY_TOO_COMPLEX',
        `The form body carries more than ${FORM_BODY_FIELDS_MAX} fields; send only the fields the endpoint documents.`,
      )
  return { ...parseQueryString(text) }
}

/** Replaces Fastify's JSON parser by one that checks the body's shape before parsing it. */
export function registerJsonParser(app: FastifyInstance, bodyLimit: number): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const text = String(body)
    assertJsonBodyShape(text)
    parseJson(request, text, done)
  })
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import { LiaisonError } from '../platform/errors/index.js'
import type { RecordActor } from '../platform/records/index.js'
import { type CsvValue, formatCsv } from '../platform/records/index.js'
import type { Vault } from '../platform/vault/index.js'
import type { VqlContext, VqlResponse } from '../platform/vql/index.js'
import { send } from './envelope.js'
import { sessionOf } from './guards.js'

/**
 * The VQL context of an actor in a vault: the one query path of the API (VQL, record collections,
 * users), with the actor's read permissions and record scope (own user, a connection's own records).
 */
export function vqlContextFor(vault: Vault, actor: RecordActor): VqlContext {
  return {
    storage: vault.storage,
    metadata: vault.metadata.current,
    clock: vault.clock,
    userId: actor.userId,
    canRead: (objectName) => vault.records.canAccess(actor, objectName, 'read'),
    recordScope: (objectName) => vault.records.recordScope(actor, objectName),
    readRefusal: (objectName) => vault.records.accessRefusal(actor, objectName, 'read'),
    targetProviders: vault.vqlTargets,
  }
}

/** The VQL context of the signed-in caller of a request. */
export function vqlContextOf(request: FastifyRequest): VqlContext {
  return vqlContextFor(request.server.vault, sessionOf(request).actor)
}

/** Whether the client asked for CSV (`Accept: text/csv`), as Vault answers query results and record lists. */
export function wantsCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept
  return typeof accept === 'string' && /(^|,)\s*text\/csv\b/i.test(accept)
}

function csvCell(value: unknown): CsvValue {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  // A subquery's nested answer or any other structure: its JSON, so nothing is lost.
  return JSON.stringify(value)
}

/** Rows as CSV: a header of the field names (first seen first), one line per row. */
export function rowsAsCsv(rows: readonly Record<string, unknown>[]): string {
  const header: string[] = []
  const seen = new Set<string>()
  for (const row of rows)
    for (const name of Object.keys(row))
      if (!seen.has(name)) {
        seen.add(name)
        header.push(name)
      }
  return formatCsv(
    header,
    rows.map((row) => header.map((name) => csvCell(row[name]))),
  )
}

/** Sends rows as CSV (`Accept: text/csv`). */
export function sendCsv(reply: FastifyReply, rows: readonly Record<string, unknown>[]): FastifyReply {
  void reply.header('X-VaultAPI-Status', 'SUCCESS')
  return reply.type('text/csv; charset=utf-8').send(rowsAsCsv(rows))
}

const RECORD_PROPERTY_KINDS = ['hidden', 'redacted', 'weblink'] as const
type RecordPropertyKind = (typeof RECORD_PROPERTY_KINDS)[number]

/** The kinds `X-VaultAPI-RecordProperties` asks for (`all`, or a list of hidden, redacted, weblink). */
function recordPropertyKinds(request: FastifyRequest): readonly RecordPropertyKind[] {
  const header = request.headers['x-vaultapi-recordproperties']
  if (typeof header !== 'string' || header.trim() === '') return []
  const kinds = new Set<RecordPropertyKind>()
  for (const part of header.split(',').map((p) => p.trim().toLowerCase())) {
    if (part === 'all') for (const kind of RECORD_PROPERTY_KINDS) kinds.add(kind)
    else if ((RECORD_PROPERTY_KINDS as readonly string[]).includes(part))
      kinds.add(part as RecordPropertyKind)
    else
      throw new LiaisonError(
        'PARAMETER_INVALID',
        `X-VaultAPI-RecordProperties does not know "${part}"; send all, or any of hidden, redacted, weblink.`,
      )
  }
  return RECORD_PROPERTY_KINDS.filter((kind) => kinds.has(kind))
}

/**
 * Vault's `record_properties`, one entry per row with an id. No field of this vault is hidden,
 * redacted or a weblink, so each list asked for is empty, as Vault answers a record without any.
 */
function recordProperties(
  rows: readonly Record<string, unknown>[],
  kinds: readonly RecordPropertyKind[],
): Record<string, unknown>[] {
  return rows
    .filter((row) => typeof row.id === 'string' || typeof row.id === 'number')
    .map((row) => ({
      id: row.id,
      field_properties: Object.fromEntries(kinds.map((kind) => [kind, []])),
      field_additional_data: {},
    }))
}

/** How the client asked to be answered, read (and checked) before the query runs. */
export interface AnswerFormat {
  readonly csv: boolean
  readonly recordProperties: readonly RecordPropertyKind[]
}

export function answerFormatOf(request: FastifyRequest): AnswerFormat {
  return { csv: wantsCsv(request), recordProperties: recordPropertyKinds(request) }
}

/** Sends a VQL answer as JSON (with `record_properties` when asked) or, for `Accept: text/csv`, CSV. */
export function sendVqlAnswer(
  reply: FastifyReply,
  response: VqlResponse,
  format: AnswerFormat,
): FastifyReply {
  if (format.csv) return sendCsv(reply, response.data)
  if (format.recordProperties.length === 0) return send(reply, response)
  return send(reply, {
    ...response,
    record_properties: recordProperties(response.data, format.recordProperties),
  })
}

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditPage } from '../platform/audit/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { type CsvValue, formatCsv } from '../platform/records/index.js'

const DAY_MS = 86_400_000
/** Vault's audit and deletion reads look back at most this far. */
export const AUDIT_LOOKBACK_DAYS = 30

/** Vault's date parameters: `YYYY-MM-DDTHH:MM:SSZ`, or a date alone (midnight UTC). */
const VAULT_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z)?$/

function parseDate(name: string, value: string): number {
  const ms = VAULT_DATE.test(value)
    ? Date.parse(value.includes('T') ? value : `${value}T00:00:00Z`)
    : Number.NaN
  if (Number.isNaN(ms))
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `${name} "${value}" is not a date: send YYYY-MM-DDTHH:MM:SSZ in UTC, e.g. 2026-01-15T07:00:00Z.`,
    )
  return ms
}

export interface WindowQuery {
  readonly start_date?: string | undefined
  readonly end_date?: string | undefined
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}

export interface WindowRules {
  readonly nowMs: number
  /** Where the window starts when start_date is not sent. */
  readonly defaultStartMs: number
  readonly defaultLimit: number
  /** Refuse a start_date older than the look-back, as Vault's audit trail does. */
  readonly enforceLookback: boolean
}

/**
 * The window and page of an audit or deletion read. Dates are Vault's; an end given to the second
 * takes in that whole second (timestamps here carry milliseconds).
 */
export function readWindow(query: WindowQuery, rules: WindowRules): AuditPage {
  const startMs =
    query.start_date === undefined || query.start_date === ''
      ? rules.defaultStartMs
      : parseDate('start_date', query.start_date)
  const endMs =
    query.end_date === undefined || query.end_date === ''
      ? rules.nowMs
      : parseDate('end_date', query.end_date) + (query.end_date.includes('.') ? 0 : 999)
  const oldestMs = rules.nowMs - AUDIT_LOOKBACK_DAYS * DAY_MS
  if (rules.enforceLookback && startMs < oldestMs)
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `start_date ${query.start_date ?? ''} is more than ${AUDIT_LOOKBACK_DAYS} days ago; send a date after ${new Date(oldestMs).toISOString()}.`,
    )
  if (endMs < startMs)
    throw new LiaisonError(
      'PARAMETER_INVALID',
      `end_date ${query.end_date ?? ''} is before start_date ${new Date(startMs).toISOString()}; send an end after the start.`,
    )
  return {
    startDate: new Date(startMs).toISOString(),
    endDate: new Date(endMs).toISOString(),
    limit: query.limit ?? rules.defaultLimit,
    offset: query.offset ?? 0,
  }
}

/** The start of the previous day (UTC): Vault's default start of an audit trail read. */
export function startOfPreviousDayMs(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS - DAY_MS
}

/**
 * Vault's paging details of a log, deletion or audit read: total, size, limit, offset and the
 * previous and next page links. The links carry the resolved window, so every page reads the same
 * entries even when the first call left end_date to "now".
 */
export function pageDetails(
  path: string,
  page: AuditPage,
  total: number,
  size: number,
  extra: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const link = (offset: number) =>
    `${path}?${new URLSearchParams({ ...extra, start_date: page.startDate, end_date: page.endDate, limit: String(page.limit), offset: String(offset) }).toString()}`
  return {
    total,
    size,
    limit: page.limit,
    offset: page.offset,
    ...(page.offset > 0 ? { previous_page: link(Math.max(0, page.offset - page.limit)) } : {}),
    ...(page.offset + size < total ? { next_page: link(page.offset + page.limit) } : {}),
  }
}

/** Whether the client asked for CSV: `format_result=csv` or `Accept: text/csv`. */
export function wantsCsv(request: FastifyRequest, formatResult: string | undefined): boolean {
  if (formatResult !== undefined && formatResult.toLowerCase() === 'csv') return true
  const accept = request.headers.accept
  return typeof accept === 'string' && accept.toLowerCase().includes('text/csv')
}

/** Answers rows as a CSV download, one column per key of the first row (or `columns`). */
export function sendCsv(
  reply: FastifyReply,
  fileName: string,
  columns: readonly string[],
  rows: readonly Readonly<Record<string, unknown>>[],
): FastifyReply {
  const cell = (value: unknown): CsvValue =>
    value === null || value === undefined
      ? null
      : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value)
  const body = formatCsv(
    columns,
    rows.map((row) => columns.map((c) => cell(row[c]))),
  )
  void reply.header('X-VaultAPI-Status', 'SUCCESS')
  void reply.header('content-disposition', `attachment; filename="${fileName}"`)
  return reply.type('text/csv; charset=utf-8').send(body)
}

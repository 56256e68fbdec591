import { LiaisonError } from '../platform/errors/index.js'

const API_VERSION = 'v25.2'

interface Envelope {
  readonly responseStatus: string
  readonly errors?: readonly { type: string; message: string }[]
  readonly responseDetails?: { readonly total?: number; readonly next_page?: string }
  readonly data?: readonly Record<string, unknown>[]
  readonly sessionId?: string
}

async function post(url: string, body: URLSearchParams, session?: string): Promise<Envelope> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(session === undefined ? {} : { authorization: session }),
    },
    body,
  })
  const envelope = (await response.json()) as Envelope
  if (envelope.responseStatus === 'FAILURE' || envelope.responseStatus === 'EXCEPTION') {
    const error = envelope.errors?.[0]
    throw new LiaisonError(
      'QUERY_INVALID',
      `${error?.type ?? 'FAILURE'}: ${error?.message ?? 'the vault refused the call'}`,
    )
  }
  return envelope
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.join(',')
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value).replace(/\s+/g, ' ')
}

/** A plain-text table of query rows, columns in the order the first row lists them. */
export function formatRows(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const table = [columns, ...rows.map((r) => columns.map((c) => cell(r[c])))]
  const widths = columns.map((_, i) => Math.min(60, Math.max(...table.map((row) => row[i]!.length))))
  const line = (row: readonly string[]) =>
    row
      .map((value, i) =>
        value.length > widths[i]! ? `${value.slice(0, widths[i]! - 1)}…` : value.padEnd(widths[i]!),
      )
      .join('  ')
      .trimEnd()
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n')
}

/**
 * `liaison vql`: logs in to a vault over HTTP, runs one query, follows next_page to the end (or
 * to `maxRows`) and answers the rows.
 */
export async function runVqlCommand(options: {
  readonly vault: string
  readonly user: string
  readonly password: string
  readonly query: string
  readonly maxRows: number
}): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  const origin = options.vault.replace(/\/+$/, '')
  const auth = await post(
    `${origin}/api/${API_VERSION}/auth`,
    new URLSearchParams({ username: options.user, password: options.password }),
  )
  const session = auth.sessionId!
  let page = await post(
    `${origin}/api/${API_VERSION}/query`,
    new URLSearchParams({ q: options.query }),
    session,
  )
  const rows = [...(page.data ?? [])]
  const total = page.responseDetails?.total ?? rows.length
  while (rows.length < options.maxRows && page.responseDetails?.next_page !== undefined) {
    page = await post(`${origin}${page.responseDetails.next_page}`, new URLSearchParams(), session)
    rows.push(...(page.data ?? []))
  }
  return { rows: rows.slice(0, options.maxRows), total }
}

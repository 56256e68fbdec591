import { VaultClient } from './vault-client.js'
import { type LoginOptions, resolveLogin } from './world-credentials.js'

interface Page {
  readonly responseDetails?: { readonly total?: number; readonly next_page?: string }
  readonly data?: readonly Record<string, unknown>[]
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
 * `liaison vql`: logs in to a vault over HTTP (flags, LIAISON_USER/LIAISON_PASSWORD or a world's
 * world.json), runs one query, follows next_page to the end (or to `maxRows`) and answers the rows.
 */
export async function runVqlCommand(
  options: LoginOptions & { readonly query: string; readonly maxRows: number },
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  const login = resolveLogin(options, env)
  const client = new VaultClient(login.url)
  await client.login(login.username, login.password)
  return queryAll(client, options.query, options.maxRows)
}

/** Runs one query with a logged-in client and follows next_page to the end (or to `maxRows`). */
export async function queryAll(
  client: VaultClient,
  query: string,
  maxRows: number = Number.POSITIVE_INFINITY,
): Promise<{ rows: Record<string, unknown>[]; total: number }> {
  let page = (await client.call('POST', '/query', new URLSearchParams({ q: query }))) as Page
  const rows = [...(page.data ?? [])]
  const total = page.responseDetails?.total ?? rows.length
  while (rows.length < maxRows && page.responseDetails?.next_page !== undefined) {
    page = (await client.call('POST', page.responseDetails.next_page, new URLSearchParams())) as Page
    rows.push(...(page.data ?? []))
  }
  return { rows: rows.slice(0, maxRows), total }
}

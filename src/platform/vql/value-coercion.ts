import { sql } from 'kysely'
import type { FieldType } from '../metadata/index.js'
import { escapeLike } from '../storage/index.js'
import type { DateLiteralNode, ValueNode } from './ast.js'
import type { Sql } from './compiler.js'
import { resolveDateLiteral } from './date-literals.js'
import { invalidQuery } from './errors.js'
import type { TargetField } from './query-targets.js'

/**
 * How VQL values become the values stored in a field's column, bound as parameters: numbers,
 * Yes/No as 0/1, dates as `YYYY-MM-DD`, date-times as ISO strings, multi-value fields as `a,b`.
 */

/** The literals a stored value can be written as; the others are refused before the table runs. */
type ScalarNode = Extract<ValueNode, { kind: 'string' | 'number' | 'boolean' }>

const DAY_MS = 86_400_000

const asText = (node: ScalarNode, field: TargetField): string => {
  if (node.kind === 'string') return node.value
  if (node.kind === 'number') return String(node.value)
  throw invalidQuery(`${fieldIs(field)}; compare it with a quoted string.`, node.pos)
}

const asNumber = (node: ScalarNode, field: TargetField): number => {
  const n =
    node.kind === 'number'
      ? node.value
      : node.kind === 'string' && node.value.trim() !== ''
        ? Number(node.value)
        : Number.NaN
  if (!Number.isFinite(n)) throw invalidQuery(`${fieldIs(field)}; compare it with a number.`, node.pos)
  return n
}

/** Per field type: the stored value of a literal, or why the literal does not fit. */
const COERCE: Record<FieldType, (node: ScalarNode, field: TargetField) => string | number> = {
  ID: asText,
  String: asText,
  LongText: asText,
  Picklist: asText,
  Object: asText,
  Number: asNumber,
  Document: asNumber,
  Boolean: (node, field) => {
    if (node.kind === 'boolean') return node.value ? 1 : 0
    if (node.kind === 'string' && (node.value === 'true' || node.value === 'false'))
      return node.value === 'true' ? 1 : 0
    throw invalidQuery(`${fieldIs(field)}; compare it with true or false.`, node.pos)
  },
  Date: (node, field) => {
    if (node.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(node.value)) return node.value
    throw invalidQuery(`${fieldIs(field)}; compare it with a date such as '2024-01-31'.`, node.pos)
  },
  DateTime: (node, field) => {
    if (node.kind === 'string') {
      const v = node.value
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00.000Z`
      if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/.test(v)) {
        const ms = Date.parse(v)
        if (Number.isFinite(ms)) return new Date(ms).toISOString()
      }
    }
    throw invalidQuery(
      `${fieldIs(field)}; compare it with a UTC date-time such as '2024-01-31T10:00:00.000Z'.`,
      node.pos,
    )
  },
}

function fieldIs(field: TargetField): string {
  return `${field.name} is a ${field.type} field`
}

/** The value stored in `field`'s column that a literal stands for; throws QUERY_INVALID when it does not fit. */
export function coerceValue(field: TargetField, node: ValueNode): string | number {
  if (node.kind === 'fieldRef' || node.kind === 'functionCall')
    throw invalidQuery(
      `Compare ${field.name} with a value, not with ${node.kind === 'fieldRef' ? node.path : `${node.name}()`}.`,
      node.pos,
    )
  if (node.kind === 'null' || node.kind === 'dateLiteral')
    throw invalidQuery(`${node.kind === 'null' ? 'null' : node.name} cannot be used here.`, node.pos)
  return COERCE[field.type](node, field)
}

/** A date literal's range as stored bounds: low inclusive, high exclusive (whole days for Date fields). */
export function dateLiteralBounds(
  type: 'Date' | 'DateTime',
  literal: DateLiteralNode,
  nowMs: number,
): { readonly low: string; readonly high: string } {
  const range = resolveDateLiteral(literal.name, literal.n, nowMs)
  if (type === 'DateTime')
    return { low: new Date(range.startMs).toISOString(), high: new Date(range.endMs).toISOString() }
  return {
    low: new Date(Math.floor(range.startMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
    high: new Date(Math.ceil(range.endMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
  }
}

/** Turns a VQL LIKE pattern (as written) into a SQL LIKE pattern with `\` escapes. */
export function likePattern(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i]!
      const decoded = ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[next] ?? next
      out += escapeLike(decoded)
    } else if (c === "'" && raw[i + 1] === "'") {
      out += "'"
      i++
    } else if (c === '%') out += '%'
    else out += escapeLike(c)
  }
  return out
}

/**
 * `ref` holds any of `names`. Multi-value fields (picklists, and document references such as
 * country__v) store `a,b`, so each name is matched between commas.
 */
export function holdsAnyName(ref: Sql, multiValue: boolean, names: readonly string[]): Sql {
  if (names.length === 0) return sql`1 = 0`
  if (!multiValue) return sql`${ref} in (${sql.join(names)})`
  return sql`(${sql.join(
    names.map((n) => sql`(',' || ${ref} || ',') like ${`%,${escapeLike(n)},%`} escape '\\'`),
    sql` or `,
  )})`
}

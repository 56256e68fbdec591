import { sql } from 'kysely'
import { isLiaisonError, LiaisonError } from '../errors/index.js'
import type { ExpressionNode } from './ast.js'
import { type CompiledSelect, type CompiledSubquery, compileSelect, type Sql } from './compiler.js'
import {
  DEFAULT_PAGE_SIZE_ROWS,
  MAX_MANUAL_PAGE_OFFSET_ROWS,
  MAX_PAGE_SIZE_ROWS,
  MAX_QUERY_LENGTH_CHARS,
} from './defaults.js'
import { invalidQuery } from './errors.js'
import { parseVql } from './parser.js'
import { TargetRegistry } from './query-targets.js'
import { runShow } from './show-statement.js'
import { createCursor, useCursor } from './vql-cursor.js'
import type { VqlContext, VqlPageRequest, VqlRequest, VqlResponse, VqlResponseDetails } from './vql-types.js'

type Row = Record<string, unknown>

const ID_COLUMN = '__id'

async function execute(ctx: VqlContext, query: Sql): Promise<Row[]> {
  try {
    const result = await query.execute(ctx.storage.db)
    return result.rows as Row[]
  } catch (error) {
    const translated = isLiaisonError(error) ? error : ctx.storage.dialect.translateError(error)
    throw translated ?? error
  }
}

function whereClause(where: Sql | undefined): Sql {
  return where === undefined ? sql`` : sql`where ${where}`
}

function orderClause(select: CompiledSelect): Sql {
  // The id comes last so pages never overlap or skip rows when other keys tie.
  return sql`order by ${sql.join([...select.orderBy, sql`${select.idOrder} asc`])}`
}

function selectList(select: CompiledSelect): Sql {
  const columns = select.columns.map((c) => sql`${c.expr} as ${sql.id(c.sqlAlias)}`)
  // The row id is read only when subqueries need it to attach their rows.
  if (select.subqueries.length > 0 || columns.length === 0)
    columns.push(sql`${select.idRef} as ${sql.id(ID_COLUMN)}`)
  return sql.join(columns)
}

/** The one statement that reads a page of the main query. */
export function pageQuery(select: CompiledSelect, limit: number, offset: number): Sql {
  if (select.atMostOneRow && offset === 0 && limit > 0)
    return sql`select ${selectList(select)} from ${select.from} ${whereClause(select.where)}`
  return sql`select ${selectList(select)} from ${select.from} ${whereClause(select.where)} ${orderClause(select)} limit ${limit} offset ${offset}`
}

function shapeRow(select: CompiledSelect, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const c of select.columns) out[c.key] = c.shape(row[c.sqlAlias])
  return out
}

function checkPaging(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidQuery(`${name} must be a whole number, 0 or more; got ${value}.`)
  return value
}

async function countRows(ctx: VqlContext, select: CompiledSelect, cap: number | undefined): Promise<number> {
  const base = sql`select 1 as one from ${select.from} ${whereClause(select.where)}`
  const query =
    cap === undefined
      ? sql`select count(*) as n from (${base}) q`
      : sql`select count(*) as n from (${base} limit ${cap}) q`
  const rows = await execute(ctx, query)
  return Number(rows[0]?.n ?? 0)
}

/** Fills each parent row's nested results, one statement per subquery for the whole page. */
async function fillSubquery(
  ctx: VqlContext,
  sub: CompiledSubquery,
  parents: readonly { readonly id: unknown; readonly row: Record<string, unknown> }[],
): Promise<void> {
  const byParent = new Map<string, { total: number; data: Record<string, unknown>[] }>()
  const ids = parents.map((p) => p.id).filter((id) => id !== null && id !== undefined)
  if (ids.length > 0) {
    const conditions = [
      sql`${sub.parentRef} in (${sql.join(ids)})`,
      ...(sub.where === undefined ? [] : [sub.where]),
    ]
    const inner = sql`select ${selectList(sub)}, ${sub.parentRef} as ${sql.id('__parent')},
      row_number() over (partition by ${sub.parentRef} ${orderClause(sub)}) as ${sql.id('__rn')},
      count(*) over (partition by ${sub.parentRef}) as ${sql.id('__total')}
      from ${sub.from} where ${sql.join(conditions, sql` and `)}`
    const rows = await execute(
      ctx,
      sql`select * from (${inner}) x where ${sql.ref('x.__rn')} <= ${sub.limit} order by ${sql.ref('x.__parent')}, ${sql.ref('x.__rn')}`,
    )
    for (const row of rows) {
      const key = String(row.__parent)
      let entry = byParent.get(key)
      if (entry === undefined) {
        entry = { total: Number(row.__total), data: [] }
        byParent.set(key, entry)
      }
      entry.data.push(shapeRow(sub, row))
    }
  }
  for (const parent of parents) {
    const entry = byParent.get(String(parent.id)) ?? { total: 0, data: [] }
    parent.row[sub.key] = {
      responseDetails: { pagesize: sub.limit, pageoffset: 0, size: entry.data.length, total: entry.total },
      data: entry.data,
    }
  }
}

/** The caller's record scope of a target as a condition; a scope that does not parse is a bug, said loudly. */
function recordScopeOf(ctx: VqlContext, name: string): ExpressionNode | undefined {
  const text = ctx.recordScope?.(name)
  if (text === undefined) return undefined
  const statement = parseVql(`SELECT id FROM ${name} WHERE ${text}`)
  if (statement.kind !== 'select' || statement.where === undefined)
    throw new LiaisonError('INTERNAL', `The record scope of ${name} is not a VQL condition: ${text}`)
  return statement.where
}

interface RunOptions {
  readonly q: string
  readonly apiVersion: string
  readonly describe: boolean
  readonly pagesize?: number
  readonly pageoffset?: number
  /** The cursor of the links, when this run follows one. */
  readonly cursorId?: string
}

function pageLink(apiVersion: string, cursorId: string, pagesize: number, pageoffset: number): string {
  return `/api/${apiVersion}/query/${cursorId}?pagesize=${pagesize}&pageoffset=${pageoffset}`
}

async function run(ctx: VqlContext, options: RunOptions): Promise<VqlResponse> {
  if (options.q.length > MAX_QUERY_LENGTH_CHARS)
    throw invalidQuery(
      `The query has ${options.q.length} characters; VQL allows at most ${MAX_QUERY_LENGTH_CHARS}.`,
    )
  const statement = parseVql(options.q)
  const registry = new TargetRegistry(ctx.metadata, ctx.targetProviders ?? [])
  if (statement.kind === 'show') return runShow(statement, registry, ctx)
  const select = compileSelect(statement, {
    registry,
    dialect: ctx.storage.dialect,
    nowMs: ctx.clock.now(),
    canRead: (name) => ctx.canRead(name),
    recordScope: (name) => recordScopeOf(ctx, name),
    readRefusal: (name) => ctx.readRefusal?.(name),
  })
  const { maxrows, skip } = select.paging
  const pagesize = Math.min(
    checkPaging('pagesize', options.pagesize) ?? select.paging.pagesize ?? DEFAULT_PAGE_SIZE_ROWS,
    MAX_PAGE_SIZE_ROWS,
  )
  const manualOffset = select.paging.pageoffset
  if (manualOffset !== undefined && manualOffset > MAX_MANUAL_PAGE_OFFSET_ROWS)
    throw invalidQuery(
      `PAGEOFFSET ${manualOffset} pages past ${MAX_MANUAL_PAGE_OFFSET_ROWS} records; follow the next_page link of the answer instead.`,
    )
  const pageoffset = checkPaging('pageoffset', options.pageoffset) ?? manualOffset ?? 0
  const remaining = maxrows === undefined ? Number.POSITIVE_INFINITY : Math.max(0, maxrows - pageoffset)
  const limit = Math.min(pagesize, remaining)
  let rows: Row[] = []
  if (limit > 0) rows = await execute(ctx, pageQuery(select, limit, skip + pageoffset))
  let total: number
  if (limit > 0 && rows.length < limit && (rows.length > 0 || pageoffset === 0))
    // A short page is the last one: the total is known without counting the whole table.
    total = pageoffset + rows.length
  else if (limit > 0 && limit === remaining && rows.length === limit) total = maxrows!
  else {
    const counted = await countRows(ctx, select, maxrows === undefined ? undefined : skip + maxrows)
    total = Math.max(0, counted - skip)
    if (maxrows !== undefined) total = Math.min(total, maxrows)
  }
  const data = rows.map((row) => shapeRow(select, row))
  if (select.subqueries.length > 0) {
    const parents = rows.map((row, i) => ({ id: row[ID_COLUMN], row: data[i]! }))
    for (const sub of select.subqueries) await fillSubquery(ctx, sub, parents)
  }
  const details: VqlResponseDetails = { pagesize, pageoffset, size: data.length, total }
  const hasNext = pagesize > 0 && pageoffset + data.length < total
  const hasPrevious = pagesize > 0 && pageoffset > 0
  if (hasNext || hasPrevious) {
    const cursorId = options.cursorId ?? (await createCursor(ctx, options.q, options.apiVersion))
    if (hasPrevious)
      details.previous_page = pageLink(
        options.apiVersion,
        cursorId,
        pagesize,
        Math.max(0, pageoffset - pagesize),
      )
    if (hasNext) details.next_page = pageLink(options.apiVersion, cursorId, pagesize, pageoffset + pagesize)
  }
  return {
    responseStatus: 'SUCCESS',
    responseDetails: details,
    data,
    ...(options.describe ? { queryDescribe: select.describe } : {}),
  }
}

/** Runs one VQL statement for the context's user: POST /api/{v}/query. */
export async function runVql(ctx: VqlContext, request: VqlRequest): Promise<VqlResponse> {
  if (typeof request.q !== 'string' || request.q.trim() === '')
    throw new LiaisonError(
      'PARAMETER_MISSING',
      'The query parameter q is required, for example q=SELECT id FROM case__v.',
    )
  return run(ctx, {
    q: request.q,
    apiVersion: request.apiVersion,
    describe: request.describe === true,
    ...(request.pagesize === undefined ? {} : { pagesize: request.pagesize }),
    ...(request.pageoffset === undefined ? {} : { pageoffset: request.pageoffset }),
  })
}

/** Fetches another page of a query through its next_page / previous_page link: POST /api/{v}/query/{cursorId}. */
export async function runVqlPage(
  ctx: VqlContext,
  cursorId: string,
  request: VqlPageRequest,
): Promise<VqlResponse> {
  const cursor = await useCursor(ctx, cursorId)
  return run(ctx, {
    q: cursor.query,
    apiVersion: request.apiVersion,
    describe: request.describe === true,
    cursorId: cursor.id,
    ...(request.pagesize === undefined ? {} : { pagesize: request.pagesize }),
    ...(request.pageoffset === undefined ? {} : { pageoffset: request.pageoffset }),
  })
}

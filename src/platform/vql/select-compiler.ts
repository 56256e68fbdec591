import { sql } from 'kysely'
import type { SelectFieldNode, SelectStatementNode, SourcePosition } from './ast.js'
import type { CompiledPaging, CompiledSelect, CompiledSubquery, OutputColumn, Sql } from './compiler.js'
import { LONG_TEXT_PREVIEW_CHARS, MAX_ALIAS_CHARS, SUBQUERY_PAGE_SIZE_ROWS } from './defaults.js'
import { invalidQuery } from './errors.js'
import { RESERVED_WORDS } from './lexer.js'
import { idSortKey, returnsAtMostOneRow } from './plan-hints.js'
import { type QueryTarget, STATUS_FUNCTIONS, type TargetRelationship } from './query-targets.js'
import { columnRef, fromClause, type Scope, type ScopeResolver } from './scope-resolver.js'
import { labelShaper, shaperFor, trimmedNamesShaper } from './value-shapes.js'
import type { VqlDescribedField } from './vql-types.js'
import type { WhereCompiler } from './where-compiler.js'

/** Compiles a SELECT: its columns, nested subqueries, ORDER BY and paging; WHERE goes to WhereCompiler. */
export class SelectCompiler {
  readonly #scopes: ScopeResolver
  readonly #where: WhereCompiler

  constructor(scopes: ScopeResolver, where: WhereCompiler) {
    this.#scopes = scopes
    this.#where = where
  }

  compile(
    query: SelectStatementNode,
    target: QueryTarget,
    asSubquery?: { key: string; relationship: TargetRelationship },
  ): CompiledSelect {
    if (query.fromOption !== undefined && !target.fromOptions.includes(query.fromOption))
      throw invalidQuery(`${query.fromOption} does not apply to ${target.name}.`, query.targetPos)
    const scope = this.#scopes.openScope(target, asSubquery === undefined ? 't' : 's', query.fromOption)
    const columns: OutputColumn[] = []
    const subqueries: CompiledSubquery[] = []
    const keys = new Set<string>()
    query.items.forEach((item, index) => {
      if (item.alias !== undefined) checkAlias(item.alias, scope, item.pos)
      if (item.kind === 'selectSubquery') {
        if (asSubquery !== undefined)
          throw invalidQuery('A subquery cannot contain another subquery.', item.pos)
        const sub = this.#subquery(item.query, item.alias, scope)
        if (keys.has(sub.key)) throw invalidQuery(`"${sub.key}" is selected twice.`, item.pos)
        keys.add(sub.key)
        subqueries.push(sub)
        return
      }
      const column = this.#column(item, scope, index)
      if (keys.has(column.key))
        throw invalidQuery(
          `"${column.key}" is selected twice; give the second one an alias with AS.`,
          item.pos,
        )
      keys.add(column.key)
      columns.push(column)
    })
    if (query.find !== undefined && !target.supportsFind)
      throw invalidQuery(`FIND is not supported on ${target.name}.`, query.pos)
    const conditions = this.#where.conditionsOf(query, scope)
    const orderBy = this.#orderBy(query, scope)
    const idRef = columnRef(scope.alias, target.idColumn)
    return {
      target,
      alias: scope.alias,
      columns,
      subqueries,
      // After ORDER BY, whose lookups join in too.
      from: fromClause(scope),
      where: conditions.length === 0 ? undefined : sql.join(conditions, sql` and `),
      orderBy,
      idRef,
      idOrder: idSortKey(query, target, idRef),
      atMostOneRow: returnsAtMostOneRow(query, target),
      paging: pagingOf(query),
      describe: {
        object: { name: target.name, label: target.label, label_plural: target.labelPlural },
        fields: columns.map((c) => c.describe),
        ...(subqueries.length === 0
          ? {}
          : { subqueries: subqueries.map((s) => ({ ...s.describe, relationship: s.relationship.name })) }),
      },
    }
  }

  #column(item: SelectFieldNode, scope: Scope, index: number): OutputColumn {
    if (item.latestVersion === true && !scope.target.fromOptions.includes('ALLVERSIONS'))
      throw invalidQuery('LATESTVERSION applies to ALLVERSIONS documents.', item.pos)
    const value = item.value
    if (
      value.kind === 'functionCall' &&
      (value.name === 'CASEINSENSITIVE' || value.name === 'STATETYPE' || value.name in STATUS_FUNCTIONS)
    )
      throw invalidQuery(`${value.name}() is supported in WHERE only.`, value.pos)
    const op = this.#scopes.resolveOperand(value, scope)
    const key = item.alias ?? op.path
    const field = op.field
    let expr = op.ref
    let shape = shaperFor(field)
    if (op.fn === 'TOLABEL') {
      const lifecycle = op.target.lifecycle
      shape =
        field.picklist !== undefined
          ? labelShaper(new Map(field.picklist.values.map((v) => [v.name, v.label])), true)
          : labelShaper(lifecycle?.labelOf ?? new Map(), false)
    } else if (op.fn === 'TRIM') shape = trimmedNamesShaper
    else if (field.type === 'LongText' && op.fn !== 'LONGTEXT')
      // Vault returns the first 250 characters of Long Text unless LONGTEXT() asks for all.
      expr = sql`substr(${op.ref}, 1, ${LONG_TEXT_PREVIEW_CHARS})`
    const describe: VqlDescribedField = {
      name: op.path,
      label: field.label,
      type: field.type,
      required: field.required,
      unique: field.unique,
      ...(field.maxLength === undefined ? {} : { max_length: field.maxLength }),
      ...(field.picklist === undefined ? {} : { picklist: field.picklist.name }),
      ...(field.type === 'Picklist' || field.multiValue ? { multi_value: field.multiValue } : {}),
      ...(field.object === undefined ? {} : { object: field.object }),
      ...(op.fn === undefined ? {} : { function: op.fn }),
      ...(item.alias === undefined ? {} : { alias: item.alias }),
    }
    if (item.alias !== undefined) scope.aliases.set(item.alias, op.ref)
    return { key, sqlAlias: `c${index}`, expr, shape, describe }
  }

  #orderBy(query: SelectStatementNode, scope: Scope): Sql[] {
    const keys: Sql[] = []
    const neverNull = new Set<Sql>()
    for (const o of query.orderBy) {
      let ref: Sql
      if (
        o.value.kind === 'fieldRef' &&
        o.value.path.toUpperCase() === 'RANK' &&
        !scope.target.fieldByName.has(o.value.path)
      )
        throw invalidQuery(
          'ORDER BY RANK applies to documents; object queries with FIND are already ordered by rank.',
          o.pos,
        )
      if (o.value.kind === 'fieldRef' && scope.aliases.has(o.value.path))
        ref = scope.aliases.get(o.value.path)!
      else {
        const op = this.#scopes.resolveOperand(o.value, scope)
        if (op.fn === 'CASEINSENSITIVE') ref = sql`lower(${op.ref})`
        else ref = op.ref
        if (op.field.neverNull && op.fn === undefined) neverNull.add(ref)
      }
      const direction = sql.raw(o.direction === 'DESC' ? 'desc' : 'asc')
      // Standard objects sort nulls last in both directions unless the query says otherwise. A field
      // that is never null needs no NULLS clause, which keeps its index usable for the sort.
      const nulls =
        neverNull.has(ref) && o.nulls === undefined
          ? sql``
          : sql.raw(o.nulls === 'FIRST' ? 'nulls first' : 'nulls last')
      keys.push(sql`${ref} ${direction} ${nulls}`)
    }
    return keys
  }

  /** `(SELECT … FROM inbound__vr)` in SELECT: the child rows of each parent row. */
  #subquery(query: SelectStatementNode, alias: string | undefined, parent: Scope): CompiledSubquery {
    const { relationship, related } = this.#scopes.relationship(parent.target, query.target, query.targetPos)
    if (relationship.direction === 'outbound')
      throw invalidQuery(
        `"${relationship.name}" is an outbound relationship; read it with a lookup such as ${relationship.name}.name__v.`,
        query.targetPos,
      )
    this.#scopes.useRelationship(`${parent.target.name}.${relationship.name}`, query.targetPos)
    const key = alias ?? relationship.name
    const compiled = this.compile(query, related, { key, relationship })
    const pagesize = compiled.paging.pagesize
    return {
      ...compiled,
      key,
      relationship,
      parentRef: columnRef(compiled.alias, relationship.column),
      limit: pagesize === undefined ? SUBQUERY_PAGE_SIZE_ROWS : Math.min(pagesize, SUBQUERY_PAGE_SIZE_ROWS),
    }
  }
}

function checkAlias(alias: string, scope: Scope, pos: SourcePosition): void {
  if (alias.length > MAX_ALIAS_CHARS || !/^[A-Za-z0-9_]+$/.test(alias) || alias.includes('__'))
    throw invalidQuery(
      `Alias "${alias}" must have at most ${MAX_ALIAS_CHARS} letters, digits and single underscores.`,
      pos,
    )
  if (RESERVED_WORDS.has(alias.toUpperCase())) throw invalidQuery(`Alias "${alias}" is a reserved word.`, pos)
  if (scope.target.fieldByName.has(alias))
    throw invalidQuery(`Alias "${alias}" is also a field name of ${scope.target.name}.`, pos)
}

/** The paging clauses as written; the executor applies them with the request's own paging. */
function pagingOf(query: SelectStatementNode): CompiledPaging {
  const get = (clause: string): number | undefined => query.paging.find((p) => p.clause === clause)?.value
  const maxrows = get('MAXROWS')
  const pagesize = get('PAGESIZE') ?? get('LIMIT')
  // "If both OFFSET and PAGEOFFSET are given, OFFSET is ignored."
  const pageoffset = get('PAGEOFFSET') ?? get('OFFSET')
  return {
    ...(maxrows === undefined ? {} : { maxrows }),
    skip: get('SKIP') ?? 0,
    ...(pagesize === undefined ? {} : { pagesize }),
    ...(pageoffset === undefined ? {} : { pageoffset }),
  }
}

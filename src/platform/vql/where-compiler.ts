import { sql } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type {
  ComparisonOperator,
  DateLiteralNode,
  ExpressionKind,
  ExpressionNode,
  FunctionCallNode,
  OperandNode,
  SelectStatementNode,
  ValueNode,
} from './ast.js'
import type { Sql } from './compiler.js'
import { invalidQuery } from './errors.js'
import { compileFind } from './find-search.js'
import { type QueryTarget, STATUS_FUNCTIONS, type StatusFunction } from './query-targets.js'
import {
  columnRef,
  fromClause,
  type ResolvedOperand,
  type Scope,
  type ScopeResolver,
  TEXT_TYPES,
} from './scope-resolver.js'
import { coerceValue, dateLiteralBounds, holdsAnyName, likePattern } from './value-coercion.js'

const FALSE_SQL: Sql = sql`1 = 0`

/** Compiles WHERE conditions (and the IN subqueries inside them) to SQL with bound values. */
export class WhereCompiler {
  readonly scopes: ScopeResolver

  constructor(scopes: ScopeResolver) {
    this.scopes = scopes
  }

  /** One condition, through the CONDITIONS table. */
  condition(node: ExpressionNode, scope: Scope): Sql {
    const handler = CONDITIONS[node.kind] as (c: WhereCompiler, n: ExpressionNode, s: Scope) => Sql
    return handler(this, node, scope)
  }

  /** What picks a SELECT's rows, in this order: FIND, WHERE, the target's own row filter, the caller's record scope. */
  conditionsOf(query: SelectStatementNode, scope: Scope): Sql[] {
    const conditions: Sql[] = []
    if (query.find !== undefined)
      conditions.push(compileFind(query.find, scope.target, scope.alias, this.scopes.env.dialect))
    if (query.where !== undefined) conditions.push(this.condition(query.where, scope))
    const filter = scope.target.rowFilter?.(query.fromOption, scope.alias)
    if (filter !== undefined) conditions.push(filter)
    // Here, so the main query, WHERE subqueries and nested subqueries are all held to the caller's records.
    const recordScope = this.scopes.env.recordScope?.(scope.target.securedAs)
    if (recordScope !== undefined) conditions.push(sql`(${this.condition(recordScope, scope)})`)
    return conditions
  }

  comparison(left: OperandNode, operator: ComparisonOperator, right: ValueNode, scope: Scope): Sql {
    if (right.kind === 'functionCall' && (right.name === 'STATETYPE' || right.name in STATUS_FUNCTIONS))
      return this.#stateCondition(left, operator, right, scope)
    // Before v9 the status functions were written `STEADYSTATE() = true`.
    if (left.kind === 'functionCall' && left.name in STATUS_FUNCTIONS) {
      if (right.kind !== 'boolean' || operator !== '=')
        throw invalidQuery(`Write ${left.name}() as status__v = ${left.name}().`, left.pos)
      const states = scope.target.statusStates
      if (states === undefined) throw invalidQuery(`${left.name}() applies to documents.`, left.pos)
      return this.#stateCondition(
        { kind: 'fieldRef', path: states.field, pos: left.pos },
        right.value ? '=' : '!=',
        left,
        scope,
      )
    }
    const op = this.scopes.resolveOperand(left, scope)
    if (op.fn === 'LONGTEXT' || op.fn === 'RICHTEXT' || op.fn === 'TRIM')
      throw invalidQuery(`${op.fn}() is supported in SELECT only.`, left.pos)
    if (right.kind === 'null') {
      if (operator === '=') return sql`${op.ref} is null`
      if (operator === '!=') return sql`${op.ref} is not null`
      throw invalidQuery('null works with = and != only.', right.pos)
    }
    if (right.kind === 'dateLiteral') return this.dateRange(op, operator, right)
    if (operator === '=' || operator === '!=') {
      let equal: Sql
      if (
        op.fn === 'TOLABEL' ||
        op.fn === 'CASEINSENSITIVE' ||
        op.field.type === 'Picklist' ||
        op.field.multiValue
      )
        equal = this.anyOf(op, scope, [right])
      else equal = sql`${op.ref} = ${coerceValue(op.field, right)}`
      // `!=` matches records without a value too (Vault's documented null handling).
      return operator === '=' ? equal : sql`(${op.ref} is null or not (${equal}))`
    }
    if (op.fn === 'TOLABEL' || op.fn === 'CASEINSENSITIVE')
      throw invalidQuery(`${op.fn}() works with =, != and LIKE.`, left.pos)
    if (op.field.type === 'Boolean')
      throw invalidQuery(`${op.path} is a Yes/No field; use = or !=.`, left.pos)
    return sql`${op.ref} ${sql.raw(operator)} ${coerceValue(op.field, right)}`
  }

  /** `op` equals any of the values (IN, CONTAINS, = on TOLABEL …). */
  anyOf(op: ResolvedOperand, scope: Scope, values: readonly ValueNode[]): Sql {
    if (values.length === 0) return FALSE_SQL
    if (op.fn === 'TOLABEL') {
      const names = values.flatMap((v) => {
        if (v.kind !== 'string') throw invalidQuery('TOLABEL() compares with quoted labels.', v.pos)
        return namesWithLabel(op, scope, v.value)
      })
      return holdsAnyName(op.ref, op.field.multiValue, names)
    }
    if (op.fn === 'CASEINSENSITIVE') {
      const lowered = values.map((v) => sql`lower(cast(${coerceValue(op.field, v)} as text))`)
      return sql`lower(${op.ref}) in (${sql.join(lowered)})`
    }
    // Multi-value fields (picklists, and document references such as country__v) are stored as
    // `a,b`: CONTAINS and = match any one of their values.
    if (op.field.type === 'Picklist' || op.field.multiValue)
      return holdsAnyName(
        op.ref,
        op.field.multiValue,
        values.map((v) => String(coerceValue(op.field, v))),
      )
    return sql`${op.ref} in (${sql.join(values.map((v) => coerceValue(op.field, v)))})`
  }

  dateRange(op: ResolvedOperand, operator: ComparisonOperator, node: DateLiteralNode): Sql {
    const type = op.field.type
    if (type !== 'Date' && type !== 'DateTime')
      throw invalidQuery(
        `${node.name} compares with Date and DateTime fields; ${op.path} is a ${type} field.`,
        node.pos,
      )
    const { low, high } = dateLiteralBounds(type, node, this.scopes.env.nowMs)
    const ref = op.ref
    // = inside, != outside; > and <= use the upper bound, < and >= the lower (Vault's operator table).
    const byOperator: Record<ComparisonOperator, () => Sql> = {
      '=': () => sql`(${ref} >= ${low} and ${ref} < ${high})`,
      '!=': () => sql`(${ref} is null or ${ref} < ${low} or ${ref} >= ${high})`,
      '>': () => sql`${ref} >= ${high}`,
      '<': () => sql`${ref} < ${low}`,
      '>=': () => sql`${ref} >= ${low}`,
      '<=': () => sql`${ref} < ${high}`,
    }
    return byOperator[operator]()
  }

  /** The states STATETYPE('x') or a document status function stands for, and the field holding them. */
  #stateValues(call: FunctionCallNode, scope: Scope): { field: string; values: readonly string[] } {
    if (call.name === 'STATETYPE') {
      const arg = call.args[0]
      if (call.args.length !== 1 || arg?.kind !== 'string')
        throw invalidQuery(
          "STATETYPE() takes one quoted state type, such as STATETYPE('complete_state__sys').",
          call.pos,
        )
      const lifecycle = scope.target.lifecycle
      if (lifecycle === undefined)
        throw invalidQuery(`${scope.target.name} has no lifecycle; STATETYPE() does not apply.`, call.pos)
      const values = [...lifecycle.typeOf].filter(([, t]) => t === arg.value).map(([s]) => s)
      return { field: lifecycle.field, values }
    }
    const fn = call.name as StatusFunction
    if (!(fn in STATUS_FUNCTIONS))
      throw invalidQuery(`${call.name}() cannot be compared with a field.`, call.pos)
    if (call.args.length !== 0) throw invalidQuery(`${call.name}() takes no arguments.`, call.pos)
    const states = scope.target.statusStates
    if (states === undefined)
      throw invalidQuery(
        `${call.name}() applies to documents; ${scope.target.name} has no document lifecycle.`,
        call.pos,
      )
    return { field: states.field, values: states.valuesOf[fn] ?? [] }
  }

  #stateCondition(
    operand: OperandNode,
    operator: ComparisonOperator,
    call: FunctionCallNode,
    scope: Scope,
  ): Sql {
    const { field, values } = this.#stateValues(call, scope)
    if (operand.kind !== 'fieldRef' || operand.path !== field)
      throw invalidQuery(`${call.name}() can be compared only with ${field}.`, operand.pos)
    if (operator !== '=' && operator !== '!=')
      throw invalidQuery(`${call.name}() works with = and != only.`, call.pos)
    const op = this.scopes.resolveField(field, scope, operand.pos)
    const inList = values.length === 0 ? FALSE_SQL : sql`${op.ref} in (${sql.join(values)})`
    return operator === '=' ? inList : sql`(${op.ref} is null or not (${inList}))`
  }

  /** `x IN (SELECT y FROM …)`: over an inbound or outbound relationship, or any readable target. */
  inSubquery(operand: OperandNode, query: SelectStatementNode, scope: Scope): Sql {
    const scopes = this.scopes
    const op = scopes.resolveOperand(operand, scope)
    if (op.fn !== undefined) throw invalidQuery('IN (SELECT …) compares a plain field.', operand.pos)
    const item = query.items[0]
    if (query.items.length !== 1 || item?.kind !== 'selectField' || item.value.kind !== 'fieldRef')
      throw invalidQuery('A subquery in WHERE selects exactly one field.', query.pos)
    const path = item.value.path
    const rel = scope.target.relationships.get(query.target)
    let sub: QueryTarget
    let selected: (s: Scope) => Sql
    if (rel !== undefined) {
      const related = scopes.env.registry.get(rel.target)
      if (related === undefined || !scopes.env.canRead(related.securedAs))
        throw invalidQuery(`Unknown relationship "${query.target}" on ${scope.target.name}.`, query.targetPos)
      scopes.useRelationship(`${scope.target.name}.${rel.name}`, query.targetPos)
      sub = related
      if (rel.direction === 'inbound') {
        if (op.relationship !== undefined || op.field.column !== scope.target.idColumn)
          throw invalidQuery(
            `Filter on an inbound relationship with "${scope.target.idColumn} IN (SELECT …)".`,
            operand.pos,
          )
        selected = (s) => columnRef(s.alias, rel.column)
      } else {
        if (op.relationship !== undefined || op.field.column !== rel.column)
          throw invalidQuery(
            `Filter on ${rel.name} with "${rel.column} IN (SELECT id FROM ${rel.name} …)".`,
            operand.pos,
          )
        selected = (s) => columnRef(s.alias, s.target.idColumn)
      }
    } else {
      sub = scopes.knownTarget(query.target, query.targetPos)
      if (!scopes.env.canRead(sub.securedAs))
        throw new LiaisonError('ACCESS_DENIED', `You may not read ${sub.name}; the subquery cannot run.`)
      selected = (s) => scopes.resolveField(path, s, item.pos).ref
    }
    const subScope = scopes.openScope(sub, 'w', query.fromOption)
    // The selected field must exist on the subquery's target even when the join column is used.
    scopes.resolveField(path, subScope, item.pos)
    const selectedRef = selected(subScope)
    const conditions = [sql`${selectedRef} is not null`, ...this.conditionsOf(query, subScope)]
    return sql`${op.ref} in (select ${selectedRef} from ${fromClause(subScope)} where ${sql.join(conditions, sql` and `)})`
  }
}

/** Names of a picklist (or lifecycle state) whose label is `label`, for TOLABEL() in WHERE. */
function namesWithLabel(op: ResolvedOperand, scope: Scope, label: string): string[] {
  if (op.field.picklist !== undefined)
    return op.field.picklist.values.filter((v) => v.label === label).map((v) => v.name)
  const states = op.target.lifecycle?.labelOf ?? scope.target.lifecycle?.labelOf
  return [...(states ?? new Map<string, string>())].filter(([, l]) => l === label).map(([n]) => n)
}

/** How each WHERE node compiles; built once and shared by every compilation. */
const CONDITIONS: {
  [K in ExpressionKind]: (c: WhereCompiler, node: Extract<ExpressionNode, { kind: K }>, scope: Scope) => Sql
} = {
  and: (c, node, scope) => sql`${c.condition(node.left, scope)} and ${c.condition(node.right, scope)}`,
  or: (c, node, scope) => {
    const objects = new Set([...queryObjectsOf(node.left), ...queryObjectsOf(node.right)])
    if (objects.size > 1)
      throw invalidQuery(
        'OR cannot join conditions on different query objects (the target and a lookup relationship).',
        node.pos,
      )
    return sql`(${c.condition(node.left, scope)} or ${c.condition(node.right, scope)})`
  },
  paren: (c, node, scope) => sql`(${c.condition(node.inner, scope)})`,
  comparison: (c, node, scope) => c.comparison(node.left, node.operator, node.right, scope),
  between: (c, node, scope) => {
    const op = c.scopes.resolveOperand(node.operand, scope)
    if (op.fn !== undefined && op.fn !== 'TONAME')
      throw invalidQuery(`BETWEEN cannot be used with ${op.fn}().`, node.pos)
    if (node.low.kind === 'dateLiteral' || node.high.kind === 'dateLiteral') {
      if (node.low.kind !== 'dateLiteral' || node.high.kind !== 'dateLiteral')
        throw invalidQuery('BETWEEN needs two date literals or two values.', node.pos)
      return sql`(${c.dateRange(op, '>=', node.low)} and ${c.dateRange(op, '<=', node.high)})`
    }
    return sql`(${op.ref} >= ${coerceValue(op.field, node.low)} and ${op.ref} <= ${coerceValue(op.field, node.high)})`
  },
  inList: (c, node, scope) => c.anyOf(c.scopes.resolveOperand(node.operand, scope), scope, node.values),
  contains: (c, node, scope) => c.anyOf(c.scopes.resolveOperand(node.operand, scope), scope, node.values),
  like: (c, node, scope) => {
    const op = c.scopes.resolveOperand(node.operand, scope)
    if (op.fn !== undefined && op.fn !== 'CASEINSENSITIVE' && op.fn !== 'TONAME')
      throw invalidQuery(`LIKE cannot be used with ${op.fn}().`, node.pos)
    if (!TEXT_TYPES.has(op.field.type) && op.field.type !== 'Picklist')
      throw invalidQuery(`LIKE applies to text fields; ${op.path} is a ${op.field.type} field.`, node.pos)
    const pattern = likePattern(node.pattern.raw)
    if (pattern.startsWith('%'))
      throw invalidQuery(
        "A LIKE pattern may not start with the wildcard % in a SELECT (write 'abc%').",
        node.pattern.pos,
      )
    if (op.fn === 'CASEINSENSITIVE')
      return sql`lower(${op.ref}) like lower(cast(${pattern} as text)) escape '\\'`
    return c.scopes.env.dialect.caseSensitiveLike(op.ref, pattern)
  },
  isNull: (c, node, scope) => {
    const op = c.scopes.resolveOperand(node.operand, scope)
    return node.negated ? sql`${op.ref} is not null` : sql`${op.ref} is null`
  },
  inSubquery: (c, node, scope) => c.inSubquery(node.operand, node.query, scope),
}

/** The query objects a condition reads: '' for the target, else the lookup relationship's name. */
function queryObjectsOf(node: ExpressionNode): Set<string> {
  const out = new Set<string>()
  const operand = (o: OperandNode): void => {
    const path = o.kind === 'fieldRef' ? o.path : o.args[0]?.kind === 'fieldRef' ? o.args[0].path : ''
    out.add(path.includes('.') ? path.slice(0, path.indexOf('.')) : '')
  }
  const walk = (n: ExpressionNode): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        walk(n.left)
        walk(n.right)
        return
      case 'paren':
        walk(n.inner)
        return
      case 'comparison':
        operand(n.left)
        return
      default:
        operand(n.operand)
    }
  }
  walk(node)
  return out
}

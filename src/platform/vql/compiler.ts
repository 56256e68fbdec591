import { type RawBuilder, sql } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { StorageDialect } from '../storage/index.js'
import type {
  ComparisonOperator,
  ExpressionKind,
  ExpressionNode,
  FindNode,
  FromOption,
  FunctionCallNode,
  OperandNode,
  SelectFieldNode,
  SelectStatementNode,
  SourcePosition,
  ValueNode,
} from './ast.js'
import { resolveDateLiteral } from './date-literals.js'
import {
  LONG_TEXT_PREVIEW_CHARS,
  MAX_ALIAS_CHARS,
  MAX_RELATIONSHIPS,
  SUBQUERY_PAGE_SIZE_ROWS,
} from './defaults.js'
import { invalidQuery } from './errors.js'
import { compileFind } from './find-search.js'
import { RESERVED_WORDS } from './parser.js'
import {
  type QueryTarget,
  STATUS_FUNCTIONS,
  type StatusFunction,
  type TargetField,
  type TargetRegistry,
  type TargetRelationship,
} from './query-targets.js'
import { labelShaper, shaperFor, trimmedNamesShaper, type ValueShaper } from './value-shapes.js'
import type { VqlDescribedField, VqlQueryDescribe } from './vql-types.js'

export type Sql = RawBuilder<unknown>

/** One selected value: where it comes from in SQL and how it reaches the JSON. */
export interface OutputColumn {
  readonly key: string
  readonly sqlAlias: string
  readonly expr: Sql
  readonly shape: ValueShaper
  readonly describe: VqlDescribedField
}

export interface CompiledPaging {
  readonly maxrows?: number
  readonly skip: number
  readonly pagesize?: number
  readonly pageoffset?: number
}

/** A SELECT over one target, ready to run page by page. */
export interface CompiledSelect {
  readonly target: QueryTarget
  readonly alias: string
  readonly columns: readonly OutputColumn[]
  readonly subqueries: readonly CompiledSubquery[]
  readonly from: Sql
  readonly where: Sql | undefined
  readonly orderBy: readonly Sql[]
  readonly idRef: Sql
  /** The id as the last sort key (an expression of it when an index on the filter should lead). */
  readonly idOrder: Sql
  /** WHERE pins a unique field to one value, so no sort or limit is needed. */
  readonly atMostOneRow: boolean
  readonly paging: CompiledPaging
  readonly describe: VqlQueryDescribe
}

/** An inbound relationship read in SELECT: nested rows per parent. */
export interface CompiledSubquery extends CompiledSelect {
  readonly key: string
  readonly relationship: TargetRelationship
  /** The child's column holding the parent id. */
  readonly parentRef: Sql
  readonly limit: number
}

export interface CompileEnvironment {
  readonly registry: TargetRegistry
  readonly dialect: StorageDialect
  readonly nowMs: number
  canRead(name: string): boolean
}

interface Scope {
  readonly target: QueryTarget
  readonly alias: string
  /** ALLVERSIONS …: chooses the target's rows (QueryTarget.source, rowFilter). */
  readonly fromOption?: FromOption
  readonly joins: Map<
    string,
    { readonly alias: string; readonly target: QueryTarget; readonly relationship: TargetRelationship }
  >
  /** Select aliases usable in ORDER BY. */
  readonly aliases: Map<string, Sql>
}

interface ResolvedField {
  readonly field: TargetField
  readonly target: QueryTarget
  readonly ref: Sql
  readonly path: string
  /** The lookup relationship, when the path has a dot. */
  readonly relationship?: string
}

const FIELD_FUNCTIONS = ['TONAME', 'TOLABEL', 'CASEINSENSITIVE', 'LONGTEXT', 'RICHTEXT', 'TRIM'] as const
type FieldFunction = (typeof FIELD_FUNCTIONS)[number]
const ATTACHMENT_FUNCTIONS = new Set(['FILENAME', 'FILESIZE', 'MIMETYPE', 'MD5CHECKSUM', 'TODISPLAYFORMAT'])
const TEXT_TYPES = new Set(['String', 'LongText', 'ID'])

interface ResolvedOperand extends ResolvedField {
  readonly fn?: FieldFunction
}

function colRef(alias: string, column: string): Sql {
  // sql.id skips the reference parser that sql.ref runs on "alias.column".
  return sql.id(alias, column)
}

/** Escapes a literal for a LIKE pattern that uses `\` as its escape character. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** What FROM reads for a target: its table, or its derived table in parentheses. */
function tableOf(target: QueryTarget, option: FromOption | undefined): Sql {
  return target.source === undefined ? sql.table(target.table) : sql`(${target.source(option)})`
}

const FALSE_SQL: Sql = sql`1 = 0`
const TRUE_SQL: Sql = sql`1 = 1`

class Compiler {
  readonly env: CompileEnvironment
  readonly #relationships = new Set<string>()
  #aliasSeq = 0

  constructor(env: CompileEnvironment) {
    this.env = env
  }

  #nextAlias(prefix: string): string {
    return `${prefix}${this.#aliasSeq++}`
  }

  #useRelationship(key: string, pos: SourcePosition): void {
    this.#relationships.add(key)
    if (this.#relationships.size > MAX_RELATIONSHIPS)
      throw invalidQuery(
        `A query may use at most ${MAX_RELATIONSHIPS} relationships (lookups and subqueries).`,
        pos,
      )
  }

  #readableTarget(name: string, pos: SourcePosition): QueryTarget {
    const target = this.env.registry.get(name)
    if (target === undefined)
      throw invalidQuery(`Unknown query target "${name}". SHOW TARGETS lists the targets.`, pos)
    return target
  }

  // ---------- fields ----------

  #resolveField(path: string, scope: Scope, pos: SourcePosition): ResolvedField {
    const parts = path.split('.')
    if (parts.length === 1) {
      const field = scope.target.fieldByName.get(path)
      if (field === undefined)
        throw invalidQuery(
          `Unknown field "${path}" on ${scope.target.name}. SHOW FIELDS FROM ${scope.target.name} lists its fields.`,
          pos,
        )
      return { field, target: scope.target, ref: colRef(scope.alias, field.column), path }
    }
    if (parts.length > 2)
      throw invalidQuery(`"${path}" follows more than one relationship; a lookup may follow only one.`, pos)
    const [relName, fieldName] = parts as [string, string]
    const rel = scope.target.relationships.get(relName)
    const related = rel === undefined ? undefined : this.env.registry.get(rel.target)
    if (rel === undefined || related === undefined || !this.env.canRead(related.securedAs))
      throw invalidQuery(
        `Unknown relationship "${relName}" on ${scope.target.name}. SHOW RELATIONSHIPS FROM ${scope.target.name} lists them.`,
        pos,
      )
    if (rel.direction === 'inbound')
      throw invalidQuery(
        `"${relName}" is an inbound relationship; read it with a subquery (SELECT … FROM ${relName}).`,
        pos,
      )
    let join = scope.joins.get(relName)
    if (join === undefined) {
      this.#useRelationship(`${scope.target.name}.${relName}`, pos)
      join = { alias: this.#nextAlias('j'), target: related, relationship: rel }
      scope.joins.set(relName, join)
    }
    const field = related.fieldByName.get(fieldName)
    if (field === undefined)
      throw invalidQuery(`Unknown field "${fieldName}" on ${related.name} (through ${relName}).`, pos)
    return { field, target: related, ref: colRef(join.alias, field.column), path, relationship: relName }
  }

  resolveOperand(node: OperandNode, scope: Scope): ResolvedOperand {
    if (node.kind === 'fieldRef') return this.#resolveField(node.path, scope, node.pos)
    const name = node.name
    if (ATTACHMENT_FUNCTIONS.has(name))
      throw invalidQuery(`${name}() is not supported on this target's fields.`, node.pos)
    const fn = FIELD_FUNCTIONS.find((f) => f === name)
    if (fn === undefined) throw invalidQuery(`Unknown function ${name}() here.`, node.pos)
    const arg = node.args[0]
    if (node.args.length !== 1 || arg === undefined || arg.kind !== 'fieldRef')
      throw invalidQuery(`${name}() takes exactly one field.`, node.pos)
    const resolved = this.#resolveField(arg.path, scope, arg.pos)
    const type = resolved.field.type
    const check: Record<FieldFunction, () => string | undefined> = {
      TONAME: () => undefined,
      TOLABEL: () =>
        type === 'Picklist' || resolved.field.name === scope.target.lifecycle?.field
          ? undefined
          : 'TOLABEL() applies to picklist fields and state__v.',
      CASEINSENSITIVE: () => (TEXT_TYPES.has(type) ? undefined : 'CASEINSENSITIVE() applies to text fields.'),
      LONGTEXT: () => (type === 'LongText' ? undefined : 'LONGTEXT() applies to Long Text fields.'),
      RICHTEXT: () => 'RICHTEXT() applies to Rich Text fields, and this target has none.',
      TRIM: () => (type === 'Picklist' ? undefined : 'TRIM() applies to picklist fields.'),
    }
    const problem = check[fn]()
    if (problem !== undefined) throw invalidQuery(`${problem} ${arg.path} is a ${type} field.`, node.pos)
    // A document's status__v answers labels; its name lives in another column of the same row.
    const status = scope.target.statusStates
    if (
      fn === 'TONAME' &&
      status?.nameField !== undefined &&
      resolved.relationship === undefined &&
      resolved.field.name === status.field
    )
      return { ...resolved, ref: this.#resolveField(status.nameField, scope, arg.pos).ref, fn }
    return { ...resolved, fn }
  }

  // ---------- values ----------

  storedValue(field: TargetField, node: ValueNode): string | number {
    const what = `${field.name} is a ${field.type} field`
    if (node.kind === 'fieldRef' || node.kind === 'functionCall')
      throw invalidQuery(
        `Compare ${field.name} with a value, not with ${node.kind === 'fieldRef' ? node.path : `${node.name}()`}.`,
        node.pos,
      )
    if (node.kind === 'null' || node.kind === 'dateLiteral')
      throw invalidQuery(`${node.kind === 'null' ? 'null' : node.name} cannot be used here.`, node.pos)
    switch (field.type) {
      case 'Number':
      case 'Document': {
        const n =
          node.kind === 'number'
            ? node.value
            : node.kind === 'string' && node.value.trim() !== ''
              ? Number(node.value)
              : Number.NaN
        if (!Number.isFinite(n)) throw invalidQuery(`${what}; compare it with a number.`, node.pos)
        return n
      }
      case 'Boolean': {
        if (node.kind === 'boolean') return node.value ? 1 : 0
        if (node.kind === 'string' && (node.value === 'true' || node.value === 'false'))
          return node.value === 'true' ? 1 : 0
        throw invalidQuery(`${what}; compare it with true or false.`, node.pos)
      }
      case 'Date': {
        if (node.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(node.value)) return node.value
        throw invalidQuery(`${what}; compare it with a date such as '2024-01-31'.`, node.pos)
      }
      case 'DateTime': {
        if (node.kind === 'string') {
          const v = node.value
          if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00.000Z`
          if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$/.test(v)) {
            const ms = Date.parse(v)
            if (Number.isFinite(ms)) return new Date(ms).toISOString()
          }
        }
        throw invalidQuery(
          `${what}; compare it with a UTC date-time such as '2024-01-31T10:00:00.000Z'.`,
          node.pos,
        )
      }
      default: {
        if (node.kind === 'string') return node.value
        if (node.kind === 'number') return String(node.value)
        throw invalidQuery(`${what}; compare it with a quoted string.`, node.pos)
      }
    }
  }

  /** Names of a picklist (or lifecycle state) whose label is `label`, for TOLABEL() in WHERE. */
  #namesWithLabel(op: ResolvedOperand, scope: Scope, label: string): string[] {
    if (op.field.picklist !== undefined)
      return op.field.picklist.values.filter((v) => v.label === label).map((v) => v.name)
    const states = op.target.lifecycle?.labelOf ?? scope.target.lifecycle?.labelOf
    return [...(states ?? new Map<string, string>())].filter(([, l]) => l === label).map(([n]) => n)
  }

  /** A picklist value test that works for multi-value fields stored as `a__c,b__c`. */
  #picklistHas(op: ResolvedOperand, name: string): Sql {
    if (!op.field.multiValue) return sql`${op.ref} = ${name}`
    return sql`(',' || ${op.ref} || ',') like ${`%,${escapeLike(name)},%`} escape '\\'`
  }

  /** `op` equals any of the values (IN, CONTAINS, = on TOLABEL …). */
  anyOf(op: ResolvedOperand, scope: Scope, values: readonly ValueNode[]): Sql {
    if (values.length === 0) return FALSE_SQL
    if (op.fn === 'TOLABEL') {
      const names = values.flatMap((v) => {
        if (v.kind !== 'string') throw invalidQuery('TOLABEL() compares with quoted labels.', v.pos)
        return this.#namesWithLabel(op, scope, v.value)
      })
      return this.#anyName(op, names)
    }
    if (op.fn === 'CASEINSENSITIVE') {
      const lowered = values.map((v) => sql`lower(cast(${this.storedValue(op.field, v)} as text))`)
      return sql`lower(${op.ref}) in (${sql.join(lowered)})`
    }
    // Multi-value fields (picklists, and document references such as country__v) are stored as
    // `a,b`: CONTAINS and = match any one of their values.
    if (op.field.type === 'Picklist' || op.field.multiValue)
      return this.#anyName(
        op,
        values.map((v) => String(this.storedValue(op.field, v))),
      )
    return sql`${op.ref} in (${sql.join(values.map((v) => this.storedValue(op.field, v)))})`
  }

  #anyName(op: ResolvedOperand, names: readonly string[]): Sql {
    if (names.length === 0) return FALSE_SQL
    if (!op.field.multiValue) return sql`${op.ref} in (${sql.join(names)})`
    return sql`(${sql.join(
      names.map((n) => this.#picklistHas(op, n)),
      sql` or `,
    )})`
  }

  #notNullOr(op: ResolvedOperand, inner: Sql): Sql {
    // `!=` matches records without a value too (Vault's documented null handling).
    return sql`(${op.ref} is null or not (${inner}))`
  }

  dateRange(
    op: ResolvedOperand,
    operator: ComparisonOperator,
    node: ValueNode & { kind: 'dateLiteral' },
  ): Sql {
    const type = op.field.type
    if (type !== 'Date' && type !== 'DateTime')
      throw invalidQuery(
        `${node.name} compares with Date and DateTime fields; ${op.path} is a ${type} field.`,
        node.pos,
      )
    const range = resolveDateLiteral(node.name, node.n, this.env.nowMs)
    let low: string
    let high: string
    if (type === 'DateTime') {
      low = new Date(range.startMs).toISOString()
      high = new Date(range.endMs).toISOString()
    } else {
      const day = 86_400_000
      low = new Date(Math.floor(range.startMs / day) * day).toISOString().slice(0, 10)
      high = new Date(Math.ceil(range.endMs / day) * day).toISOString().slice(0, 10)
    }
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
    const op = this.#resolveField(field, scope, operand.pos)
    const inList = values.length === 0 ? FALSE_SQL : sql`${op.ref} in (${sql.join(values)})`
    return operator === '=' ? inList : sql`(${op.ref} is null or not (${inList}))`
  }

  // ---------- WHERE ----------

  expression(node: ExpressionNode, scope: Scope): Sql {
    const handler = EXPRESSIONS[node.kind] as (c: Compiler, n: ExpressionNode, s: Scope) => Sql
    return handler(this, node, scope)
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
      const condition = this.#stateCondition(
        { kind: 'fieldRef', path: states.field, pos: left.pos },
        right.value ? '=' : '!=',
        left,
        scope,
      )
      return condition
    }
    const op = this.resolveOperand(left, scope)
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
      else equal = sql`${op.ref} = ${this.storedValue(op.field, right)}`
      return operator === '=' ? equal : this.#notNullOr(op, equal)
    }
    if (op.fn === 'TOLABEL' || op.fn === 'CASEINSENSITIVE')
      throw invalidQuery(`${op.fn}() works with =, != and LIKE.`, left.pos)
    if (op.field.type === 'Boolean')
      throw invalidQuery(`${op.path} is a Yes/No field; use = or !=.`, left.pos)
    return sql`${op.ref} ${sql.raw(operator)} ${this.storedValue(op.field, right)}`
  }

  inSubquery(operand: OperandNode, query: SelectStatementNode, scope: Scope): Sql {
    const op = this.resolveOperand(operand, scope)
    if (op.fn !== undefined) throw invalidQuery('IN (SELECT …) compares a plain field.', operand.pos)
    const item = query.items[0]
    if (query.items.length !== 1 || item?.kind !== 'selectField' || item.value.kind !== 'fieldRef')
      throw invalidQuery('A subquery in WHERE selects exactly one field.', query.pos)
    const rel = scope.target.relationships.get(query.target)
    let sub: QueryTarget
    let selected: (s: Scope) => Sql
    if (rel !== undefined) {
      const related = this.env.registry.get(rel.target)
      if (related === undefined || !this.env.canRead(related.securedAs))
        throw invalidQuery(`Unknown relationship "${query.target}" on ${scope.target.name}.`, query.targetPos)
      this.#useRelationship(`${scope.target.name}.${rel.name}`, query.targetPos)
      sub = related
      if (rel.direction === 'inbound') {
        if (op.relationship !== undefined || op.field.column !== scope.target.idColumn)
          throw invalidQuery(
            `Filter on an inbound relationship with "${scope.target.idColumn} IN (SELECT …)".`,
            operand.pos,
          )
        selected = (s) => colRef(s.alias, rel.column)
      } else {
        if (op.relationship !== undefined || op.field.column !== rel.column)
          throw invalidQuery(
            `Filter on ${rel.name} with "${rel.column} IN (SELECT id FROM ${rel.name} …)".`,
            operand.pos,
          )
        selected = (s) => colRef(s.alias, s.target.idColumn)
      }
    } else {
      sub = this.#readableTarget(query.target, query.targetPos)
      if (!this.env.canRead(sub.securedAs))
        throw new LiaisonError('ACCESS_DENIED', `You may not read ${sub.name}; the subquery cannot run.`)
      selected = (s) => this.#resolveField((item.value as { path: string }).path, s, item.pos).ref
    }
    const subScope: Scope = {
      target: sub,
      alias: this.#nextAlias('w'),
      joins: new Map(),
      aliases: new Map(),
      ...(query.fromOption === undefined ? {} : { fromOption: query.fromOption }),
    }
    // The selected field must exist on the subquery's target even when the join column is used.
    this.#resolveField(item.value.path, subScope, item.pos)
    const selectedRef = selected(subScope)
    const conditions: Sql[] = [sql`${selectedRef} is not null`]
    if (query.find !== undefined)
      conditions.push(compileFind(query.find, subScope.target, subScope.alias, this.env.dialect))
    if (query.where !== undefined) conditions.push(this.expression(query.where, subScope))
    const filter = subScope.target.rowFilter?.(query.fromOption, subScope.alias)
    if (filter !== undefined) conditions.push(filter)
    return sql`${op.ref} in (select ${selectedRef} from ${this.#fromClause(subScope)} where ${sql.join(conditions, sql` and `)})`
  }

  #fromClause(scope: Scope): Sql {
    const base = sql`${tableOf(scope.target, scope.fromOption)} as ${sql.id(scope.alias)}`
    const joins = [...scope.joins.values()].map(
      (j) =>
        sql`left join ${tableOf(j.target, undefined)} as ${sql.id(j.alias)} on ${colRef(j.alias, j.target.idColumn)} = ${colRef(scope.alias, j.relationship.column)}`,
    )
    return joins.length === 0 ? base : sql`${base} ${sql.join(joins, sql` `)}`
  }

  // ---------- SELECT ----------

  #selectColumn(item: SelectFieldNode, scope: Scope, index: number): OutputColumn {
    if (item.latestVersion === true && !scope.target.fromOptions.includes('ALLVERSIONS'))
      throw invalidQuery('LATESTVERSION applies to ALLVERSIONS documents.', item.pos)
    const value = item.value
    if (
      value.kind === 'functionCall' &&
      (value.name === 'CASEINSENSITIVE' || value.name === 'STATETYPE' || value.name in STATUS_FUNCTIONS)
    )
      throw invalidQuery(`${value.name}() is supported in WHERE only.`, value.pos)
    const op = this.resolveOperand(value, scope)
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

  #checkAlias(alias: string, scope: Scope, pos: SourcePosition): void {
    if (alias.length > MAX_ALIAS_CHARS || !/^[A-Za-z0-9_]+$/.test(alias) || alias.includes('__'))
      throw invalidQuery(
        `Alias "${alias}" must have at most ${MAX_ALIAS_CHARS} letters, digits and single underscores.`,
        pos,
      )
    if (RESERVED_WORDS.has(alias.toUpperCase()))
      throw invalidQuery(`Alias "${alias}" is a reserved word.`, pos)
    if (scope.target.fieldByName.has(alias))
      throw invalidQuery(`Alias "${alias}" is also a field name of ${scope.target.name}.`, pos)
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
        const op = this.resolveOperand(o.value, scope)
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

  #paging(query: SelectStatementNode): CompiledPaging {
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

  compileSelect(
    query: SelectStatementNode,
    target: QueryTarget,
    asSubquery?: { key: string; relationship: TargetRelationship },
  ): CompiledSelect {
    if (query.fromOption !== undefined && !target.fromOptions.includes(query.fromOption))
      throw invalidQuery(`${query.fromOption} does not apply to ${target.name}.`, query.targetPos)
    const scope: Scope = {
      target,
      alias: this.#nextAlias(asSubquery === undefined ? 't' : 's'),
      joins: new Map(),
      aliases: new Map(),
      ...(query.fromOption === undefined ? {} : { fromOption: query.fromOption }),
    }
    const columns: OutputColumn[] = []
    const subqueries: CompiledSubquery[] = []
    const keys = new Set<string>()
    query.items.forEach((item, index) => {
      if (item.alias !== undefined) this.#checkAlias(item.alias, scope, item.pos)
      if (item.kind === 'selectSubquery') {
        if (asSubquery !== undefined)
          throw invalidQuery('A subquery cannot contain another subquery.', item.pos)
        const sub = this.#selectSubquery(item.query, item.alias, scope)
        if (keys.has(sub.key)) throw invalidQuery(`"${sub.key}" is selected twice.`, item.pos)
        keys.add(sub.key)
        subqueries.push(sub)
        return
      }
      const column = this.#selectColumn(item, scope, index)
      if (keys.has(column.key))
        throw invalidQuery(
          `"${column.key}" is selected twice; give the second one an alias with AS.`,
          item.pos,
        )
      keys.add(column.key)
      columns.push(column)
    })
    const conditions: Sql[] = []
    if (query.find !== undefined) {
      if (!target.supportsFind) throw invalidQuery(`FIND is not supported on ${target.name}.`, query.pos)
      conditions.push(compileFind(query.find, target, scope.alias, this.env.dialect))
    }
    if (query.where !== undefined) conditions.push(this.expression(query.where, scope))
    const filter = target.rowFilter?.(query.fromOption, scope.alias)
    if (filter !== undefined) conditions.push(filter)
    const orderBy = this.#orderBy(query, scope)
    const idRef = colRef(scope.alias, target.idColumn)
    // Without ORDER BY rows come in id order. When WHERE narrows on another indexed field (or FIND
    // on the full-text index), both databases tend to walk the id index and filter (a full scan at
    // 1,000,000 records); sorting by an expression of the id keeps the plan on the filter's index
    // and sorts only the matches.
    const idOrder =
      orderBy.length === 0 &&
      ((query.where !== undefined && hasIndexedFilter(query.where, target)) ||
        (query.find !== undefined && findNarrows(query.find)))
        ? sql`(${idRef} || '')`
        : idRef
    return {
      target,
      alias: scope.alias,
      columns,
      subqueries,
      from: this.#fromClause(scope),
      where: conditions.length === 0 ? undefined : sql.join(conditions, sql` and `),
      orderBy,
      idRef,
      idOrder,
      atMostOneRow:
        query.where !== undefined && query.find === undefined && pinsUniqueField(query.where, target),
      paging: this.#paging(query),
      describe: {
        object: { name: target.name, label: target.label, label_plural: target.labelPlural },
        fields: columns.map((c) => c.describe),
        ...(subqueries.length === 0
          ? {}
          : { subqueries: subqueries.map((s) => ({ ...s.describe, relationship: s.relationship.name })) }),
      },
    }
  }

  #selectSubquery(query: SelectStatementNode, alias: string | undefined, parent: Scope): CompiledSubquery {
    const rel = parent.target.relationships.get(query.target)
    const related = rel === undefined ? undefined : this.env.registry.get(rel.target)
    if (rel === undefined || related === undefined || !this.env.canRead(related.securedAs))
      throw invalidQuery(
        `Unknown relationship "${query.target}" on ${parent.target.name}. SHOW RELATIONSHIPS FROM ${parent.target.name} lists them.`,
        query.targetPos,
      )
    if (rel.direction === 'outbound')
      throw invalidQuery(
        `"${rel.name}" is an outbound relationship; read it with a lookup such as ${rel.name}.name__v.`,
        query.targetPos,
      )
    this.#useRelationship(`${parent.target.name}.${rel.name}`, query.targetPos)
    const key = alias ?? rel.name
    const compiled = this.compileSelect(query, related, { key, relationship: rel })
    const pagesize = compiled.paging.pagesize
    return {
      ...compiled,
      key,
      relationship: rel,
      parentRef: colRef(compiled.alias, rel.column),
      limit: pagesize === undefined ? SUBQUERY_PAGE_SIZE_ROWS : Math.min(pagesize, SUBQUERY_PAGE_SIZE_ROWS),
    }
  }
}

/** How each WHERE node compiles; built once and shared by every compilation. */
const EXPRESSIONS: {
  [K in ExpressionKind]: (c: Compiler, node: Extract<ExpressionNode, { kind: K }>, scope: Scope) => Sql
} = {
  and: (c, node, scope) => sql`${c.expression(node.left, scope)} and ${c.expression(node.right, scope)}`,
  or: (c, node, scope) => {
    const objects = new Set([...queryObjectsOf(node.left), ...queryObjectsOf(node.right)])
    if (objects.size > 1)
      throw invalidQuery(
        'OR cannot join conditions on different query objects (the target and a lookup relationship).',
        node.pos,
      )
    return sql`(${c.expression(node.left, scope)} or ${c.expression(node.right, scope)})`
  },
  paren: (c, node, scope) => sql`(${c.expression(node.inner, scope)})`,
  comparison: (c, node, scope) => c.comparison(node.left, node.operator, node.right, scope),
  between: (c, node, scope) => {
    const op = c.resolveOperand(node.operand, scope)
    if (op.fn !== undefined && op.fn !== 'TONAME')
      throw invalidQuery(`BETWEEN cannot be used with ${op.fn}().`, node.pos)
    if (node.low.kind === 'dateLiteral' || node.high.kind === 'dateLiteral') {
      if (node.low.kind !== 'dateLiteral' || node.high.kind !== 'dateLiteral')
        throw invalidQuery('BETWEEN needs two date literals or two values.', node.pos)
      return sql`(${c.dateRange(op, '>=', node.low)} and ${c.dateRange(op, '<=', node.high)})`
    }
    return sql`(${op.ref} >= ${c.storedValue(op.field, node.low)} and ${op.ref} <= ${c.storedValue(op.field, node.high)})`
  },
  inList: (c, node, scope) => c.anyOf(c.resolveOperand(node.operand, scope), scope, node.values),
  contains: (c, node, scope) => c.anyOf(c.resolveOperand(node.operand, scope), scope, node.values),
  like: (c, node, scope) => {
    const op = c.resolveOperand(node.operand, scope)
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
    return c.env.dialect.caseSensitiveLike(op.ref, pattern)
  },
  isNull: (c, node, scope) => {
    const op = c.resolveOperand(node.operand, scope)
    return node.negated ? sql`${op.ref} is not null` : sql`${op.ref} is null`
  },
  inSubquery: (c, node, scope) => c.inSubquery(node.operand, node.query, scope),
}

/** Whether the top-level AND of `where` sets a unique field of the target to one value. */
function pinsUniqueField(where: ExpressionNode, target: QueryTarget): boolean {
  switch (where.kind) {
    case 'and':
      return pinsUniqueField(where.left, target) || pinsUniqueField(where.right, target)
    case 'paren':
      return pinsUniqueField(where.inner, target)
    case 'comparison': {
      const left = where.left
      if (where.operator !== '=' || left.kind !== 'fieldRef' || left.path.includes('.')) return false
      const kind = where.right.kind
      const field = target.fieldByName.get(left.path)
      return field?.unique === true && (kind === 'string' || kind === 'number')
    }
    default:
      return false
  }
}

/** Whether FIND picks rows through the full-text index (NOT at the top keeps most rows). */
function findNarrows(find: FindNode): boolean {
  switch (find.kind) {
    case 'findTerm':
      return true
    case 'findNot':
      return false
    case 'findParen':
      return findNarrows(find.inner)
    case 'findAnd':
      return findNarrows(find.left) || findNarrows(find.right)
    case 'findOr':
      return findNarrows(find.left) && findNarrows(find.right)
    default:
      return false
  }
}

/** Whether the top-level AND of `where` narrows on an indexed field of the target itself. */
function hasIndexedFilter(where: ExpressionNode, target: QueryTarget): boolean {
  const indexed = (o: OperandNode): boolean => {
    const fieldRef =
      o.kind === 'fieldRef'
        ? o
        : o.name === 'TONAME' && o.args[0]?.kind === 'fieldRef'
          ? o.args[0]
          : undefined
    if (fieldRef === undefined || fieldRef.path.includes('.')) return false
    const field = target.fieldByName.get(fieldRef.path)
    return field?.indexed === true && field.column !== target.idColumn && !field.multiValue
  }
  switch (where.kind) {
    case 'and':
      return hasIndexedFilter(where.left, target) || hasIndexedFilter(where.right, target)
    case 'paren':
      return hasIndexedFilter(where.inner, target)
    case 'comparison':
      return where.operator !== '!=' && where.right.kind !== 'null' && indexed(where.left)
    case 'between':
    case 'inList':
    case 'contains':
    case 'like':
      return indexed(where.operand)
    default:
      return false
  }
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

/** Checks a SELECT against the targets and compiles it to parameterised SQL pieces. */
export function compileSelect(query: SelectStatementNode, env: CompileEnvironment): CompiledSelect {
  const target = env.registry.get(query.target)
  if (target === undefined)
    throw invalidQuery(
      `Unknown query target "${query.target}". SHOW TARGETS lists the targets.`,
      query.targetPos,
    )
  if (!env.canRead(target.securedAs))
    throw new LiaisonError('ACCESS_DENIED', `You do not have permission to read ${target.name} records.`)
  return new Compiler(env).compileSelect(query, target)
}

export { TRUE_SQL }

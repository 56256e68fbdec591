import { sql } from 'kysely'
import type { FromOption, OperandNode, SourcePosition } from './ast.js'
import type { CompileEnvironment, Sql } from './compiler.js'
import { MAX_RELATIONSHIPS } from './defaults.js'
import { invalidQuery } from './errors.js'
import type { QueryTarget, TargetField, TargetRelationship } from './query-targets.js'

/** An outbound lookup (`case__vr.name__v`) joined into a scope. */
interface LookupJoin {
  readonly alias: string
  readonly target: QueryTarget
  readonly relationship: TargetRelationship
}

/** The names one SELECT sees: its target under an alias, and the lookups its fields join in. */
export interface Scope {
  readonly target: QueryTarget
  readonly alias: string
  /** ALLVERSIONS …: chooses the target's rows (QueryTarget.source, rowFilter). */
  readonly fromOption?: FromOption
  /** By relationship name; filled while the scope's fields are resolved. */
  readonly joins: Map<string, LookupJoin>
  /** Select aliases usable in ORDER BY. */
  readonly aliases: Map<string, Sql>
}

export interface ResolvedField {
  readonly field: TargetField
  readonly target: QueryTarget
  readonly ref: Sql
  readonly path: string
  /** The lookup relationship, when the path has a dot. */
  readonly relationship?: string
}

const FIELD_FUNCTIONS = ['TONAME', 'TOLABEL', 'CASEINSENSITIVE', 'LONGTEXT', 'RICHTEXT', 'TRIM'] as const
export type FieldFunction = (typeof FIELD_FUNCTIONS)[number]
const ATTACHMENT_FUNCTIONS = new Set(['FILENAME', 'FILESIZE', 'MIMETYPE', 'MD5CHECKSUM', 'TODISPLAYFORMAT'])
/** Field types LIKE and CASEINSENSITIVE() read as text. */
export const TEXT_TYPES: ReadonlySet<string> = new Set(['String', 'LongText', 'ID'])

/** A field, possibly wrapped in a field function (`TONAME(x)`). */
export interface ResolvedOperand extends ResolvedField {
  readonly fn?: FieldFunction
}

/** `alias.column` as an identifier. */
export function columnRef(alias: string, column: string): Sql {
  // sql.id skips the reference parser that sql.ref runs on "alias.column".
  return sql.id(alias, column)
}

/** What FROM reads for a target: its table, or its derived table in parentheses. */
function tableOf(target: QueryTarget, option: FromOption | undefined): Sql {
  return target.source === undefined ? sql.table(target.table) : sql`(${target.source(option)})`
}

/** The FROM clause of a scope: its target and a left join per lookup its fields used. */
export function fromClause(scope: Scope): Sql {
  const base = sql`${tableOf(scope.target, scope.fromOption)} as ${sql.id(scope.alias)}`
  const joins = [...scope.joins.values()].map(
    (j) =>
      sql`left join ${tableOf(j.target, undefined)} as ${sql.id(j.alias)} on ${columnRef(j.alias, j.target.idColumn)} = ${columnRef(scope.alias, j.relationship.column)}`,
  )
  return joins.length === 0 ? base : sql`${base} ${sql.join(joins, sql` `)}`
}

/**
 * The names of one query: opens a scope per SELECT (main, subqueries, WHERE subqueries) with an
 * alias of its own, counts the relationships used against Vault's limit, and resolves field paths
 * and field functions inside a scope, joining lookups in as they appear.
 */
export class ScopeResolver {
  readonly env: CompileEnvironment
  readonly #relationships = new Set<string>()
  #aliasSeq = 0

  constructor(env: CompileEnvironment) {
    this.env = env
  }

  /** A new scope over `target`; the alias prefix tells main (t), subquery (s) and WHERE subquery (w) apart. */
  openScope(target: QueryTarget, prefix: 't' | 's' | 'w', fromOption: FromOption | undefined): Scope {
    return {
      target,
      alias: this.#nextAlias(prefix),
      joins: new Map(),
      aliases: new Map(),
      ...(fromOption === undefined ? {} : { fromOption }),
    }
  }

  #nextAlias(prefix: string): string {
    return `${prefix}${this.#aliasSeq++}`
  }

  /** Counts a relationship (lookup or subquery) once; throws past MAX_RELATIONSHIPS. */
  useRelationship(key: string, pos: SourcePosition): void {
    this.#relationships.add(key)
    if (this.#relationships.size > MAX_RELATIONSHIPS)
      throw invalidQuery(
        `A query may use at most ${MAX_RELATIONSHIPS} relationships (lookups and subqueries).`,
        pos,
      )
  }

  /** A target by name; whether the user may read it is the caller's check, with its own message. */
  knownTarget(name: string, pos: SourcePosition): QueryTarget {
    const target = this.env.registry.get(name)
    if (target === undefined)
      throw invalidQuery(`Unknown query target "${name}". SHOW TARGETS lists the targets.`, pos)
    return target
  }

  /** A relationship of `from` and the readable target at its other end. */
  relationship(
    from: QueryTarget,
    name: string,
    pos: SourcePosition,
  ): { readonly relationship: TargetRelationship; readonly related: QueryTarget } {
    const relationship = from.relationships.get(name)
    const related = relationship === undefined ? undefined : this.env.registry.get(relationship.target)
    if (relationship === undefined || related === undefined || !this.env.canRead(related.securedAs))
      throw invalidQuery(
        `Unknown relationship "${name}" on ${from.name}. SHOW RELATIONSHIPS FROM ${from.name} lists them.`,
        pos,
      )
    return { relationship, related }
  }

  /** A field of the scope's target, or one lookup away (`case__vr.name__v`). */
  resolveField(path: string, scope: Scope, pos: SourcePosition): ResolvedField {
    const parts = path.split('.')
    if (parts.length === 1) {
      const field = scope.target.fieldByName.get(path)
      if (field === undefined)
        throw invalidQuery(
          `Unknown field "${path}" on ${scope.target.name}. SHOW FIELDS FROM ${scope.target.name} lists its fields.`,
          pos,
        )
      return { field, target: scope.target, ref: columnRef(scope.alias, field.column), path }
    }
    if (parts.length > 2)
      throw invalidQuery(`"${path}" follows more than one relationship; a lookup may follow only one.`, pos)
    const [relName, fieldName] = parts as [string, string]
    const { relationship, related } = this.relationship(scope.target, relName, pos)
    if (relationship.direction === 'inbound')
      throw invalidQuery(
        `"${relName}" is an inbound relationship; read it with a subquery (SELECT … FROM ${relName}).`,
        pos,
      )
    let join = scope.joins.get(relName)
    if (join === undefined) {
      this.useRelationship(`${scope.target.name}.${relName}`, pos)
      join = { alias: this.#nextAlias('j'), target: related, relationship }
      scope.joins.set(relName, join)
    }
    const field = related.fieldByName.get(fieldName)
    if (field === undefined)
      throw invalidQuery(`Unknown field "${fieldName}" on ${related.name} (through ${relName}).`, pos)
    return { field, target: related, ref: columnRef(join.alias, field.column), path, relationship: relName }
  }

  /** A field, or a field function over one field, checked against the field's type. */
  resolveOperand(node: OperandNode, scope: Scope): ResolvedOperand {
    if (node.kind === 'fieldRef') return this.resolveField(node.path, scope, node.pos)
    const name = node.name
    if (ATTACHMENT_FUNCTIONS.has(name))
      throw invalidQuery(`${name}() is not supported on this target's fields.`, node.pos)
    const fn = FIELD_FUNCTIONS.find((f) => f === name)
    if (fn === undefined) throw invalidQuery(`Unknown function ${name}() here.`, node.pos)
    const arg = node.args[0]
    if (node.args.length !== 1 || arg === undefined || arg.kind !== 'fieldRef')
      throw invalidQuery(`${name}() takes exactly one field.`, node.pos)
    const resolved = this.resolveField(arg.path, scope, arg.pos)
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
      return { ...resolved, ref: this.resolveField(status.nameField, scope, arg.pos).ref, fn }
    return { ...resolved, fn }
  }
}

import type { RawBuilder } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { StorageDialect } from '../storage/index.js'
import type { ExpressionNode, SelectStatementNode } from './ast.js'
import type { QueryTarget, TargetRegistry, TargetRelationship } from './query-targets.js'
import { ScopeResolver } from './scope-resolver.js'
import { SelectCompiler } from './select-compiler.js'
import type { ValueShaper } from './value-shapes.js'
import type { VqlDescribedField, VqlQueryDescribe } from './vql-types.js'
import { WhereCompiler } from './where-compiler.js'

/**
 * The compiler's entry and what it hands the executor. A SELECT is checked against the query
 * targets and turned into SQL pieces whose values are all bound parameters. The work is split by
 * job: ScopeResolver (names, lookups, aliases), WhereCompiler (conditions), SelectCompiler
 * (columns, subqueries, ORDER BY, paging), value-coercion (literals to stored values) and
 * plan-hints (what the query's shape tells the planner).
 */

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
  /** The condition every row of this target must also meet for this caller (a connection's own records). */
  recordScope?(name: string): ExpressionNode | undefined
  /** Why the caller may not read this target, when the vault can say it better than "no permission". */
  readRefusal?(name: string): Error | undefined
}

/** Checks a SELECT against the targets and compiles it to parameterised SQL pieces. */
export function compileSelect(query: SelectStatementNode, env: CompileEnvironment): CompiledSelect {
  const scopes = new ScopeResolver(env)
  const target = scopes.knownTarget(query.target, query.targetPos)
  if (!env.canRead(target.securedAs))
    throw (
      env.readRefusal?.(target.securedAs) ??
      new LiaisonError('ACCESS_DENIED', `You do not have permission to read ${target.name} records.`)
    )
  return new SelectCompiler(scopes, new WhereCompiler(scopes)).compile(query, target)
}

import { sql } from 'kysely'
import type { ExpressionNode, FindNode, OperandNode, SelectStatementNode } from './ast.js'
import type { Sql } from './compiler.js'
import type { QueryTarget } from './query-targets.js'

/**
 * Plan hints: what the shape of a query tells the executor and the database's planner. They change
 * how rows are fetched, never which rows come back.
 */

/**
 * The id as the last sort key. Without ORDER BY rows come in id order. When WHERE narrows on another
 * indexed field (or FIND on the full-text index), both databases tend to walk the id index and
 * filter (a full scan at 1,000,000 records); sorting by an expression of the id keeps the plan on
 * the filter's index and sorts only the matches.
 */
export function idSortKey(query: SelectStatementNode, target: QueryTarget, idRef: Sql): Sql {
  const narrows =
    (query.where !== undefined && hasIndexedFilter(query.where, target)) ||
    (query.find !== undefined && findNarrows(query.find))
  return query.orderBy.length === 0 && narrows ? sql`(${idRef} || '')` : idRef
}

/** WHERE pins a unique field to one value (and no FIND widens it), so no sort or limit is needed. */
export function returnsAtMostOneRow(query: SelectStatementNode, target: QueryTarget): boolean {
  return query.where !== undefined && query.find === undefined && pinsUniqueField(query.where, target)
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

import { assertNever } from '../errors/index.js'
import type {
  ExpressionNode,
  FindNode,
  OrderByNode,
  SelectItemNode,
  SelectStatementNode,
  StringLiteralNode,
  ValueNode,
  VqlStatement,
} from './ast.js'

function printString(node: StringLiteralNode): string {
  return `'${node.raw}'`
}

function printValue(node: ValueNode): string {
  switch (node.kind) {
    case 'string':
      return printString(node)
    case 'number':
      return String(node.value)
    case 'boolean':
      return node.value ? 'true' : 'false'
    case 'null':
      return 'null'
    case 'dateLiteral':
      return node.n === undefined ? node.name : `${node.name}:${node.n}`
    case 'fieldRef':
      return node.path
    case 'functionCall':
      return `${node.name}(${node.args.map(printValue).join(', ')})`
    default:
      return assertNever(node, 'VQL value')
  }
}

function printExpression(node: ExpressionNode): string {
  switch (node.kind) {
    case 'and':
      return `${printExpression(node.left)} AND ${printExpression(node.right)}`
    case 'or':
      return `${printExpression(node.left)} OR ${printExpression(node.right)}`
    case 'paren':
      return `(${printExpression(node.inner)})`
    case 'comparison':
      return `${printValue(node.left)} ${node.operator} ${printValue(node.right)}`
    case 'between':
      return `${printValue(node.operand)} BETWEEN ${printValue(node.low)} AND ${printValue(node.high)}`
    case 'inList':
      return `${printValue(node.operand)} IN (${node.values.map(printValue).join(', ')})`
    case 'inSubquery':
      return `${printValue(node.operand)} IN (${printSelect(node.query)})`
    case 'contains':
      return `${printValue(node.operand)} CONTAINS (${node.values.map(printValue).join(', ')})`
    case 'like':
      return `${printValue(node.operand)} LIKE ${printString(node.pattern)}`
    case 'isNull':
      return `${printValue(node.operand)} IS ${node.negated ? 'NOT ' : ''}NULL`
    default:
      return assertNever(node, 'VQL expression')
  }
}

function printFind(node: FindNode): string {
  switch (node.kind) {
    case 'findTerm': {
      const scope =
        node.scope === undefined
          ? ''
          : typeof node.scope === 'string'
            ? ` SCOPE ${node.scope}`
            : ` SCOPE ${node.scope.join(', ')}`
      return `${printString(node.term)}${scope}`
    }
    case 'findAnd':
      return `${printFind(node.left)} AND ${printFind(node.right)}`
    case 'findOr':
      return `${printFind(node.left)} OR ${printFind(node.right)}`
    case 'findNot':
      return `NOT ${printFind(node.inner)}`
    case 'findParen':
      return `(${printFind(node.inner)})`
    default:
      return assertNever(node, 'FIND node')
  }
}

function printItem(node: SelectItemNode): string {
  const alias = node.alias === undefined ? '' : ` AS ${node.alias}`
  if (node.kind === 'selectSubquery') return `(${printSelect(node.query)})${alias}`
  return `${node.latestVersion === true ? 'LATESTVERSION ' : ''}${printValue(node.value)}${alias}`
}

function printOrder(node: OrderByNode): string {
  return [
    printValue(node.value),
    node.direction,
    node.nulls === undefined ? undefined : `NULLS ${node.nulls}`,
  ]
    .filter((p) => p !== undefined)
    .join(' ')
}

function printSelect(node: SelectStatementNode): string {
  const parts = [
    `SELECT ${node.items.map(printItem).join(', ')}`,
    `FROM ${node.fromOption === undefined ? '' : `${node.fromOption} `}${node.target}`,
  ]
  if (node.find !== undefined) parts.push(`FIND (${printFind(node.find)})`)
  if (node.where !== undefined) parts.push(`WHERE ${printExpression(node.where)}`)
  if (node.orderBy.length > 0) parts.push(`ORDER BY ${node.orderBy.map(printOrder).join(', ')}`)
  for (const p of node.paging) parts.push(`${p.clause} ${p.value}`)
  return parts.join(' ')
}

/** Prints a statement as canonical VQL; parsing the output gives the same tree (positions aside). */
export function printVql(statement: VqlStatement): string {
  if (statement.kind === 'select') return printSelect(statement)
  const from = statement.target === undefined ? '' : ` FROM ${statement.target}`
  const like = statement.like === undefined ? '' : ` LIKE ${printString(statement.like)}`
  return `SHOW ${statement.subject}${from}${like}`
}

import {
  COMPARISON_OPERATORS,
  type ExpressionNode,
  FIND_SCOPES,
  type FindNode,
  type LiteralNode,
  type OperandNode,
  type SelectStatementNode,
  type ValueNode,
} from './ast.js'
import { dateLiteralTakesN, isDateLiteralName } from './date-literals.js'
import { invalidQuery } from './errors.js'
import { RESERVED_WORDS } from './lexer.js'
import type { TokenStream } from './token-stream.js'

/**
 * Most parentheses, NOTs and function calls one inside another. The parser recurses once per
 * level; without a cap a few thousand "(" exhaust the stack.
 */
export const VQL_MAX_NESTING = 100

/**
 * Most conditions (comparisons, FIND terms) in one query, subqueries included. The compiled
 * conditions nest one SQL expression per term, and SQLite refuses past 1,000 levels.
 */
export const VQL_MAX_CONDITIONS = 500

/**
 * The expression grammar: values and operands, WHERE conditions and FIND search expressions. A
 * subquery inside IN (…) is a statement, so the statement parser lends a callback for it.
 */
export class ExpressionParser {
  readonly #t: TokenStream
  /** Parses `SELECT …)` after IN (; fails with `refusal` where a subquery may not nest. */
  readonly #subquery: (refusal: string) => SelectStatementNode
  #depth = 0
  #conditions = 0

  constructor(tokens: TokenStream, subquery: (refusal: string) => SelectStatementNode) {
    this.#t = tokens
    this.#subquery = subquery
  }

  /** Parses one level deeper, refusing past VQL_MAX_NESTING. */
  #nested<T>(parse: () => T): T {
    if (this.#depth >= VQL_MAX_NESTING)
      throw invalidQuery(
        `The query nests parentheses, NOT or functions more than ${VQL_MAX_NESTING} levels deep`,
        this.#t.token.pos,
      )
    this.#depth++
    try {
      return parse()
    } finally {
      this.#depth--
    }
  }

  /** Counts one condition, refusing past VQL_MAX_CONDITIONS. */
  #countCondition(): void {
    if (++this.#conditions > VQL_MAX_CONDITIONS)
      throw invalidQuery(
        `The query has more than ${VQL_MAX_CONDITIONS} conditions; split it into smaller queries`,
        this.#t.token.pos,
      )
  }

  /** A field, a dotted lookup, or a function call over values. */
  operand(): OperandNode {
    const t = this.#t.token
    if (t.kind !== 'word' || RESERVED_WORDS.has(t.text.toUpperCase()))
      this.#t.fail('a field name or a function')
    if (this.#t.isPunct('(', this.#t.peek())) {
      if (t.text.includes('.')) this.#t.fail('a function name')
      this.#t.next()
      this.#t.next()
      const args = this.#nested(() => {
        const values: ValueNode[] = []
        if (!this.#t.isPunct(')')) values.push(...this.#valueList())
        return values
      })
      this.#t.expectPunct(')', '")" to close the function')
      return { kind: 'functionCall', name: t.text.toUpperCase(), args, pos: t.pos }
    }
    return { kind: 'fieldRef', path: this.#t.name('a field name').text, pos: t.pos }
  }

  /** A literal, a date literal, a function call or a field. */
  #value(): ValueNode {
    const t = this.#t.token
    if (t.kind === 'string') return this.#t.stringLiteral('a value')
    if (t.kind === 'number') {
      this.#t.next()
      return { kind: 'number', value: Number(t.text), pos: t.pos }
    }
    if (this.#t.isPunct('-') && this.#t.peek().kind === 'number') {
      this.#t.next()
      const n = this.#t.next()
      return { kind: 'number', value: -Number(n.text), pos: t.pos }
    }
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase()
      if (upper === 'TRUE' || upper === 'FALSE') {
        this.#t.next()
        return { kind: 'boolean', value: upper === 'TRUE', pos: t.pos }
      }
      if (upper === 'NULL') {
        this.#t.next()
        return { kind: 'null', pos: t.pos }
      }
      if (isDateLiteralName(upper) && !this.#t.isPunct('(', this.#t.peek())) return this.#dateLiteral()
      return this.operand()
    }
    return this.#t.fail('a value: a quoted string, a number, true, false, null, a date literal or a function')
  }

  #dateLiteral(): LiteralNode {
    const t = this.#t.next()
    const name = t.text.toUpperCase()
    const takesN = dateLiteralTakesN(name)
    if (this.#t.isPunct(':')) {
      if (takesN === false) this.#t.fail(`a comparison or the end of the condition (${name} takes no ":n")`)
      this.#t.next()
      const n = this.#t.integer(`a whole number after ${name}:`)
      return { kind: 'dateLiteral', name, n, pos: t.pos }
    }
    if (takesN === true) this.#t.fail(`":" and a number after ${name} (for example ${name}:7)`)
    return { kind: 'dateLiteral', name, pos: t.pos }
  }

  /** A WHERE condition: OR of ANDs of predicates and parenthesised conditions. */
  condition(): ExpressionNode {
    let left = this.#andExpr()
    while (this.#t.isWord('OR')) {
      this.#t.next()
      const right = this.#andExpr()
      left = { kind: 'or', left, right, pos: left.pos }
    }
    return left
  }

  #andExpr(): ExpressionNode {
    let left = this.#unaryExpr()
    while (this.#t.isWord('AND')) {
      this.#t.next()
      const right = this.#unaryExpr()
      left = { kind: 'and', left, right, pos: left.pos }
    }
    return left
  }

  #unaryExpr(): ExpressionNode {
    const t = this.#t.token
    if (this.#t.isPunct('(')) {
      this.#t.next()
      const inner = this.#nested(() => this.condition())
      this.#t.expectPunct(')', 'AND, OR or ")"')
      return { kind: 'paren', inner, pos: t.pos }
    }
    if (this.#t.isWord('NOT')) this.#t.fail('a condition (NOT is supported only inside FIND)')
    return this.#predicate()
  }

  #valueList(): ValueNode[] {
    const values: ValueNode[] = [this.#value()]
    while (this.#t.isPunct(',')) {
      this.#t.next()
      values.push(this.#value())
    }
    return values
  }

  #predicate(): ExpressionNode {
    this.#countCondition()
    const operand = this.operand()
    const pos = operand.pos
    const t = this.#t.token
    const operator = t.kind === 'operator' ? COMPARISON_OPERATORS.find((o) => o === t.text) : undefined
    if (operator !== undefined) {
      this.#t.next()
      return {
        kind: 'comparison',
        operator,
        left: operand,
        right: this.#value(),
        pos,
      }
    }
    if (this.#t.isWord('BETWEEN')) {
      this.#t.next()
      const low = this.#value()
      this.#t.expectWord('AND')
      const high = this.#value()
      return { kind: 'between', operand, low, high, pos }
    }
    if (this.#t.isWord('IN')) {
      this.#t.next()
      this.#t.expectPunct('(', '"(" after IN')
      if (this.#t.isWord('SELECT')) {
        const query = this.#subquery('a value (a subquery cannot contain another subquery)')
        return { kind: 'inSubquery', operand, query, pos }
      }
      const values = this.#valueList()
      this.#t.expectPunct(')', '"," or ")"')
      return { kind: 'inList', operand, values, pos }
    }
    if (this.#t.isWord('CONTAINS')) {
      this.#t.next()
      this.#t.expectPunct('(', '"(" after CONTAINS')
      const values = this.#valueList()
      this.#t.expectPunct(')', '"," or ")"')
      return { kind: 'contains', operand, values, pos }
    }
    if (this.#t.isWord('LIKE')) {
      this.#t.next()
      return { kind: 'like', operand, pattern: this.#t.stringLiteral("a quoted pattern such as 'abc%'"), pos }
    }
    if (this.#t.isWord('IS')) {
      this.#t.next()
      let negated = false
      if (this.#t.isWord('NOT')) {
        this.#t.next()
        negated = true
      }
      this.#t.expectWord('NULL')
      return { kind: 'isNull', operand, negated, pos }
    }
    return this.#t.fail('an operator (=, !=, <, >, <=, >=, BETWEEN, IN, CONTAINS, LIKE)')
  }

  /** The search expression inside FIND ( … ): terms with SCOPE, AND, OR, NOT and parentheses. */
  find(): FindNode {
    let left = this.#findAnd()
    while (this.#t.isWord('OR')) {
      this.#t.next()
      const right = this.#findAnd()
      left = { kind: 'findOr', left, right, pos: left.pos }
    }
    return left
  }

  #findAnd(): FindNode {
    let left = this.#findUnary()
    while (this.#t.isWord('AND')) {
      this.#t.next()
      const right = this.#findUnary()
      left = { kind: 'findAnd', left, right, pos: left.pos }
    }
    return left
  }

  #findUnary(): FindNode {
    const t = this.#t.token
    if (this.#t.isWord('NOT')) {
      this.#t.next()
      return { kind: 'findNot', inner: this.#nested(() => this.#findUnary()), pos: t.pos }
    }
    if (this.#t.isPunct('(')) {
      this.#t.next()
      const inner = this.#nested(() => this.find())
      this.#t.expectPunct(')', 'AND, OR or ")"')
      return { kind: 'findParen', inner, pos: t.pos }
    }
    this.#countCondition()
    const term = this.#t.stringLiteral("a quoted search term such as 'insulin'")
    if (!this.#t.isWord('SCOPE')) return { kind: 'findTerm', term, pos: t.pos }
    this.#t.next()
    const s = this.#t.token
    const word = s.kind === 'word' ? s.text.toUpperCase() : ''
    const keyword = FIND_SCOPES.find((k) => k === word)
    if (keyword !== undefined) {
      this.#t.next()
      return { kind: 'findTerm', term, scope: keyword, pos: t.pos }
    }
    const braced = this.#t.isPunct('{')
    if (braced) this.#t.next()
    const fields = [this.#t.name('ALL, CONTENT, PROPERTIES or a field name after SCOPE').text]
    while (this.#t.isPunct(',')) {
      this.#t.next()
      fields.push(this.#t.name('a field name').text)
    }
    if (braced) this.#t.expectPunct('}', '"," or "}"')
    return { kind: 'findTerm', term, scope: fields, pos: t.pos }
  }
}

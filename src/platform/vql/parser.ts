import type {
  ComparisonOperator,
  ExpressionNode,
  FindNode,
  FindScopeKeyword,
  FromOption,
  LiteralNode,
  OperandNode,
  OrderByNode,
  PagingClauseNode,
  SelectItemNode,
  SelectStatementNode,
  ShowStatementNode,
  StringLiteralNode,
  ValueNode,
  VqlStatement,
} from './ast.js'
import { dateLiteralTakesN, isDateLiteralName } from './date-literals.js'
import { describeToken, RESERVED_WORDS, syntaxError, type Token, tokenize } from './lexer.js'

const PAGING_WORDS = ['MAXROWS', 'SKIP', 'PAGESIZE', 'PAGEOFFSET', 'LIMIT', 'OFFSET'] as const
const COMPARISON: ReadonlySet<string> = new Set(['=', '!=', '<', '>', '<=', '>='])

class Parser {
  readonly #tokens: Token[]
  #i = 0
  /** Subquery depth, to refuse a subquery inside a subquery where Vault does. */
  #depth = 0

  constructor(tokens: Token[]) {
    this.#tokens = tokens
  }

  get #token(): Token {
    return this.#tokens[this.#i]!
  }

  #peek(ahead = 1): Token {
    return this.#tokens[Math.min(this.#i + ahead, this.#tokens.length - 1)]!
  }

  #next(): Token {
    const t = this.#token
    if (t.kind !== 'eof') this.#i++
    return t
  }

  #isWord(word: string, token: Token = this.#token): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word
  }

  #isPunct(p: string, token: Token = this.#token): boolean {
    return token.kind === 'punct' && token.text === p
  }

  #fail(expected: string): never {
    throw syntaxError(this.#token.pos, expected, describeToken(this.#token))
  }

  #expectWord(word: string): Token {
    if (!this.#isWord(word)) this.#fail(word)
    return this.#next()
  }

  #expectPunct(p: string, expected = `"${p}"`): Token {
    if (!this.#isPunct(p)) this.#fail(expected)
    return this.#next()
  }

  /** A name: an object, field, relationship or alias. */
  #name(expected: string): Token {
    const t = this.#token
    if (t.kind !== 'word' || RESERVED_WORDS.has(t.text.toUpperCase())) this.#fail(expected)
    if (t.text.endsWith('.') || t.text.includes('..')) this.#fail(expected)
    return this.#next()
  }

  #integer(expected: string): number {
    const t = this.#token
    if (t.kind !== 'number' || t.text.includes('.')) this.#fail(expected)
    this.#next()
    const value = Number(t.text)
    if (!Number.isSafeInteger(value)) throw syntaxError(t.pos, expected, describeToken(t))
    return value
  }

  parseStatement(): VqlStatement {
    const statement = this.#isWord('SHOW') ? this.#show() : this.#select()
    if (this.#token.kind !== 'eof') {
      if (this.#isPunct(')')) this.#fail('the end of the query (this ")" has no matching "(")')
      this.#fail(
        statement.kind === 'show'
          ? 'the end of the query'
          : 'a clause (WHERE, ORDER BY, MAXROWS, …) or the end of the query',
      )
    }
    return statement
  }

  #show(): ShowStatementNode {
    const pos = this.#next().pos
    const t = this.#token
    const subject = t.kind === 'word' ? t.text.toUpperCase() : ''
    if (subject !== 'TARGETS' && subject !== 'FIELDS' && subject !== 'RELATIONSHIPS')
      this.#fail('TARGETS, FIELDS or RELATIONSHIPS')
    this.#next()
    let target: string | undefined
    if (subject !== 'TARGETS') {
      this.#expectWord('FROM')
      target = this.#name('a query target').text
    }
    let like: StringLiteralNode | undefined
    if (this.#isWord('LIKE')) {
      this.#next()
      like = this.#stringLiteral("a quoted pattern such as 'case%'")
    }
    return {
      kind: 'show',
      subject,
      ...(target === undefined ? {} : { target }),
      ...(like === undefined ? {} : { like }),
      pos,
    }
  }

  #select(): SelectStatementNode {
    const pos = this.#expectWord('SELECT').pos
    const items: SelectItemNode[] = [this.#selectItem()]
    while (this.#isPunct(',')) {
      this.#next()
      items.push(this.#selectItem())
    }
    if (!this.#isWord('FROM')) this.#fail(items.length > 0 ? '"," or FROM' : 'FROM')
    this.#next()
    let fromOption: FromOption | undefined
    const option = this.#token.kind === 'word' ? this.#token.text.toUpperCase() : ''
    if (
      (option === 'ALLVERSIONS' ||
        option === 'LATESTVERSION' ||
        option === 'FAVORITES' ||
        option === 'RECENT') &&
      this.#peek().kind === 'word'
    ) {
      fromOption = option
      this.#next()
    }
    const targetToken = this.#name('a query target such as product__v or documents')
    let find: FindNode | undefined
    if (this.#isWord('FIND')) {
      this.#next()
      this.#expectPunct('(', '"(" after FIND')
      find = this.#findOr()
      this.#expectPunct(')', 'AND, OR or ")" to close FIND')
    }
    let where: ExpressionNode | undefined
    if (this.#isWord('WHERE')) {
      this.#next()
      where = this.#orExpr()
    }
    if (this.#isWord('FIND'))
      this.#fail('ORDER BY, a paging clause or the end of the query (FIND must come before WHERE)')
    const orderBy: OrderByNode[] = []
    if (this.#isWord('ORDER')) {
      this.#next()
      this.#expectWord('BY')
      orderBy.push(this.#orderItem())
      while (this.#isPunct(',')) {
        this.#next()
        orderBy.push(this.#orderItem())
      }
    }
    const paging: PagingClauseNode[] = []
    for (;;) {
      const t = this.#token
      const word = t.kind === 'word' ? t.text.toUpperCase() : ''
      const clause = PAGING_WORDS.find((w) => w === word)
      if (clause === undefined) break
      if (paging.some((p) => p.clause === clause)) this.#fail(`each clause once (${clause} is repeated)`)
      if (clause === 'MAXROWS' && paging.some((p) => p.clause === 'PAGESIZE' || p.clause === 'LIMIT'))
        this.#fail('the end of the query (MAXROWS must come before PAGESIZE)')
      this.#next()
      paging.push({
        kind: 'paging',
        clause,
        value: this.#integer(`a whole number after ${clause}`),
        pos: t.pos,
      })
    }
    return {
      kind: 'select',
      items,
      target: targetToken.text,
      targetPos: targetToken.pos,
      ...(fromOption === undefined ? {} : { fromOption }),
      ...(find === undefined ? {} : { find }),
      ...(where === undefined ? {} : { where }),
      orderBy,
      paging,
      pos,
    }
  }

  #alias(): string | undefined {
    if (!this.#isWord('AS')) return undefined
    this.#next()
    return this.#name('an alias after AS').text
  }

  #selectItem(): SelectItemNode {
    const pos = this.#token.pos
    if (this.#isPunct('(')) {
      this.#next()
      if (!this.#isWord('SELECT')) this.#fail('SELECT to start a subquery')
      if (this.#depth > 0) this.#fail('a field (a subquery cannot contain another subquery)')
      this.#depth++
      const query = this.#select()
      this.#depth--
      this.#expectPunct(')', '")" to close the subquery')
      const alias = this.#alias()
      return { kind: 'selectSubquery', query, ...(alias === undefined ? {} : { alias }), pos }
    }
    let latestVersion = false
    if (
      this.#isWord('LATESTVERSION') &&
      this.#peek().kind === 'word' &&
      !this.#isWord('FROM', this.#peek())
    ) {
      this.#next()
      latestVersion = true
    }
    if (this.#token.kind !== 'word' || RESERVED_WORDS.has(this.#token.text.toUpperCase()))
      this.#fail('a field name, a function or a subquery')
    const value = this.#operand()
    const alias = this.#alias()
    return {
      kind: 'selectField',
      value,
      ...(alias === undefined ? {} : { alias }),
      ...(latestVersion ? { latestVersion } : {}),
      pos,
    }
  }

  #orderItem(): OrderByNode {
    const pos = this.#token.pos
    const value = this.#operand()
    let direction: 'ASC' | 'DESC' | undefined
    if (this.#isWord('ASC') || this.#isWord('DESC'))
      direction = this.#next().text.toUpperCase() as 'ASC' | 'DESC'
    let nulls: 'FIRST' | 'LAST' | undefined
    if (this.#isWord('NULLS')) {
      this.#next()
      if (!this.#isWord('FIRST') && !this.#isWord('LAST')) this.#fail('FIRST or LAST after NULLS')
      nulls = this.#next().text.toUpperCase() as 'FIRST' | 'LAST'
    }
    return {
      kind: 'orderBy',
      value,
      ...(direction === undefined ? {} : { direction }),
      ...(nulls === undefined ? {} : { nulls }),
      pos,
    }
  }

  /** A field, a dotted lookup, or a function call over values. */
  #operand(): OperandNode {
    const t = this.#token
    if (t.kind !== 'word' || RESERVED_WORDS.has(t.text.toUpperCase()))
      this.#fail('a field name or a function')
    if (this.#isPunct('(', this.#peek())) {
      if (t.text.includes('.')) this.#fail('a function name')
      this.#next()
      this.#next()
      const args: ValueNode[] = []
      if (!this.#isPunct(')')) {
        args.push(this.#value())
        while (this.#isPunct(',')) {
          this.#next()
          args.push(this.#value())
        }
      }
      this.#expectPunct(')', '")" to close the function')
      return { kind: 'functionCall', name: t.text.toUpperCase(), args, pos: t.pos }
    }
    return { kind: 'fieldRef', path: this.#name('a field name').text, pos: t.pos }
  }

  #stringLiteral(expected: string): StringLiteralNode {
    const t = this.#token
    if (t.kind !== 'string') this.#fail(expected)
    this.#next()
    return { kind: 'string', value: t.text, raw: t.raw ?? t.text, pos: t.pos }
  }

  /** A literal, a date literal, a function call or a field. */
  #value(): ValueNode {
    const t = this.#token
    if (t.kind === 'string') return this.#stringLiteral('a value')
    if (t.kind === 'number') {
      this.#next()
      return { kind: 'number', value: Number(t.text), pos: t.pos }
    }
    if (this.#isPunct('-') && this.#peek().kind === 'number') {
      this.#next()
      const n = this.#next()
      return { kind: 'number', value: -Number(n.text), pos: t.pos }
    }
    if (t.kind === 'word') {
      const upper = t.text.toUpperCase()
      if (upper === 'TRUE' || upper === 'FALSE') {
        this.#next()
        return { kind: 'boolean', value: upper === 'TRUE', pos: t.pos }
      }
      if (upper === 'NULL') {
        this.#next()
        return { kind: 'null', pos: t.pos }
      }
      if (isDateLiteralName(upper) && !this.#isPunct('(', this.#peek())) return this.#dateLiteral()
      return this.#operand()
    }
    return this.#fail('a value: a quoted string, a number, true, false, null, a date literal or a function')
  }

  #dateLiteral(): LiteralNode {
    const t = this.#next()
    const name = t.text.toUpperCase()
    const takesN = dateLiteralTakesN(name)
    if (this.#isPunct(':')) {
      if (takesN === false) this.#fail(`a comparison or the end of the condition (${name} takes no ":n")`)
      this.#next()
      const n = this.#integer(`a whole number after ${name}:`)
      return { kind: 'dateLiteral', name, n, pos: t.pos }
    }
    if (takesN === true) this.#fail(`":" and a number after ${name} (for example ${name}:7)`)
    return { kind: 'dateLiteral', name, pos: t.pos }
  }

  #orExpr(): ExpressionNode {
    let left = this.#andExpr()
    while (this.#isWord('OR')) {
      this.#next()
      const right = this.#andExpr()
      left = { kind: 'or', left, right, pos: left.pos }
    }
    return left
  }

  #andExpr(): ExpressionNode {
    let left = this.#unaryExpr()
    while (this.#isWord('AND')) {
      this.#next()
      const right = this.#unaryExpr()
      left = { kind: 'and', left, right, pos: left.pos }
    }
    return left
  }

  #unaryExpr(): ExpressionNode {
    const t = this.#token
    if (this.#isPunct('(')) {
      this.#next()
      const inner = this.#orExpr()
      this.#expectPunct(')', 'AND, OR or ")"')
      return { kind: 'paren', inner, pos: t.pos }
    }
    if (this.#isWord('NOT')) this.#fail('a condition (NOT is supported only inside FIND)')
    return this.#predicate()
  }

  #valueList(): ValueNode[] {
    const values: ValueNode[] = [this.#value()]
    while (this.#isPunct(',')) {
      this.#next()
      values.push(this.#value())
    }
    return values
  }

  #predicate(): ExpressionNode {
    const operand = this.#operand()
    const pos = operand.pos
    const t = this.#token
    if (t.kind === 'operator' && COMPARISON.has(t.text)) {
      this.#next()
      return {
        kind: 'comparison',
        operator: t.text as ComparisonOperator,
        left: operand,
        right: this.#value(),
        pos,
      }
    }
    if (this.#isWord('BETWEEN')) {
      this.#next()
      const low = this.#value()
      this.#expectWord('AND')
      const high = this.#value()
      return { kind: 'between', operand, low, high, pos }
    }
    if (this.#isWord('IN')) {
      this.#next()
      this.#expectPunct('(', '"(" after IN')
      if (this.#isWord('SELECT')) {
        if (this.#depth > 0) this.#fail('a value (a subquery cannot contain another subquery)')
        this.#depth++
        const query = this.#select()
        this.#depth--
        this.#expectPunct(')', '")" to close the subquery')
        return { kind: 'inSubquery', operand, query, pos }
      }
      const values = this.#valueList()
      this.#expectPunct(')', '"," or ")"')
      return { kind: 'inList', operand, values, pos }
    }
    if (this.#isWord('CONTAINS')) {
      this.#next()
      this.#expectPunct('(', '"(" after CONTAINS')
      const values = this.#valueList()
      this.#expectPunct(')', '"," or ")"')
      return { kind: 'contains', operand, values, pos }
    }
    if (this.#isWord('LIKE')) {
      this.#next()
      return { kind: 'like', operand, pattern: this.#stringLiteral("a quoted pattern such as 'abc%'"), pos }
    }
    if (this.#isWord('IS')) {
      this.#next()
      let negated = false
      if (this.#isWord('NOT')) {
        this.#next()
        negated = true
      }
      this.#expectWord('NULL')
      return { kind: 'isNull', operand, negated, pos }
    }
    return this.#fail('an operator (=, !=, <, >, <=, >=, BETWEEN, IN, CONTAINS, LIKE)')
  }

  #findOr(): FindNode {
    let left = this.#findAnd()
    while (this.#isWord('OR')) {
      this.#next()
      const right = this.#findAnd()
      left = { kind: 'findOr', left, right, pos: left.pos }
    }
    return left
  }

  #findAnd(): FindNode {
    let left = this.#findUnary()
    while (this.#isWord('AND')) {
      this.#next()
      const right = this.#findUnary()
      left = { kind: 'findAnd', left, right, pos: left.pos }
    }
    return left
  }

  #findUnary(): FindNode {
    const t = this.#token
    if (this.#isWord('NOT')) {
      this.#next()
      return { kind: 'findNot', inner: this.#findUnary(), pos: t.pos }
    }
    if (this.#isPunct('(')) {
      this.#next()
      const inner = this.#findOr()
      this.#expectPunct(')', 'AND, OR or ")"')
      return { kind: 'findParen', inner, pos: t.pos }
    }
    const term = this.#stringLiteral("a quoted search term such as 'insulin'")
    if (!this.#isWord('SCOPE')) return { kind: 'findTerm', term, pos: t.pos }
    this.#next()
    const s = this.#token
    const word = s.kind === 'word' ? s.text.toUpperCase() : ''
    if (word === 'ALL' || word === 'CONTENT' || word === 'PROPERTIES') {
      this.#next()
      return { kind: 'findTerm', term, scope: word as FindScopeKeyword, pos: t.pos }
    }
    const braced = this.#isPunct('{')
    if (braced) this.#next()
    const fields = [this.#name('ALL, CONTENT, PROPERTIES or a field name after SCOPE').text]
    while (this.#isPunct(',')) {
      this.#next()
      fields.push(this.#name('a field name').text)
    }
    if (braced) this.#expectPunct('}', '"," or "}"')
    return { kind: 'findTerm', term, scope: fields, pos: t.pos }
  }
}

/**
 * Parses one VQL statement. Throws LiaisonError QUERY_SYNTAX with the line, column and what was
 * expected; never anything else.
 */
export function parseVql(q: string): VqlStatement {
  return new Parser(tokenize(q)).parseStatement()
}

import {
  type ExpressionNode,
  type FindNode,
  FROM_OPTIONS,
  type OrderByNode,
  PAGING_CLAUSES,
  type PagingClauseNode,
  type SelectItemNode,
  type SelectStatementNode,
  SHOW_SUBJECTS,
  type ShowStatementNode,
  type StringLiteralNode,
  type VqlStatement,
} from './ast.js'
import { ExpressionParser } from './expression-parser.js'
import { RESERVED_WORDS, tokenize } from './lexer.js'
import { TokenStream } from './token-stream.js'

/** The statement grammar: SHOW, and SELECT with its items, FROM, FIND, WHERE, ORDER BY and paging. */
class Parser {
  readonly #t: TokenStream
  readonly #expr: ExpressionParser
  /** Subquery depth, to refuse a subquery inside a subquery where Vault does. */
  #depth = 0

  constructor(tokens: TokenStream) {
    this.#t = tokens
    this.#expr = new ExpressionParser(tokens, (refusal) => this.#subquery(refusal))
  }

  parseStatement(): VqlStatement {
    const statement = this.#t.isWord('SHOW') ? this.#show() : this.#select()
    if (this.#t.token.kind !== 'eof') {
      if (this.#t.isPunct(')')) this.#t.fail('the end of the query (this ")" has no matching "(")')
      this.#t.fail(
        statement.kind === 'show'
          ? 'the end of the query'
          : 'a clause (WHERE, ORDER BY, MAXROWS, …) or the end of the query',
      )
    }
    return statement
  }

  #show(): ShowStatementNode {
    const pos = this.#t.next().pos
    const t = this.#t.token
    const word = t.kind === 'word' ? t.text.toUpperCase() : ''
    const subject = SHOW_SUBJECTS.find((s) => s === word)
    if (subject === undefined) return this.#t.fail('TARGETS, FIELDS or RELATIONSHIPS')
    this.#t.next()
    let target: string | undefined
    if (subject !== 'TARGETS') {
      this.#t.expectWord('FROM')
      target = this.#t.name('a query target').text
    }
    let like: StringLiteralNode | undefined
    if (this.#t.isWord('LIKE')) {
      this.#t.next()
      like = this.#t.stringLiteral("a quoted pattern such as 'case%'")
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
    const pos = this.#t.expectWord('SELECT').pos
    const items: SelectItemNode[] = [this.#selectItem()]
    while (this.#t.isPunct(',')) {
      this.#t.next()
      items.push(this.#selectItem())
    }
    if (!this.#t.isWord('FROM')) this.#t.fail('"," or FROM')
    this.#t.next()
    const word = this.#t.token.kind === 'word' ? this.#t.token.text.toUpperCase() : ''
    const option = FROM_OPTIONS.find((o) => o === word)
    // An option is followed by the target's name; alone it is the name itself.
    const fromOption = option !== undefined && this.#t.peek().kind === 'word' ? option : undefined
    if (fromOption !== undefined) this.#t.next()
    const targetToken = this.#t.name('a query target such as product__v or documents')
    let find: FindNode | undefined
    if (this.#t.isWord('FIND')) {
      this.#t.next()
      this.#t.expectPunct('(', '"(" after FIND')
      find = this.#expr.find()
      this.#t.expectPunct(')', 'AND, OR or ")" to close FIND')
    }
    let where: ExpressionNode | undefined
    if (this.#t.isWord('WHERE')) {
      this.#t.next()
      where = this.#expr.condition()
    }
    if (this.#t.isWord('FIND'))
      this.#t.fail('ORDER BY, a paging clause or the end of the query (FIND must come before WHERE)')
    const orderBy: OrderByNode[] = []
    if (this.#t.isWord('ORDER')) {
      this.#t.next()
      this.#t.expectWord('BY')
      orderBy.push(this.#orderItem())
      while (this.#t.isPunct(',')) {
        this.#t.next()
        orderBy.push(this.#orderItem())
      }
    }
    const paging: PagingClauseNode[] = []
    for (;;) {
      const t = this.#t.token
      const word = t.kind === 'word' ? t.text.toUpperCase() : ''
      const clause = PAGING_CLAUSES.find((w) => w === word)
      if (clause === undefined) break
      if (paging.some((p) => p.clause === clause)) this.#t.fail(`each clause once (${clause} is repeated)`)
      if (clause === 'MAXROWS' && paging.some((p) => p.clause === 'PAGESIZE' || p.clause === 'LIMIT'))
        this.#t.fail('the end of the query (MAXROWS must come before PAGESIZE)')
      this.#t.next()
      paging.push({
        kind: 'paging',
        clause,
        value: this.#t.integer(`a whole number after ${clause}`),
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
    if (!this.#t.isWord('AS')) return undefined
    this.#t.next()
    return this.#t.name('an alias after AS').text
  }

  #selectItem(): SelectItemNode {
    const pos = this.#t.token.pos
    if (this.#t.isPunct('(')) {
      this.#t.next()
      if (!this.#t.isWord('SELECT')) this.#t.fail('SELECT to start a subquery')
      const query = this.#subquery('a field (a subquery cannot contain another subquery)')
      const alias = this.#alias()
      return { kind: 'selectSubquery', query, ...(alias === undefined ? {} : { alias }), pos }
    }
    let latestVersion = false
    if (
      this.#t.isWord('LATESTVERSION') &&
      this.#t.peek().kind === 'word' &&
      !this.#t.isWord('FROM', this.#t.peek())
    ) {
      this.#t.next()
      latestVersion = true
    }
    if (this.#t.token.kind !== 'word' || RESERVED_WORDS.has(this.#t.token.text.toUpperCase()))
      this.#t.fail('a field name, a function or a subquery')
    const value = this.#expr.operand()
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
    const pos = this.#t.token.pos
    const value = this.#expr.operand()
    let direction: 'ASC' | 'DESC' | undefined
    if (this.#t.isWord('ASC') || this.#t.isWord('DESC'))
      direction = this.#t.next().text.toUpperCase() as 'ASC' | 'DESC'
    let nulls: 'FIRST' | 'LAST' | undefined
    if (this.#t.isWord('NULLS')) {
      this.#t.next()
      if (!this.#t.isWord('FIRST') && !this.#t.isWord('LAST')) this.#t.fail('FIRST or LAST after NULLS')
      nulls = this.#t.next().text.toUpperCase() as 'FIRST' | 'LAST'
    }
    return {
      kind: 'orderBy',
      value,
      ...(direction === undefined ? {} : { direction }),
      ...(nulls === undefined ? {} : { nulls }),
      pos,
    }
  }

  /** `SELECT …)` of a subquery, after its opening parenthesis. */
  #subquery(refusal: string): SelectStatementNode {
    if (this.#depth > 0) this.#t.fail(refusal)
    this.#depth++
    const query = this.#select()
    this.#depth--
    this.#t.expectPunct(')', '")" to close the subquery')
    return query
  }
}

/**
 * Parses one VQL statement. Throws LiaisonError QUERY_SYNTAX with the line, column and what was
 * expected; never anything else.
 */
export function parseVql(q: string): VqlStatement {
  return new Parser(new TokenStream(tokenize(q))).parseStatement()
}

import type { StringLiteralNode } from './ast.js'
import { describeToken, RESERVED_WORDS, syntaxError, type Token } from './lexer.js'

/**
 * The parser's position in the token list, with the small reads both grammars share. Every
 * failure is a QUERY_SYNTAX error that names what was expected and what was found.
 */
export class TokenStream {
  readonly #tokens: readonly Token[]
  #i = 0

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens
  }

  get token(): Token {
    return this.#tokens[this.#i]!
  }

  peek(ahead = 1): Token {
    return this.#tokens[Math.min(this.#i + ahead, this.#tokens.length - 1)]!
  }

  /** The current token; moves past it unless it is the end. */
  next(): Token {
    const t = this.token
    if (t.kind !== 'eof') this.#i++
    return t
  }

  /** Whether the token is the keyword `word` (given in upper case; matched case-insensitively). */
  isWord(word: string, token: Token = this.token): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word
  }

  isPunct(p: string, token: Token = this.token): boolean {
    return token.kind === 'punct' && token.text === p
  }

  fail(expected: string): never {
    throw syntaxError(this.token.pos, expected, describeToken(this.token))
  }

  expectWord(word: string): Token {
    if (!this.isWord(word)) this.fail(word)
    return this.next()
  }

  expectPunct(p: string, expected = `"${p}"`): Token {
    if (!this.isPunct(p)) this.fail(expected)
    return this.next()
  }

  /** A name: an object, field, relationship or alias. */
  name(expected: string): Token {
    const t = this.token
    if (t.kind !== 'word' || RESERVED_WORDS.has(t.text.toUpperCase())) this.fail(expected)
    if (t.text.endsWith('.') || t.text.includes('..')) this.fail(expected)
    return this.next()
  }

  integer(expected: string): number {
    const t = this.token
    if (t.kind !== 'number' || t.text.includes('.')) this.fail(expected)
    this.next()
    const value = Number(t.text)
    if (!Number.isSafeInteger(value)) throw syntaxError(t.pos, expected, describeToken(t))
    return value
  }

  stringLiteral(expected: string): StringLiteralNode {
    const t = this.token
    if (t.kind !== 'string') this.fail(expected)
    this.next()
    return { kind: 'string', value: t.text, raw: t.raw ?? t.text, pos: t.pos }
  }
}

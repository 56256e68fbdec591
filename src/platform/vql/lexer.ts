import { LiaisonError } from '../errors/index.js'
import type { SourcePosition } from './ast.js'

/**
 * Token kinds. Keywords are not a kind of their own: a `word` is a keyword where the grammar
 * expects one (compared case-insensitively), so a field may share a keyword's spelling in lower case.
 */
const TOKEN_KINDS = ['word', 'string', 'number', 'punct', 'operator', 'eof'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

export interface Token {
  readonly kind: TokenKind
  /** Words and punctuation as written; strings decoded; numbers as written. */
  readonly text: string
  /** For strings: the characters between the quotes as written. */
  readonly raw?: string
  readonly pos: SourcePosition
}

/** Words that end a clause or an expression; none of them can be an alias or an unquoted value. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'FIND',
  'ORDER',
  'BY',
  'AND',
  'OR',
  'NOT',
  'IN',
  'LIKE',
  'BETWEEN',
  'CONTAINS',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'AS',
  'ASC',
  'DESC',
  'NULLS',
  'MAXROWS',
  'SKIP',
  'PAGESIZE',
  'PAGEOFFSET',
  'LIMIT',
  'OFFSET',
  'SCOPE',
  'SHOW',
  'ALLVERSIONS',
  'LATESTVERSION',
  'FAVORITES',
  'RECENT',
])

const PUNCTUATION = new Set([',', '(', ')', '*', ':', '{', '}', '-'])
// Character classes by code: the lexer runs on every request, and regex tests per character cost.
function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
}
function isDigitCode(code: number): boolean {
  return code >= 48 && code <= 57
}
const WORD_START = { test: (c: string): boolean => isLetter(c.charCodeAt(0)) }
const WORD_PART = {
  test: (c: string): boolean => {
    const code = c.charCodeAt(0)
    return isLetter(code) || isDigitCode(code) || code === 46
  },
}
const DIGIT = { test: (c: string): boolean => isDigitCode(c.charCodeAt(0)) }

/** Escapes Vault standardised in v21.3: `\\ \' \" \% \* \n \t \r`, plus `''` for a quote. */
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  '%': '%',
  '*': '*',
  n: '\n',
  t: '\t',
  r: '\r',
}

export function syntaxError(pos: SourcePosition, expected: string, found: string): LiaisonError {
  return new LiaisonError(
    'QUERY_SYNTAX',
    `Syntax error at line ${pos.line}, column ${pos.column}: expected ${expected} but found ${found}.`,
    { details: { line: pos.line, column: pos.column, expected, found } },
  )
}

/** How a token reads in an error message. */
export function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'the end of the query'
  if (token.kind === 'string') return `'${token.raw ?? token.text}'`
  const text = token.text.length > 40 ? `${token.text.slice(0, 37)}…` : token.text
  return `"${text}"`
}

/** Decodes the text between quotes; a backslash before any other character keeps both. */
function decodeStringLiteral(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1]!
      const decoded = ESCAPES[next]
      out += decoded ?? `\\${next}`
      i++
    } else if (c === "'" && raw[i + 1] === "'") {
      out += "'"
      i++
    } else out += c
  }
  return out
}

/** Splits a query into tokens, ending with one `eof` token. */
export function tokenize(q: string): Token[] {
  // PostgreSQL cannot hold NUL in text, so no value could match it; refuse it on every database alike.
  const nul = q.indexOf('\u0000')
  if (nul >= 0) {
    const before = q.slice(0, nul)
    const line = before.split('\n').length
    const column = nul - before.lastIndexOf('\n')
    throw syntaxError({ line, column, offset: nul }, 'text without NUL characters', 'a NUL character')
  }
  const tokens: Token[] = []
  let i = 0
  let line = 1
  let lineStart = 0
  const at = (offset: number): SourcePosition => ({ line, column: offset - lineStart + 1, offset })
  while (i < q.length) {
    const c = q[i]!
    if (c === '\n') {
      i++
      line++
      lineStart = i
      continue
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0') {
      i++
      continue
    }
    const pos = at(i)
    if (WORD_START.test(c)) {
      let j = i + 1
      while (j < q.length && WORD_PART.test(q[j]!)) j++
      tokens.push({ kind: 'word', text: q.slice(i, j), pos })
      i = j
      continue
    }
    if (DIGIT.test(c)) {
      let j = i + 1
      while (j < q.length && DIGIT.test(q[j]!)) j++
      if (q[j] === '.' && DIGIT.test(q[j + 1] ?? '')) {
        j++
        while (j < q.length && DIGIT.test(q[j]!)) j++
      }
      if (j < q.length && WORD_START.test(q[j]!))
        throw syntaxError(at(j), 'a space or an operator after a number', `"${q[j]}"`)
      tokens.push({ kind: 'number', text: q.slice(i, j), pos })
      i = j
      continue
    }
    if (c === "'") {
      let j = i + 1
      let closed = false
      const startLine = line
      const startLineStart = lineStart
      while (j < q.length) {
        const d = q[j]!
        if (d === '\\' && j + 1 < q.length) {
          j += 2
          continue
        }
        if (d === "'") {
          if (q[j + 1] === "'") {
            j += 2
            continue
          }
          closed = true
          break
        }
        if (d === '\n') {
          line++
          lineStart = j + 1
        }
        j++
      }
      if (!closed) {
        line = startLine
        lineStart = startLineStart
        throw syntaxError(pos, 'a closing quote for the string', 'the end of the query')
      }
      const raw = q.slice(i + 1, j)
      tokens.push({ kind: 'string', text: decodeStringLiteral(raw), raw, pos })
      i = j + 1
      continue
    }
    const two = q.slice(i, i + 2)
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      tokens.push({ kind: 'operator', text: two === '<>' ? '!=' : two, pos })
      i += 2
      continue
    }
    if (c === '=' || c === '<' || c === '>' || c === '&') {
      tokens.push({ kind: 'operator', text: c, pos })
      i++
      continue
    }
    if (PUNCTUATION.has(c)) {
      tokens.push({ kind: 'punct', text: c, pos })
      i++
      continue
    }
    throw syntaxError(pos, 'a field name, keyword, value or operator', `"${c}"`)
  }
  tokens.push({ kind: 'eof', text: '', pos: at(i) })
  return tokens
}

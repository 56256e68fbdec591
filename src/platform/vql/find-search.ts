import { type RawBuilder, sql } from 'kysely'
import { assertNever } from '../errors/index.js'
import type { FindNode, FindTermNode } from './ast.js'
import { MAX_FIND_SCOPE_FIELDS, MAX_FIND_TERM_CHARS } from './defaults.js'
import { invalidQuery } from './errors.js'
import type { QueryTarget } from './query-targets.js'

type Sql = RawBuilder<unknown>

/**
 * FIND over object fields. Semantics first: a word matches a record when one of the scope's text
 * fields contains it, case-insensitively; `*` stands for any run of characters and a "quoted
 * phrase" must appear as written. A term without operators is strict (every word must match);
 * with AND / OR / NOT the words left without an operator are joined by OR, as Vault does.
 */

type SearchNode =
  | { readonly kind: 'word'; readonly pattern: string }
  | { readonly kind: 'and' | 'or'; readonly left: SearchNode; readonly right: SearchNode }
  | { readonly kind: 'not'; readonly inner: SearchNode }

interface SearchToken {
  readonly kind: 'word' | 'AND' | 'OR' | 'NOT'
  readonly pattern: string
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** Splits the text of a search term into words, phrases and operators, as LIKE patterns. */
function searchTokens(raw: string, term: FindTermNode): SearchToken[] {
  const tokens: SearchToken[] = []
  let i = 0
  while (i < raw.length) {
    const c = raw[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const phrase = c === '"'
    if (phrase) i++
    let pattern = ''
    let text = ''
    while (i < raw.length) {
      const d = raw[i]!
      if (phrase ? d === '"' : /\s/.test(d)) break
      if (d === '\\' && i + 1 < raw.length) {
        const next = raw[i + 1]!
        const decoded = ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[next] ?? next
        pattern += escapeLike(decoded)
        text += decoded
        i += 2
        continue
      }
      if (d === "'" && raw[i + 1] === "'") i++
      if (d === '*' && !phrase) {
        if (text === '')
          throw invalidQuery('A FIND search term may not start with the wildcard *.', term.term.pos)
        pattern += '%'
      } else pattern += escapeLike(d)
      text += d
      i++
    }
    if (phrase) i++
    if (!phrase && (text === 'AND' || text === 'OR' || text === 'NOT'))
      tokens.push({ kind: text, pattern: '' })
    else if (text !== '') tokens.push({ kind: 'word', pattern })
  }
  return tokens
}

function parseSearch(tokens: SearchToken[], term: FindTermNode): SearchNode {
  if (tokens.length === 0) throw invalidQuery('A FIND search term needs at least one word.', term.pos)
  const hasOperators = tokens.some((t) => t.kind !== 'word')
  if (!hasOperators)
    return tokens
      .map((t): SearchNode => ({ kind: 'word', pattern: t.pattern }))
      .reduce((left, right) => ({ kind: 'and', left, right }))
  let i = 0
  const unary = (): SearchNode => {
    const t = tokens[i]
    if (t === undefined) throw invalidQuery('A FIND search term ends with an operator.', term.pos)
    i++
    if (t.kind === 'NOT') return { kind: 'not', inner: unary() }
    if (t.kind !== 'word')
      throw invalidQuery(`A FIND search term has ${t.kind} where a word belongs.`, term.pos)
    return { kind: 'word', pattern: t.pattern }
  }
  const and = (): SearchNode => {
    let left = unary()
    // `a NOT b` reads as a AND NOT b; NOT is consumed by unary().
    while (tokens[i]?.kind === 'AND' || tokens[i]?.kind === 'NOT') {
      if (tokens[i]?.kind === 'AND') i++
      left = { kind: 'and', left, right: unary() }
    }
    return left
  }
  let left = and()
  while (i < tokens.length) {
    // An explicit OR, or two words side by side (the implicit OR of a complex search).
    if (tokens[i]?.kind === 'OR') i++
    left = { kind: 'or', left, right: and() }
  }
  return left
}

const FIND_TEXT_TYPES = new Set(['String', 'LongText'])

function scopeColumns(term: FindTermNode, target: QueryTarget): string[] {
  const scope = term.scope ?? 'PROPERTIES'
  const properties = (): string[] =>
    target.fields.filter((f) => FIND_TEXT_TYPES.has(f.type)).map((f) => f.column)
  if (scope === 'CONTENT' || scope === 'ALL') {
    const content = target.findContentColumn
    if (scope === 'CONTENT' && content === undefined)
      throw invalidQuery(`SCOPE CONTENT applies to documents; ${target.name} has no content.`, term.pos)
    return content === undefined ? properties() : [...(scope === 'ALL' ? properties() : []), content]
  }
  if (scope === 'PROPERTIES') return properties()
  if (scope.length > MAX_FIND_SCOPE_FIELDS)
    throw invalidQuery(`SCOPE lists at most ${MAX_FIND_SCOPE_FIELDS} fields.`, term.pos)
  return scope.map((name) => {
    const field = target.fieldByName.get(name)
    if (field === undefined)
      throw invalidQuery(`Unknown field "${name}" on ${target.name} in SCOPE.`, term.pos)
    if (!FIND_TEXT_TYPES.has(field.type) && field.type !== 'Picklist')
      throw invalidQuery(`SCOPE field ${name} is a ${field.type} field; FIND searches text fields.`, term.pos)
    return field.column
  })
}

function compileSearch(node: SearchNode, columns: readonly string[], alias: string): Sql {
  switch (node.kind) {
    case 'word': {
      if (columns.length === 0) return sql`1 = 0`
      const pattern = `%${node.pattern}%`
      const tests = columns.map(
        (c) =>
          sql`lower(coalesce(${sql.ref(`${alias}.${c}`)}, '')) like lower(cast(${pattern} as text)) escape '\\'`,
      )
      return sql`(${sql.join(tests, sql` or `)})`
    }
    case 'and':
      return sql`(${compileSearch(node.left, columns, alias)} and ${compileSearch(node.right, columns, alias)})`
    case 'or':
      return sql`(${compileSearch(node.left, columns, alias)} or ${compileSearch(node.right, columns, alias)})`
    case 'not':
      return sql`not ${compileSearch(node.inner, columns, alias)}`
    default:
      return assertNever(node, 'search node')
  }
}

/** The WHERE condition of a FIND clause over `target` aliased `alias`. */
export function compileFind(node: FindNode, target: QueryTarget, alias: string): Sql {
  switch (node.kind) {
    case 'findTerm': {
      const text = node.term.value.trim()
      if (text.length === 0 || text.length > MAX_FIND_TERM_CHARS)
        throw invalidQuery(`A FIND search term has 1 to ${MAX_FIND_TERM_CHARS} characters.`, node.term.pos)
      const search = parseSearch(searchTokens(node.term.raw, node), node)
      return compileSearch(search, scopeColumns(node, target), alias)
    }
    case 'findAnd':
      return sql`(${compileFind(node.left, target, alias)} and ${compileFind(node.right, target, alias)})`
    case 'findOr':
      return sql`(${compileFind(node.left, target, alias)} or ${compileFind(node.right, target, alias)})`
    case 'findNot':
      return sql`not ${compileFind(node.inner, target, alias)}`
    case 'findParen':
      return sql`(${compileFind(node.inner, target, alias)})`
    default:
      return assertNever(node, 'FIND node')
  }
}

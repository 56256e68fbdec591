import { sql } from 'kysely'
import { assertNever } from '../errors/index.js'
import type { FullTextQuery, FullTextSource, FullTextTerm, StorageDialect } from '../storage/index.js'
import type { FindNode, FindTermNode } from './ast.js'
import type { Sql } from './compiler.js'
import {
  MAX_FIND_SCOPE_FIELDS,
  MAX_FIND_TERM_CHARS,
  MAX_FIND_WILDCARD_WORDS,
  MAX_FIND_WILDCARDS_PER_WORD,
} from './defaults.js'
import { invalidQuery } from './errors.js'
import type { QueryTarget, TargetField } from './query-targets.js'
import { holdsAnyName } from './value-coercion.js'

/**
 * FIND over object fields, run on the database's full-text index (`StorageDialect.fullText`).
 * Vault matches words, not substrings: text is cut into tokens at spaces and punctuation, case and
 * diacritics do not count. A word matches a token; `*` stands for any letters within one token
 * (`bio*`, `o*ology`; not first); `foo-bar` is the two words in a row, and a "quoted phrase" its
 * words in a row. A term without operators is strict (every word must match) and a single word gets
 * a wildcard at its end (Vault's automatic wildcarding); with AND / OR / NOT the words left without
 * an operator are joined by OR, and AND binds before OR.
 * (reference/vault-api-conventions.md §4; VQL "Wildcards & ID Patterns", "Search Operators".)
 */

interface SearchWord {
  readonly kind: 'word'
  readonly terms: readonly FullTextTerm[]
  readonly quoted: boolean
  readonly wildcards: number
}

type SearchToken = SearchWord | { readonly kind: 'AND' | 'OR' | 'NOT' }

type SearchNode =
  | SearchWord
  | { readonly kind: 'and' | 'or'; readonly left: SearchNode; readonly right: SearchNode }
  | { readonly kind: 'not'; readonly inner: SearchNode }

/** Token characters as both databases' tokenizers see them: letters, digits (and combining marks). */
const TOKEN_CHAR = /[\p{L}\p{N}\p{M}]/u

interface SearchChar {
  readonly c: string
  /** An unescaped `*` outside a phrase. */
  readonly wildcard: boolean
}

/** Cuts the characters of one word or phrase into terms; a wildcard binds to the token it touches. */
function termsOf(chars: readonly SearchChar[], term: FindTermNode): FullTextTerm[] {
  const terms: FullTextTerm[] = []
  let parts: string[] = []
  let current = ''
  let endsWithWildcard = false
  const endToken = () => {
    if (current !== '') parts.push(current)
    if (parts.length > 0) terms.push({ parts, prefix: endsWithWildcard })
    parts = []
    current = ''
    endsWithWildcard = false
  }
  chars.forEach(({ c, wildcard }, i) => {
    if (wildcard) {
      if (current === '' && parts.length === 0) {
        if (i === 0)
          throw invalidQuery('A FIND search term may not start with the wildcard *.', term.term.pos)
        // A wildcard after punctuation has no letters to extend.
        return
      }
      if (current !== '') parts.push(current)
      current = ''
      endsWithWildcard = true
    } else if (TOKEN_CHAR.test(c)) {
      // A combining mark belongs to the letter before it; alone it is no token (and would fold to
      // nothing).
      if (current === '' && /\p{M}/u.test(c)) return
      endsWithWildcard = false
      current += c
    } else endToken()
  })
  endToken()
  return terms
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r' }

/** Splits the raw text of a search term into words, phrases and operators. */
function searchTokens(raw: string, term: FindTermNode): SearchToken[] {
  const tokens: SearchToken[] = []
  let i = 0
  while (i < raw.length) {
    const c = raw[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const quoted = c === '"'
    if (quoted) i++
    const chars: SearchChar[] = []
    let plain = true
    while (i < raw.length) {
      const d = raw[i]!
      if (quoted ? d === '"' : /\s/.test(d)) break
      if (d === '\\' && i + 1 < raw.length) {
        const next = raw[i + 1]!
        chars.push({ c: ESCAPES[next] ?? next, wildcard: false })
        plain = false
        i += 2
        continue
      }
      if (d === "'" && raw[i + 1] === "'") i++
      chars.push({ c: d, wildcard: d === '*' && !quoted })
      i++
    }
    if (quoted) i++
    const text = chars.map((x) => x.c).join('')
    if (!quoted && plain && (text === 'AND' || text === 'OR' || text === 'NOT')) tokens.push({ kind: text })
    else if (chars.length > 0)
      tokens.push({
        kind: 'word',
        terms: termsOf(chars, term),
        quoted,
        wildcards: chars.filter((x) => x.wildcard).length,
      })
  }
  return tokens
}

function checkWildcards(words: readonly SearchWord[], term: FindTermNode): void {
  if (words.some((w) => w.wildcards > MAX_FIND_WILDCARDS_PER_WORD))
    throw invalidQuery(
      `A FIND search word may have at most ${MAX_FIND_WILDCARDS_PER_WORD} wildcards (*).`,
      term.term.pos,
    )
  if (words.filter((w) => w.wildcards > 0).length > MAX_FIND_WILDCARD_WORDS)
    throw invalidQuery(
      `A FIND search term may have at most ${MAX_FIND_WILDCARD_WORDS} words with wildcards (*).`,
      term.term.pos,
    )
}

/**
 * Vault adds a wildcard to the end of a single search word unless it is one character or looks like
 * an id (punctuation inside, or letters and digits together: `10mg`, `CASE-0001`).
 */
function withAutomaticWildcard(word: SearchWord): SearchWord {
  const only = word.terms[0]
  if (word.quoted || word.wildcards > 0 || word.terms.length !== 1 || only === undefined) return word
  const text = only.parts[0]!
  if ([...text].length < 2 || (/\p{L}/u.test(text) && /\p{N}/u.test(text))) return word
  return { ...word, terms: [{ parts: only.parts, prefix: true }] }
}

function parseSearch(tokens: readonly SearchToken[], term: FindTermNode): SearchNode {
  const words = tokens.filter((t): t is SearchWord => t.kind === 'word')
  checkWildcards(words, term)
  if (tokens.length === 0) throw invalidQuery('A FIND search term needs at least one word.', term.pos)
  if (words.length === tokens.length) {
    // Strict matching: every word must match. Words of punctuation only say nothing and are left out.
    const meaningful = words.filter((w) => w.terms.length > 0)
    if (meaningful.length === 0) return words[0]!
    if (meaningful.length === 1) return withAutomaticWildcard(meaningful[0]!)
    return meaningful.map((w): SearchNode => w).reduce((left, right) => ({ kind: 'and', left, right }))
  }
  let i = 0
  const unary = (): SearchNode => {
    const t = tokens[i]
    if (t === undefined) throw invalidQuery('A FIND search term ends with an operator.', term.pos)
    i++
    if (t.kind === 'NOT') return { kind: 'not', inner: unary() }
    if (t.kind !== 'word')
      throw invalidQuery(`A FIND search term has ${t.kind} where a word belongs.`, term.pos)
    return t
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

function toFullTextQuery(node: SearchNode): FullTextQuery {
  switch (node.kind) {
    case 'word':
      return { kind: 'phrase', terms: node.terms }
    case 'and':
    case 'or':
      return { kind: node.kind, left: toFullTextQuery(node.left), right: toFullTextQuery(node.right) }
    case 'not':
      return { kind: 'not', inner: toFullTextQuery(node.inner) }
    default:
      return assertNever(node, 'search node')
  }
}

// ---------- SCOPE ----------

interface SearchScope {
  /** Columns of the full-text index to search, in index order. */
  readonly columns: readonly string[]
  /** Picklist fields named in SCOPE: matched on their value labels. */
  readonly picklists: readonly TargetField[]
}

function resolveScope(term: FindTermNode, target: QueryTarget): SearchScope {
  const scope = term.scope ?? 'PROPERTIES'
  const content = target.findContentColumn
  const properties = target.searchColumns.filter((c) => c !== content)
  if (scope === 'CONTENT' || scope === 'ALL') {
    if (scope === 'CONTENT' && content === undefined)
      throw invalidQuery(`SCOPE CONTENT applies to documents; ${target.name} has no content.`, term.pos)
    const columns = scope === 'CONTENT' ? [content!] : target.searchColumns
    return { columns, picklists: [] }
  }
  if (scope === 'PROPERTIES') return { columns: properties, picklists: [] }
  if (target.findTable !== undefined)
    throw invalidQuery(
      `SCOPE of single fields is not supported on ${target.name}; use SCOPE PROPERTIES, CONTENT or ALL.`,
      term.pos,
    )
  if (scope.length > MAX_FIND_SCOPE_FIELDS)
    throw invalidQuery(`SCOPE lists at most ${MAX_FIND_SCOPE_FIELDS} fields.`, term.pos)
  const named = new Set<string>()
  const picklists: TargetField[] = []
  for (const name of scope) {
    const field = target.fieldByName.get(name)
    if (field === undefined)
      throw invalidQuery(`Unknown field "${name}" on ${target.name} in SCOPE.`, term.pos)
    if (field.type === 'Picklist') picklists.push(field)
    else if (target.searchColumns.includes(field.column)) named.add(field.column)
    else if (field.type === 'String' || field.type === 'LongText')
      throw invalidQuery(
        `SCOPE field ${name} is maintained by the vault and is not searchable; FIND searches the text fields users write (SCOPE PROPERTIES).`,
        term.pos,
      )
    else
      throw invalidQuery(`SCOPE field ${name} is a ${field.type} field; FIND searches text fields.`, term.pos)
  }
  return { columns: target.searchColumns.filter((c) => named.has(c)), picklists }
}

// ---------- Picklists ----------

function foldedTokens(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '')
}

function termMatcher(term: FullTextTerm): (token: string) => boolean {
  const parts = term.parts.map((p) => foldedTokens(p).join(''))
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const pattern = new RegExp(`^${escaped.join('.*')}${term.prefix ? '' : '$'}`, 'u')
  return (token) => pattern.test(token)
}

/** The picklist values whose label holds the phrase (labels are what users see and search). */
function picklistValuesMatching(field: TargetField, terms: readonly FullTextTerm[]): string[] {
  const matchers = terms.map(termMatcher)
  if (matchers.length === 0) return []
  return (field.picklist?.values ?? [])
    .filter((value) => {
      const tokens = foldedTokens(value.label)
      for (let start = 0; start + matchers.length <= tokens.length; start++)
        if (matchers.every((m, k) => m(tokens[start + k]!))) return true
      return false
    })
    .map((value) => value.name)
}

/** A SCOPE with picklist fields: each phrase matches in the text fields or in a picklist's labels. */
function compileMixed(
  query: FullTextQuery,
  scope: SearchScope,
  source: FullTextSource,
  alias: string,
  dialect: StorageDialect,
): Sql {
  switch (query.kind) {
    case 'phrase': {
      const tests: Sql[] = scope.picklists.map((f) =>
        holdsAnyName(sql.id(alias, f.column), f.multiValue, picklistValuesMatching(f, query.terms)),
      )
      if (scope.columns.length > 0) tests.unshift(dialect.fullText.matches(source, scope.columns, query))
      return sql`(${sql.join(tests, sql` or `)})`
    }
    case 'and':
    case 'or':
      return sql`(${compileMixed(query.left, scope, source, alias, dialect)} ${sql.raw(query.kind)} ${compileMixed(query.right, scope, source, alias, dialect)})`
    case 'not':
      return sql`not ${compileMixed(query.inner, scope, source, alias, dialect)}`
    default:
      return assertNever(query, 'full-text query')
  }
}

function compileTerm(node: FindTermNode, target: QueryTarget, alias: string, dialect: StorageDialect): Sql {
  const text = node.term.value.trim()
  if (text.length === 0 || text.length > MAX_FIND_TERM_CHARS)
    throw invalidQuery(`A FIND search term has 1 to ${MAX_FIND_TERM_CHARS} characters.`, node.term.pos)
  const query = toFullTextQuery(parseSearch(searchTokens(node.term.raw, node), node))
  const scope = resolveScope(node, target)
  const findTable = target.findTable
  if (findTable !== undefined) {
    // The text lives in a table of its own, one row per target id.
    const searchAlias = `${alias}_find`
    const source: FullTextSource = {
      table: findTable.table,
      alias: searchAlias,
      columns: target.searchColumns,
    }
    return sql`${sql.id(alias, target.idColumn)} in (select ${sql.id(searchAlias, findTable.key)} from ${sql.table(findTable.table)} as ${sql.id(searchAlias)} where ${dialect.fullText.matches(source, scope.columns, query)})`
  }
  const source: FullTextSource = { table: target.table, alias, columns: target.searchColumns }
  if (scope.picklists.length === 0) return dialect.fullText.matches(source, scope.columns, query)
  return compileMixed(query, scope, source, alias, dialect)
}

/** The WHERE condition of a FIND clause over `target` aliased `alias`. */
export function compileFind(
  node: FindNode,
  target: QueryTarget,
  alias: string,
  dialect: StorageDialect,
): Sql {
  const find = (n: FindNode): Sql => compileFind(n, target, alias, dialect)
  switch (node.kind) {
    case 'findTerm':
      return compileTerm(node, target, alias, dialect)
    case 'findAnd':
      return sql`(${find(node.left)} and ${find(node.right)})`
    case 'findOr':
      return sql`(${find(node.left)} or ${find(node.right)})`
    case 'findNot':
      return sql`not ${find(node.inner)}`
    case 'findParen':
      return sql`(${find(node.inner)})`
    default:
      return assertNever(node, 'FIND node')
  }
}

import { createHash } from 'node:crypto'
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import type { VaultDb } from './vault-db.js'

/**
 * Full-text search glossary.
 * - token: a run of letters and digits. Both databases cut text into tokens at spaces and
 *   punctuation, fold case and drop diacritics (`Crème` is the token `creme`).
 * - term: one token of a query, matched whole (`pump`), as a prefix (`bio*`) or as a pattern with
 *   inner wildcards (`o*ology`).
 * - phrase: terms that must follow each other, in this order, in one field. A single word is a
 *   phrase of one term (`foo-bar` is the phrase `foo bar`).
 * - search columns: the text columns a table's full-text index covers, in index order.
 */

/** A query term cut at its wildcards: `o*olog*` is `{ parts: ['o', 'olog'], prefix: true }`. */
export interface FullTextTerm {
  /** Letters and digits only; the first part is never empty (no leading wildcard). */
  readonly parts: readonly string[]
  /** Ends with a wildcard: any token that starts with the parts matches. */
  readonly prefix: boolean
}

/** A database-neutral full-text query. A phrase without terms matches nothing. */
export type FullTextQuery =
  | { readonly kind: 'phrase'; readonly terms: readonly FullTextTerm[] }
  | { readonly kind: 'and' | 'or'; readonly left: FullTextQuery; readonly right: FullTextQuery }
  | { readonly kind: 'not'; readonly inner: FullTextQuery }

/** The row a search condition applies to: `alias` names a row of `table`, whose index covers `columns`. */
export interface FullTextSource {
  readonly table: string
  readonly alias: string
  readonly columns: readonly string[]
}

/** How one database indexes and searches text (a `StorageDialect` hook). */
export interface FullTextSearch {
  /**
   * Makes the full-text index of `table` cover `columns`: creates it when missing, rebuilds it when
   * the columns (or Liaison's index definition) changed, drops it when `columns` is empty. Runs under
   * the schema lock.
   */
  syncIndex(db: Kysely<VaultDb>, table: string, columns: readonly string[]): Promise<void>
  /** True when the row matches `query` in at least one of `scope` (a subset of the source's columns). */
  matches(source: FullTextSource, scope: readonly string[], query: FullTextQuery): RawBuilder<SqlBool>
}

type Condition = RawBuilder<SqlBool>

const FALSE: Condition = sql<SqlBool>`1 = 0`

/** Bumped when the index definition changes, so existing indexes are rebuilt at the next start. */
const INDEX_DEFINITION_VERSION = 1

function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10)
}

/** Escapes a literal for a LIKE pattern that uses `\` as its escape character. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function hasPattern(terms: readonly FullTextTerm[]): boolean {
  return terms.some((t) => t.parts.length > 1)
}

/** No NOT anywhere: a row that matches in some columns also matches in all of them. */
function isPositive(query: FullTextQuery): boolean {
  if (query.kind === 'phrase') return true
  if (query.kind === 'not') return false
  return isPositive(query.left) && isPositive(query.right)
}

/** What a database says natively; `compose` does the rest in SQL. */
interface NativeSearch {
  /** The query in the database's own search syntax, or undefined when it cannot say it. */
  render(query: FullTextQuery): string | undefined
  /** The row matches `text` (from `render(query)`). */
  match(text: string, query: FullTextQuery): Condition
  /** The row has a token that matches a term with inner wildcards. */
  pattern(term: FullTextTerm): Condition
}

/**
 * Turns a query into SQL, handing the database's search syntax as large a part as it can say
 * (ideally all of it, one index lookup) and joining the other parts with SQL AND / OR / NOT.
 */
function compose(query: FullTextQuery, native: NativeSearch): Condition {
  const text = native.render(query)
  if (text !== undefined) return native.match(text, query)
  switch (query.kind) {
    case 'phrase': {
      if (query.terms.length === 0) return FALSE
      // A term with inner wildcards: the index finds rows with a token that starts like it, then a
      // check of the row's tokens keeps those where a whole token matches the pattern.
      const narrowed = query.terms.map(startOfPattern)
      const phrase: FullTextQuery = { kind: 'phrase', terms: narrowed }
      const phraseText = native.render(phrase)
      const conditions: Condition[] =
        phraseText !== undefined
          ? [native.match(phraseText, phrase)]
          : // The syntax cannot say this phrase (a wildcard before its last word): every word must
            // still appear, in any order. A phrase of one term without inner wildcards always renders.
            narrowed.map((t) => {
              const one: FullTextQuery = { kind: 'phrase', terms: [t] }
              return native.match(native.render(one)!, one)
            })
      for (const t of query.terms) if (t.parts.length > 1) conditions.push(native.pattern(t))
      return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`
    }
    case 'and':
      return sql<SqlBool>`(${compose(query.left, native)} and ${compose(query.right, native)})`
    case 'or':
      return sql<SqlBool>`(${compose(query.left, native)} or ${compose(query.right, native)})`
    case 'not':
      return sql<SqlBool>`not (${compose(query.inner, native)})`
  }
}

/** `o*ology` as the prefix `o*`; other terms as they are. */
function startOfPattern(term: FullTextTerm): FullTextTerm {
  return term.parts.length > 1 ? { parts: [term.parts[0]!], prefix: true } : term
}

// ---------- SQLite: FTS5 ----------

/**
 * One FTS5 table per indexed table, `<table>__fts`, with external content: it stores only the index
 * and reads the text from the table itself, matched on the implicit rowid (object tables have a text
 * primary key, so rowid is not an alias of `id`; nothing runs VACUUM, which could renumber it).
 * Triggers keep it in step. `<table>__fts_terms` (fts5vocab, no storage of its own) lists its
 * tokens for terms with inner wildcards.
 */
function sqliteNames(table: string): { fts: string; terms: string; triggerPrefix: string } {
  return { fts: `${table}__fts`, terms: `${table}__fts_terms`, triggerPrefix: `${table}__fts_` }
}

function sqliteDefinition(table: string, columns: readonly string[]): { name: string; sql: string }[] {
  const { fts, terms, triggerPrefix } = sqliteNames(table)
  const cols = columns.map(quoteId).join(', ')
  const values = (row: 'new' | 'old') => columns.map((c) => `${row}.${quoteId(c)}`).join(', ')
  const changed = columns.map((c) => `old.${quoteId(c)} is not new.${quoteId(c)}`).join(' or ')
  const t = quoteId(table)
  const f = quoteId(fts)
  const remove = `insert into ${f}(${f}, rowid, ${cols}) values ('delete', old.rowid, ${values('old')});`
  const add = `insert into ${f}(rowid, ${cols}) values (new.rowid, ${values('new')});`
  const triggers = {
    ai: `after insert on ${t} begin ${add} end`,
    ad: `after delete on ${t} begin ${remove} end`,
    // Only a change to an indexed column touches the index (state changes, dates and references
    // are most updates).
    au: `after update of ${cols} on ${t} when ${changed} begin ${remove} ${add} end`,
  }
  const tables = [
    {
      name: fts,
      // No prefix= indexes: they made inserts about 60% slower for little gain (a 2-character
      // prefix search over 200,000 rows took 1.7 ms without, 1.4 ms with).
      sql: `create virtual table ${f} using fts5(${cols}, content=${quoteId(table)}, content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')`,
    },
    { name: terms, sql: `create virtual table ${quoteId(terms)} using fts5vocab(${f}, 'instance')` },
  ]
  // The trigger names carry a hash of the whole definition: a trigger missing under its expected
  // name means the index was built for other columns (or by an older Liaison) and is rebuilt.
  const hash = shortHash(
    `${INDEX_DEFINITION_VERSION}\n${tables.map((x) => x.sql).join('\n')}\n${Object.values(triggers).join('\n')}`,
  )
  return [
    ...tables,
    ...Object.entries(triggers).map(([kind, body]) => {
      const name = `${triggerPrefix}${kind}_${hash}`
      return { name, sql: `create trigger ${quoteId(name)} ${body}` }
    }),
  ]
}

/** FTS5 string: double quotes doubled, so any text is one literal token sequence, never syntax. */
function fts5String(text: string): string {
  return `"${text.replace(/"/g, '""')}"`
}

function sqliteNative(source: FullTextSource, scope: readonly string[]): NativeSearch {
  const { fts, terms } = sqliteNames(source.table)
  const narrowed = scope.length < source.columns.length
  const render = (query: FullTextQuery): string | undefined => {
    switch (query.kind) {
      case 'phrase': {
        const n = query.terms.length
        // FTS5 takes a prefix on the last word of a phrase only.
        if (n === 0 || hasPattern(query.terms) || query.terms.some((t, i) => t.prefix && i < n - 1))
          return undefined
        const last = query.terms[n - 1]!
        return `${query.terms.map((t) => fts5String(t.parts[0]!)).join(' + ')}${last.prefix ? ' *' : ''}`
      }
      case 'and': {
        // FTS5's NOT is binary: `a AND NOT b` is `a NOT b` (and `NOT a AND b` is `b NOT a`).
        const [kept, dropped] =
          query.left.kind === 'not' && query.right.kind !== 'not'
            ? [query.right, query.left]
            : [query.left, query.right]
        const left = render(kept)
        const right = dropped.kind === 'not' ? render(dropped.inner) : render(dropped)
        if (left === undefined || right === undefined) return undefined
        return `(${left}) ${dropped.kind === 'not' ? 'NOT' : 'AND'} (${right})`
      }
      case 'or': {
        const left = render(query.left)
        const right = render(query.right)
        return left === undefined || right === undefined ? undefined : `(${left}) OR (${right})`
      }
      case 'not':
        return undefined
    }
  }
  const rowid = sql.id(source.alias, 'rowid')
  return {
    render,
    match: (text) => {
      // A column filter keeps the match to the SCOPE fields.
      const query = narrowed ? `{${scope.map(fts5String).join(' ')}} : (${text})` : text
      return sql<SqlBool>`${rowid} in (select rowid from ${sql.id(fts)} where ${sql.id(fts)} match ${query})`
    },
    pattern: (term) => {
      const parts = term.parts.map(foldSqliteToken)
      const first = parts[0]!
      const glob = `${parts.join('*')}${term.prefix ? '*' : ''}`
      const columns = narrowed ? sql` and col in (${sql.join(scope.map((c) => sql`${c}`))})` : sql``
      // The term range lets fts5vocab read only the tokens that start with the first part.
      return sql<SqlBool>`${rowid} in (select doc from ${sql.id(terms)} where term >= ${first} and term <= ${`${first}\u{10FFFF}`} and term glob ${glob}${columns})`
    },
  }
}

/** Case and diacritics folded as FTS5's unicode61 tokenizer (remove_diacritics 2) stores tokens. */
function foldSqliteToken(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

export const sqliteFullTextSearch: FullTextSearch = Object.freeze({
  async syncIndex(db: Kysely<VaultDb>, table: string, columns: readonly string[]): Promise<void> {
    const { fts, terms, triggerPrefix } = sqliteNames(table)
    const wanted = columns.length === 0 ? [] : sqliteDefinition(table, columns)
    const existing = await sql<{ type: string; name: string }>`select type, name from sqlite_master
      where (type = 'trigger' and tbl_name = ${table} and substr(name, 1, ${triggerPrefix.length}) = ${triggerPrefix})
      or (type = 'table' and name in (${fts}, ${terms}))`.execute(db)
    const names = new Set(existing.rows.map((r) => r.name))
    if (wanted.length === names.size && wanted.every((w) => names.has(w.name))) return
    for (const row of existing.rows)
      if (row.type === 'trigger') await sql`drop trigger ${sql.id(row.name)}`.execute(db)
    if (names.has(terms)) await sql`drop table ${sql.id(terms)}`.execute(db)
    if (names.has(fts)) await sql`drop table ${sql.id(fts)}`.execute(db)
    if (wanted.length === 0) return
    for (const statement of wanted) await sql.raw(statement.sql).execute(db)
    // Indexes the rows already in the table (all of them when the index is new or rebuilt).
    await sql`insert into ${sql.id(fts)} (${sql.id(fts)}) values ('rebuild')`.execute(db)
  },
  matches(source: FullTextSource, scope: readonly string[], query: FullTextQuery): Condition {
    if (scope.length === 0) return FALSE
    return compose(query, sqliteNative(source, scope))
  },
})

// ---------- PostgreSQL: tsvector and a GIN index ----------

/**
 * Text is folded before PostgreSQL tokenizes it, so tokens are what FTS5's unicode61 tokenizer makes:
 * diacritics go (NFD, then the combining marks U+0300–U+036F are removed: `é` → `e`, without the
 * unaccent extension), and ASCII punctuation becomes a space (PostgreSQL's parser would otherwise
 * keep `a@b.com`, `20.5` or `foo-bar` as one token). Regular expressions, not translate(): with a
 * UTF-8 database translate() costs ten times more per row. The index expression and the query's
 * must be the same text for the index to be used. One difference from FTS5 remains: the fields are
 * one text here, so a phrase may run from the end of one field into the next.
 */
const PG_MARKS = '[\\u0300-\\u036f]'
const PG_PUNCTUATION = '[!-/:-@\\[-`{-~]'

function pgLiteral(text: string): RawBuilder<unknown> {
  // Only Liaison's own constants pass here; standard_conforming_strings keeps backslashes literal.
  return sql.raw(`'${text.replace(/'/g, "''")}'`)
}

/** The query side of the same folding (lower case is left to to_tsquery, as to_tsvector does it). */
function foldPgToken(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
}

/** The document vector of `columns`; with `alias` for a query, without for the index definition. */
function pgVector(columns: readonly string[], alias?: string): RawBuilder<unknown> {
  const text = sql.join(
    columns.map((c) => sql`coalesce(${alias === undefined ? sql.id(c) : sql.id(alias, c)}, '')`),
    sql` || ' ' || `,
  )
  const unmarked = sql`regexp_replace(normalize(${text}, NFD), ${pgLiteral(PG_MARKS)}, '', 'g')`
  return sql`to_tsvector('simple', regexp_replace(${unmarked}, ${pgLiteral(PG_PUNCTUATION)}, ' ', 'g'))`
}

function pgIndexName(table: string, columns: readonly string[]): string {
  const hash = shortHash(
    `${INDEX_DEFINITION_VERSION}\n${table}\n${columns.join('\n')}\n${PG_MARKS}\n${PG_PUNCTUATION}`,
  )
  return `fts_${table.slice(0, 48)}_${hash}`
}

/** A tsquery lexeme: quoted, quotes doubled and backslashes escaped, so it is never syntax. */
function tsLexeme(text: string): string {
  return `'${foldPgToken(text).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

function postgresNative(source: FullTextSource, scope: readonly string[]): NativeSearch {
  const narrowed = scope.length < source.columns.length
  const scoped = pgVector(scope, source.alias)
  const all = pgVector(source.columns, source.alias)
  const render = (query: FullTextQuery): string | undefined => {
    switch (query.kind) {
      case 'phrase':
        if (query.terms.length === 0 || hasPattern(query.terms)) return undefined
        return query.terms.map((t) => `${tsLexeme(t.parts[0]!)}${t.prefix ? ':*' : ''}`).join(' <-> ')
      case 'and':
      case 'or': {
        const left = render(query.left)
        const right = render(query.right)
        if (left === undefined || right === undefined) return undefined
        return `(${left}) ${query.kind === 'and' ? '&' : '|'} (${right})`
      }
      case 'not': {
        const inner = render(query.inner)
        return inner === undefined ? undefined : `!(${inner})`
      }
    }
  }
  return {
    render,
    match: (text, query) => {
      const tsquery = sql`to_tsquery('simple', ${text})`
      if (!narrowed) return sql<SqlBool>`${all} @@ ${tsquery}`
      // SCOPE of some fields: the index covers all of them. For a query without NOT a match in the
      // fields is also a match in all fields, so the index narrows the rows first.
      return isPositive(query)
        ? sql<SqlBool>`(${all} @@ ${tsquery} and ${scoped} @@ ${tsquery})`
        : sql<SqlBool>`${scoped} @@ ${tsquery}`
    },
    pattern: (term) => {
      const like = `${term.parts.map((p) => escapeLike(foldPgToken(p))).join('%')}${term.prefix ? '%' : ''}`
      return sql<SqlBool>`exists (select 1 from unnest(${scoped}) as u where u.lexeme like lower(${like}) escape '\\')`
    },
  }
}

export const postgresFullTextSearch: FullTextSearch = Object.freeze({
  async syncIndex(db: Kysely<VaultDb>, table: string, columns: readonly string[]): Promise<void> {
    const wanted = columns.length === 0 ? undefined : pgIndexName(table, columns)
    const prefix = `fts_${table.slice(0, 48)}_`
    const existing = await sql<{ indexname: string }>`select indexname from pg_indexes
      where schemaname = current_schema() and tablename = ${table}
      and substr(indexname, 1, ${prefix.length}) = ${prefix}`.execute(db)
    const names = existing.rows.map((r) => r.indexname)
    if (wanted !== undefined && names.length === 1 && names[0] === wanted) return
    for (const name of names) if (name !== wanted) await sql`drop index ${sql.id(name)}`.execute(db)
    if (wanted === undefined || names.includes(wanted)) return
    await sql`create index ${sql.id(wanted)} on ${sql.table(table)} using gin (${pgVector(columns)})`.execute(
      db,
    )
  },
  matches(source: FullTextSource, scope: readonly string[], query: FullTextQuery): Condition {
    if (scope.length === 0) return FALSE
    return compose(query, postgresNative(source, scope))
  },
})

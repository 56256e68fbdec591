/** Vault's documented VQL limits and defaults (reference/vault-api-conventions.md §4). */

/** Rows per page when neither PAGESIZE nor the pagesize parameter says otherwise. */
export const DEFAULT_PAGE_SIZE_ROWS = 1000
/** Largest page a caller may ask for. */
export const MAX_PAGE_SIZE_ROWS = 1000
/** Rows per parent in an inbound-relationship subquery (every Vault example shows 250). */
export const SUBQUERY_PAGE_SIZE_ROWS = 250
/** A query string may not be longer. */
export const MAX_QUERY_LENGTH_CHARS = 50_000
/** Distinct relationships (lookups plus subqueries) in one query. */
export const MAX_RELATIONSHIPS = 10
/** next_page / previous_page links stay valid this long after their last use. */
export const CURSOR_TTL_MS = 72 * 60 * 60 * 1000
/** Long Text values are cut to this many characters unless selected through LONGTEXT(). */
export const LONG_TEXT_PREVIEW_CHARS = 250
/** FIND search terms are at most this long. */
export const MAX_FIND_TERM_CHARS = 250
/** A FIND search word may have at most this many wildcards (v24.2+). */
export const MAX_FIND_WILDCARDS_PER_WORD = 2
/** A FIND search term may have at most this many words with wildcards (v24.2+). */
export const MAX_FIND_WILDCARD_WORDS = 10
/** SCOPE lists at most this many fields. */
export const MAX_FIND_SCOPE_FIELDS = 25
/** Aliases are at most this long. */
export const MAX_ALIAS_CHARS = 40
/** A PAGEOFFSET clause may not page past this many records (v23.1+); next_page links may. */
export const MAX_MANUAL_PAGE_OFFSET_ROWS = 10_000

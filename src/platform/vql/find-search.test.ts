import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isLiaisonError, type LiaisonError } from '../errors/index.js'
import { MetadataRegistry } from '../metadata/index.js'
import type { SelectStatementNode } from './ast.js'
import { compileSelect } from './compiler.js'
import { pageQuery, runVql } from './executor.js'
import { parseVql } from './parser.js'
import { TargetRegistry } from './query-targets.js'
import { openVqlTestVault, REQUESTS, VQL_TEST_PROFILE, type VqlTestVault } from './vql-fixture.js'

let vault: VqlTestVault

const C = (n: number): string => `CAS${String(n).padStart(12, '0')}`
const R = (n: number): string => `CRQ${String(n).padStart(12, '0')}`

function row(id: string, name: string, values: Record<string, string | null>): Record<string, string | null> {
  return {
    id,
    name__v: name,
    status__v: 'active__v',
    created_date__v: '2026-01-01T00:00:00.000Z',
    created_by__v: 'user-1',
    modified_date__v: '2026-03-01T00:00:00.000Z',
    modified_by__v: 'user-1',
    global_id__sys: `vault_${id}`,
    link__sys: `vault_${id}`,
    ...values,
  }
}

/** Cases beyond the shared fixture: punctuation, diacritics, ids and words that share stems. */
const MORE_CASES = [
  row(C(6), 'Delta', {
    subject__v: 'Oncology follow-up',
    notes__v: 'Crème brûlée for the 10mg dose',
    state__v: 'open_state__v',
  }),
  row(C(7), 'Epsilon', {
    subject__v: 'Ophthalmology review',
    notes__v: 'contact: jane.doe@example.com, 20.5 units',
    state__v: 'open_state__v',
  }),
  row(C(8), 'Zeta', { subject__v: 'Oncological board', state__v: 'open_state__v' }),
]

/** Requests whose one text field the property test searches; words chosen to share tokens. */
const MORE_REQUESTS = [
  'Pump (insulin) question: NEAR the clinic',
  'insulin-pump AND "dose" ^2',
  'NOT a question; pump OR insulin',
  'Ünïcödé naïve café',
  'a*b {x} + y - z',
].map((description, i) => row(R(i + 5), `R${i + 5}`, { description__v: description }))

beforeAll(async () => {
  vault = await openVqlTestVault()
  await vault.storage.db
    .insertInto('case__v')
    .values([...MORE_CASES])
    .execute()
  await vault.storage.db
    .insertInto('case_request__v')
    .values([...MORE_REQUESTS])
    .execute()
})

afterAll(async () => {
  await vault?.close()
})

async function ids(q: string): Promise<string[]> {
  const answer = await runVql(vault.context(), { q, apiVersion: 'v25.2' })
  return answer.data.map((r) => String(r.id))
}

async function failure(q: string): Promise<LiaisonError> {
  try {
    await ids(q)
  } catch (error) {
    if (isLiaisonError(error)) return error
    throw error
  }
  throw new Error(`expected ${q} to fail`)
}

describe('FIND matches words, as Vault search does', () => {
  it.each([
    // A single word gets Vault's automatic trailing wildcard; a quoted word does not.
    ["FIND ('insul')", [1, 4]],
    ['FIND (\'"insul"\')', []],
    // Words, not substrings.
    ["FIND ('sulin')", []],
    ["FIND ('onco')", [6, 8]],
    // Inner wildcards stay inside one word.
    ["FIND ('o*ology')", [6, 7]],
    ["FIND ('o*olog*')", [6, 7, 8]],
    ["FIND ('onc*logy')", [6]],
    ["FIND ('insulin*question')", []],
    // Case and diacritics do not count.
    ["FIND ('creme')", [6]],
    ["FIND ('BRÛLÉE')", [6]],
    ["FIND ('brulee creme')", [6]],
    // Punctuation separates words; a word with punctuation is its parts in a row.
    ["FIND ('follow-up')", [6]],
    ["FIND ('up-follow')", []],
    ["FIND ('example')", [7]],
    ["FIND ('jane.doe@example.com')", [7]],
    ["FIND ('20.5')", [7]],
    // Letters and digits together look like an id: no automatic wildcard.
    ["FIND ('10mg')", [6]],
    ["FIND ('10m')", []],
    // Strict matching without operators, implicit OR with them.
    ["FIND ('oncology review')", []],
    ["FIND ('oncology review OR board')", [6, 7, 8]],
    ["FIND ('onco* NOT board')", [6]],
    ["FIND ('NOT board AND onco*')", [6]],
    ["FIND ('NOT board AND NOT onco* AND NOT insulin')", [2, 3, 5, 7]],
    ["FIND ('NOT insulin')", [2, 3, 5, 6, 7, 8]],
    // Text that is search syntax elsewhere is only text here.
    ["FIND ('NEAR')", []],
    ["FIND ('subject__v:insulin')", []],
    ["FIND ('(insulin)')", [1, 4]],
    ["FIND ('insulin^2')", []],
    ["FIND ('-pump')", [1]],
    ['FIND (\'"pump" AND "question"\')', [1]],
    // Punctuation alone says nothing.
    ["FIND ('--')", []],
    ["FIND ('insulin --')", [1, 4]],
    ["FIND ('insulin OR --')", [1, 4]],
  ] as const)('%s', async (find, expected) => {
    expect(await ids(`SELECT id FROM case__v ${find}`)).toEqual(expected.map(C))
  })

  it.each([
    ["FIND ('insulin' SCOPE subject__v)", [1, 4]],
    ["FIND ('alpha' SCOPE {name__v, subject__v})", [1, 5]],
    ["FIND ('creme' SCOPE subject__v)", []],
    ["FIND ('NOT insulin' SCOPE subject__v)", [2, 3, 5, 6, 7, 8]],
    ["FIND ('o*ology' SCOPE notes__v)", []],
    ["FIND ('onco* NOT board' SCOPE subject__v, notes__v)", [6]],
    // Picklists match on their value labels.
    ["FIND ('high' SCOPE priority__v)", [1, 4]],
    ["FIND ('united' SCOPE countries__v)", [1, 2, 5]],
    ["FIND ('kingdom OR canada' SCOPE countries__v)", [1, 2, 4]],
    ["FIND ('insulin OR low' SCOPE subject__v, priority__v)", [1, 2, 4, 5]],
    ["FIND ('insulin AND high' SCOPE subject__v, priority__v)", [1, 4]],
  ] as const)('%s', async (find, expected) => {
    expect(await ids(`SELECT id FROM case__v ${find}`)).toEqual(expected.map(C))
  })

  it.each([
    ["FIND ('p*o*olog*')", 'at most 2 wildcards'],
    [`FIND ('${Array.from({ length: 11 }, (_, i) => `w${i}*`).join(' ')}')`, 'at most 10 words'],
    ["FIND ('*ology')", 'may not start with the wildcard'],
    ["FIND ('x' SCOPE state__v)", 'not searchable'],
    ["FIND ('x' SCOPE amount__v)", 'Number'],
  ] as const)('%s is refused', async (find, mentions) => {
    const error = await failure(`SELECT id FROM case__v ${find}`)
    expect(error.code).toBe('QUERY_INVALID')
    expect(error.message).toContain(mentions)
  })
})

/** The plan the database chooses for the first page of `q`. */
async function plan(q: string): Promise<string> {
  const select = compileSelect(parseVql(q) as SelectStatementNode, {
    registry: new TargetRegistry(vault.registry.current, []),
    dialect: vault.storage.dialect,
    nowMs: Date.parse('2026-03-18T12:00:00.000Z'),
    canRead: () => true,
  })
  const query = pageQuery(select, 1000, 0)
  if (vault.storage.dialect.kind === 'sqlite') {
    const result = await sql<{ detail: string }>`explain query plan ${query}`.execute(vault.storage.db)
    return result.rows.map((r) => r.detail).join('\n')
  }
  return vault.storage.db.transaction().execute(async (trx) => {
    // With so few rows a table scan is cheapest; forbid it to see whether the index can serve.
    await sql`set local enable_seqscan = off`.execute(trx)
    const result = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(trx)
    return result.rows.map((r) => r['QUERY PLAN']).join('\n')
  })
}

/** The full-text index of case__v as each database names it in a plan. */
function caseIndex(): string {
  return vault.storage.dialect.kind === 'sqlite' ? 'case__v__fts' : 'fts_case__v_'
}

describe('FIND runs on the full-text index', () => {
  it.each([
    "SELECT id FROM case__v FIND ('insulin')",
    "SELECT id FROM case__v FIND ('insulin pump' SCOPE ALL)",
    'SELECT id, name__v FROM case__v FIND (\'"pump question" OR cholesterol\' SCOPE PROPERTIES)',
    "SELECT id FROM case__v FIND ('insulin' SCOPE subject__v)",
    "SELECT id FROM case__v FIND ('o*ology')",
    "SELECT id FROM case__v FIND ('insulin' AND 'pump') WHERE amount__v > 1",
  ])('%s', async (q) => {
    expect(await plan(q)).toContain(caseIndex())
  })
})

/** Folds and cuts text as the tokenizers do (the fixture's text is Latin). */
function tokens(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '')
}

function containsPhrase(haystack: readonly string[], needle: readonly string[]): boolean {
  if (needle.length === 0) return false
  for (let i = 0; i + needle.length <= haystack.length; i++)
    if (needle.every((t, k) => haystack[i + k] === t)) return true
  return false
}

/** A string as a VQL literal: backslashes and quotes escaped, nothing else changed. */
function vqlLiteral(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

const FRAGMENTS = [
  'insulin',
  'pump',
  'question',
  'clinic',
  'dose',
  'cafe',
  'naïve',
  'NEAR',
  'AND',
  'OR',
  'NOT',
  '"',
  "'",
  '\\',
  '*',
  ':',
  '(',
  ')',
  '{',
  '}',
  '^',
  '-',
  '+',
  '&',
  '|',
  '!',
  '<->',
  ':*',
  ' ',
  '  ',
  'a',
  'b',
  'x',
]

/** Text whose tokens every tokenizer agrees on: ASCII, search syntax, and common letters of other scripts. */
const phraseText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 12, unit: fc.constantFrom(...'aeiouxyzàéîõüçñÅÉØæœßΩωДж中文 -*"\'(:') }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 8 }).map((parts) => parts.join('')),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 8 }).map((parts) => parts.join(' ')),
)

/**
 * Any text at all. Letters outside the tokenizers' Unicode tables (SQLite's unicode61 knows Unicode
 * 6.1) may cut words where JavaScript would not, so only `phraseText` has an exact expected answer.
 */
const searchText = fc.oneof(
  phraseText,
  fc.string({ maxLength: 20, unit: 'grapheme' }),
  fc.string({ maxLength: 20, unit: 'binary' }),
)

describe('any text as a FIND term', () => {
  it('answers or fails with a VQL error, never anything else', async () => {
    await fc.assert(
      fc.asyncProperty(searchText, async (text) => {
        try {
          await ids(`SELECT id FROM case_request__v FIND (${vqlLiteral(text)} SCOPE description__v)`)
        } catch (error) {
          if (!isLiaisonError(error) || (error.code !== 'QUERY_INVALID' && error.code !== 'QUERY_SYNTAX'))
            throw error
        }
      }),
      { numRuns: 150 },
    )
  })

  it('as a quoted phrase matches exactly the records holding its words in a row', async () => {
    const descriptions = [...REQUESTS, ...MORE_REQUESTS].map((r) => ({
      id: String(r.id),
      tokens: tokens(String(r.description__v ?? '')),
    }))
    await fc.assert(
      fc.asyncProperty(
        // A quote would end the phrase; the lexer refuses NUL (the property above).
        phraseText.filter((t) => !t.includes('"') && !t.includes('\u0000') && t.trim() !== ''),
        async (text) => {
          const expected = descriptions.filter((d) => containsPhrase(d.tokens, tokens(text))).map((d) => d.id)
          const found = await ids(
            `SELECT id FROM case_request__v FIND (${vqlLiteral(`"${text}"`)} SCOPE description__v)`,
          )
          expect(found).toEqual(expected.sort())
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('the index follows writes', () => {
  it('finds a record after insert and update, and no longer after delete', async () => {
    const id = C(9)
    await vault.storage.db
      .insertInto('case__v')
      .values(row(id, 'Eta', { subject__v: 'Zebrafish study', state__v: 'new_state__v' }))
      .execute()
    expect(await ids("SELECT id FROM case__v FIND ('zebrafish')")).toEqual([id])
    await vault.storage.db
      .updateTable('case__v')
      .set({ subject__v: 'Platypus study' })
      .where('id', '=', id)
      .execute()
    expect(await ids("SELECT id FROM case__v FIND ('zebrafish')")).toEqual([])
    expect(await ids("SELECT id FROM case__v FIND ('platypus')")).toEqual([id])
    // A change to other columns leaves the index as it is.
    await vault.storage.db
      .updateTable('case__v')
      .set({ amount__v: 42, state__v: 'open_state__v' })
      .where('id', '=', id)
      .execute()
    expect(await ids("SELECT id FROM case__v FIND ('platypus')")).toEqual([id])
    await vault.storage.db.updateTable('case__v').set({ notes__v: 'Wombat' }).where('id', '=', id).execute()
    expect(await ids("SELECT id FROM case__v FIND ('wombat AND platypus')")).toEqual([id])
    await vault.storage.db.deleteFrom('case__v').where('id', '=', id).execute()
    expect(await ids("SELECT id FROM case__v FIND ('platypus OR wombat')")).toEqual([])
    // Other records keep their entries.
    expect(await ids("SELECT id FROM case__v FIND ('insulin')")).toEqual([C(1), C(4)])
  })

  it('searches a custom text field added later, also after the vault opens again', async () => {
    await vault.registry.addCustomField('case__v', { name: 'summary__c', label: 'Summary', type: 'LongText' })
    await vault.storage.db
      .updateTable('case__v')
      .set({ summary__c: 'Kangaroo care' })
      .where('id', '=', C(2))
      .execute()
    expect(await ids("SELECT id FROM case__v FIND ('kangaroo')")).toEqual([C(2)])
    expect(await ids("SELECT id FROM case__v FIND ('kangaroo' SCOPE summary__c)")).toEqual([C(2)])
    expect(await ids("SELECT id FROM case__v FIND ('insulin')")).toEqual([C(1), C(4)])
    expect(await plan("SELECT id FROM case__v FIND ('kangaroo')")).toContain(caseIndex())
    // A restart compiles the profile first; the index must keep covering the custom field.
    await MetadataRegistry.open(vault.storage, VQL_TEST_PROFILE)
    expect(await ids("SELECT id FROM case__v FIND ('kangaroo')")).toEqual([C(2)])
    expect(await plan("SELECT id FROM case__v FIND ('kangaroo care')")).toContain(caseIndex())
  })
})

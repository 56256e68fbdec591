import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestVault, type TestVault } from '../../../../test/support/test-vault.js'
import { crmProfile } from '../../../apps/crm/index.js'
import { SYSTEM_ACTOR } from '../../../platform/vault/index.js'
import { CLM_METRICS_TASK } from '../../job-tasks/index.js'
import { type ClmSums, SUM_KEYS, ZERO_SUMS } from './clm-metric-sums.js'
import {
  ACTIVITY_LINES,
  CALL_KEY_MESSAGES,
  foldFeed,
  readSums,
  recalculateSums,
} from './fold-clm-activity.js'
import { queueClmActivity } from './queue-clm-activity.js'

// B21: the incremental sums equal a from-scratch SQL GROUP BY over the same rows, after any
// interleaving of inserts, edits, deletions, folds and recalculations (on the suite's database).

let t: TestVault
const calls: string[] = []
const keyMessages: string[] = []
const presentations: string[] = []
let account: string

async function create(object: string, rows: Record<string, unknown>[]): Promise<string[]> {
  const results = await t.vault.records.create(SYSTEM_ACTOR, object, rows)
  for (const r of results) expect(r.responseStatus, JSON.stringify(r)).toBe('SUCCESS')
  return results.map((r) => r.id!)
}

beforeAll(async () => {
  t = await openTestVault(crmProfile, { name: 'clm-fold' })
  t.vault.registerJobTask(CLM_METRICS_TASK)
  const hook = queueClmActivity({
    vaultId: t.vault.id,
    environment: t.vault.environment,
    storage: t.vault.storage,
    records: t.vault.records,
    documents: t.vault.documents,
    clock: t.vault.clock,
    messaging: t.vault.messaging,
    jobs: t.vault.jobs,
  })
  t.vault.records.addChangeHook(CALL_KEY_MESSAGES, hook)
  t.vault.records.addChangeHook(ACTIVITY_LINES, hook)
  ;[account] = await create('account__v', [
    { name__v: 'Ada Lovelace', first_name__v: 'Ada', last_name__v: 'Lovelace' },
  ])
  calls.push(
    ...(await create(
      'call2__v',
      Array.from({ length: 5 }, () => ({ account__v: account })),
    )),
  )
  keyMessages.push(
    ...(await create(
      'key_message__v',
      ['Intro', 'Efficacy', 'Safety'].map((name) => ({ name__v: name, link__v: `1_${name}` })),
    )),
  )
  presentations.push(
    ...(await create(
      'clm_presentation__v',
      ['Deck A', 'Deck B'].map((name) => ({ name__v: name, link__v: `1_${name}` })),
    )),
  )
}, 60_000)

afterAll(async () => {
  await t?.close()
})

const COUNTRIES = ['us__v', 'ca__v', null] as const

const callKeyMessage = fc.record({
  call: fc.nat(4),
  keyMessage: fc.option(fc.nat(2), { nil: null }),
  presentation: fc.option(fc.nat(1), { nil: null }),
  country: fc.constantFrom(...COUNTRIES),
  duration: fc.option(fc.nat(600), { nil: null }),
  order: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
  reaction: fc.constantFrom('positive__v', 'neutral__v', 'negative__v', null),
  custom: fc.constantFrom(true, false, null),
})

const activityLine = fc.record({
  event: fc.constantFrom('preview__v', 'link_sent__v', 'link_opened__v', 'link_clicked__v'),
  keyMessage: fc.option(fc.nat(2), { nil: null }),
  presentation: fc.option(fc.nat(1), { nil: null }),
  country: fc.constantFrom(...COUNTRIES),
})

const step = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('calls' as const),
      rows: fc.array(callKeyMessage, { maxLength: 12 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('lines' as const),
      rows: fc.array(activityLine, { maxLength: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('fold' as const), limit: fc.integer({ min: 1, max: 20 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'recalculate' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('edit' as const), pick: fc.nat(), duration: fc.nat(900) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
)

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never

async function run(s: Step): Promise<void> {
  const db = t.vault.storage.db
  const dialect = t.vault.storage.dialect
  switch (s.kind) {
    case 'calls':
      if (s.rows.length > 0)
        await create(
          CALL_KEY_MESSAGES,
          s.rows.map((r) => ({
            call2__v: calls[r.call],
            account__v: account,
            key_message__v: r.keyMessage === null ? null : keyMessages[r.keyMessage],
            clm_presentation__v: r.presentation === null ? null : presentations[r.presentation],
            country__v: r.country,
            duration__v: r.duration,
            display_order__v: r.order,
            reaction__v: r.reaction,
            custom_presentation__v: r.custom,
          })),
        )
      return
    case 'lines':
      if (s.rows.length > 0)
        await create(
          ACTIVITY_LINES,
          s.rows.map((r) => ({
            event_type__v: r.event,
            key_message__v: r.keyMessage === null ? null : keyMessages[r.keyMessage],
            clm_presentation__v: r.presentation === null ? null : presentations[r.presentation],
            country__v: r.country,
          })),
        )
      return
    case 'fold':
      await db.transaction().execute((trx) => foldFeed(trx, dialect, s.limit))
      return
    case 'recalculate':
      await db.transaction().execute((trx) => recalculateSums(trx, dialect))
      return
    case 'edit':
    case 'delete': {
      const rows = await db.selectFrom(CALL_KEY_MESSAGES).select('id').orderBy('id').execute()
      if (rows.length === 0) return
      const id = String(rows[s.pick % rows.length]!.id)
      const results =
        s.kind === 'edit'
          ? await t.vault.records.update(SYSTEM_ACTOR, CALL_KEY_MESSAGES, [{ id, duration__v: s.duration }])
          : await t.vault.records.delete(SYSTEM_ACTOR, CALL_KEY_MESSAGES, [id])
      expect(results[0]?.responseStatus, JSON.stringify(results)).toBe('SUCCESS')
      return
    }
  }
}

type Expected = Map<string, ClmSums>

function put(out: Expected, level: string, target: unknown, country: unknown, values: Partial<ClmSums>) {
  const key = `${level} ${String(target)} ${country === null || country === undefined ? '' : String(country)}`
  const sums: Record<string, number> = { ...ZERO_SUMS, ...(out.get(key) ?? {}) }
  for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + Number(v ?? 0)
  out.set(key, sums as unknown as ClmSums)
}

/** The oracle: each statistic as its own GROUP BY over the activity tables, per country and overall. */
async function fromScratch(): Promise<Expected> {
  const db = t.vault.storage.db
  const out: Expected = new Map()
  for (const byCountry of [true, false]) {
    const country = byCountry ? sql`country__v` : sql`null`
    const slides = await sql<Record<string, unknown>>`
      select key_message__v as t, ${country} as c, count(*) as shown, sum(duration__v) as duration,
        sum(display_order__v) as order_sum, count(display_order__v) as order_count,
        count(case when custom_presentation__v = 1 then 1 end) as custom_rows,
        count(case when reaction__v = 'positive__v' then 1 end) as positive,
        count(case when reaction__v = 'neutral__v' then 1 end) as neutral,
        count(case when reaction__v = 'negative__v' then 1 end) as negative
      from call2_key_message__v
      ${byCountry ? sql`where country__v is not null and key_message__v is not null` : sql`where key_message__v is not null`}
      group by key_message__v${byCountry ? sql`, country__v` : sql``}`.execute(db)
    for (const r of slides.rows)
      put(out, 'slide', r.t, r.c, {
        shown: Number(r.shown),
        duration: Number(r.duration ?? 0),
        orderSum: Number(r.order_sum ?? 0),
        orderCount: Number(r.order_count),
        customRows: Number(r.custom_rows),
        positive: Number(r.positive),
        neutral: Number(r.neutral),
        negative: Number(r.negative),
      })
    const decks = await sql<Record<string, unknown>>`
      select clm_presentation__v as t, ${country} as c, count(*) as shown, count(distinct call2__v) as calls,
        sum(duration__v) as duration,
        count(case when custom_presentation__v = 1 then 1 end) as custom_rows,
        count(distinct case when custom_presentation__v = 1 then call2__v end) as custom_calls,
        count(case when reaction__v = 'positive__v' then 1 end) as positive,
        count(case when reaction__v = 'neutral__v' then 1 end) as neutral,
        count(case when reaction__v = 'negative__v' then 1 end) as negative
      from call2_key_message__v
      ${byCountry ? sql`where country__v is not null and clm_presentation__v is not null` : sql`where clm_presentation__v is not null`}
      group by clm_presentation__v${byCountry ? sql`, country__v` : sql``}`.execute(db)
    for (const r of decks.rows)
      put(out, 'presentation', r.t, r.c, {
        shown: Number(r.shown),
        calls: Number(r.calls),
        duration: Number(r.duration ?? 0),
        customRows: Number(r.custom_rows),
        customCalls: Number(r.custom_calls),
        positive: Number(r.positive),
        neutral: Number(r.neutral),
        negative: Number(r.negative),
      })
    for (const [level, column] of [
      ['slide', 'key_message__v'],
      ['presentation', 'clm_presentation__v'],
    ] as const) {
      const lines = await sql<Record<string, unknown>>`
        select ${sql.ref(column)} as t, ${country} as c,
          count(case when event_type__v = 'preview__v' then 1 end) as previews,
          count(case when event_type__v = 'link_sent__v' then 1 end) as links_sent,
          count(case when event_type__v = 'link_clicked__v' then 1 end) as links_clicked
        from multichannel_activity_line__v
        where ${sql.ref(column)} is not null ${byCountry ? sql`and country__v is not null` : sql``}
        group by ${sql.ref(column)}${byCountry ? sql`, country__v` : sql``}`.execute(db)
      for (const r of lines.rows)
        put(out, level, r.t, r.c, {
          previews: Number(r.previews),
          linksSent: Number(r.links_sent),
          linksClicked: Number(r.links_clicked),
        })
    }
  }
  return out
}

/** The stored sums, keyed as the oracle's; rows of all zeros dropped (as from the oracle's). */
async function stored(): Promise<Expected> {
  const out: Expected = new Map()
  for (const [level, ids] of [
    ['slide', keyMessages],
    ['presentation', presentations],
  ] as const) {
    for (const [target, byCountry] of await readSums(t.vault.storage.db, level, ids))
      for (const [country, sums] of byCountry)
        if (SUM_KEYS.some((k) => sums[k] !== 0)) out.set(`${level} ${target} ${country}`, sums)
  }
  return out
}

async function reset(): Promise<void> {
  const db = t.vault.storage.db
  for (const table of [CALL_KEY_MESSAGES, ACTIVITY_LINES, 'activity_change', 'activity_sum'])
    await db.deleteFrom(table).execute()
}

describe('B21: CLM Content Metrics sums', () => {
  it('B21: folded incrementally, they equal a from-scratch GROUP BY after any interleaving of inserts, edits, deletions and recalculations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 14 }), async (steps) => {
        await reset()
        for (const s of steps) await run(s)
        // Drain the feed the way the job does.
        for (;;) {
          const folded = await t.vault.storage.db
            .transaction()
            .execute((trx) => foldFeed(trx, t.vault.storage.dialect))
          if (folded.entries === 0) break
        }
        const expected = new Map(
          [...(await fromScratch())].filter(([, sums]) => SUM_KEYS.some((k) => sums[k] !== 0)),
        )
        const actual = await stored()
        expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()))
      }),
      { numRuns: 25 },
    )
  }, 240_000)

  it('B21: a recalculation from scratch gives the sums the folds gave', async () => {
    await reset()
    await run({
      kind: 'calls',
      rows: Array.from({ length: 30 }, (_, i) => ({
        call: i % 5,
        keyMessage: i % 3,
        presentation: i % 2,
        country: COUNTRIES[i % 3]!,
        duration: 10 * i,
        order: (i % 4) + 1,
        reaction: (['positive__v', 'neutral__v', 'negative__v', null] as const)[i % 4]!,
        custom: i % 5 === 0,
      })),
    })
    await t.vault.storage.db.transaction().execute((trx) => foldFeed(trx, t.vault.storage.dialect))
    const folded = await stored()
    await t.vault.storage.db.transaction().execute((trx) => recalculateSums(trx, t.vault.storage.dialect))
    expect(await stored()).toEqual(folded)
    expect(folded.get(`presentation ${presentations[0]} `)?.calls).toBe(5)
  })
})

import { type Kysely, sql, type Transaction } from 'kysely'
import { inChunks } from '../../../platform/records/index.js'
import type { StorageDialect, VaultDb } from '../../../platform/storage/index.js'
import { addSums, type ClmSums, type MetricLevel, ZERO_SUMS } from './clm-metric-sums.js'

/**
 * B21 on the CRM: the running sums behind CLM Content Metrics, kept in `activity_sum` per
 * (level, presentation or key message, country; '' = all countries). New call key messages and
 * activity lines join a feed (`activity_change`) in the transaction that writes them; a fold sums
 * the feed's rows into the sums and empties it, so its cost follows the new rows, not the history.
 * An edit or a deletion of activity puts a `recalculate` entry in the feed instead: the sums are
 * then made again from scratch (`recalculateSums`), which gives the same figures.
 */

type Trx = Transaction<VaultDb>

export const CALL_KEY_MESSAGES = 'call2_key_message__v'
export const ACTIVITY_LINES = 'multichannel_activity_line__v'

/** A feed entry's kind: a created row to fold, or a change that only a recalculation can undo. */
export type FeedKind = 'create' | 'recalculate'

/** Feed entries folded per transaction. */
export const FOLD_BATCH = 2_000

/** Sums of one target: a key message (slide level) or a presentation, in one country or '' for all. */
export interface SumKey {
  readonly level: MetricLevel
  readonly targetId: string
  readonly country: string
}

const keyText = (k: SumKey) => `${k.level}\u0000${k.targetId}\u0000${k.country}`

/** Rows of sums by key, added to as rows are folded. */
class SumDeltas {
  readonly #byKey = new Map<string, { key: SumKey; sums: ClmSums }>()

  add(level: MetricLevel, targetId: unknown, country: unknown, delta: Partial<ClmSums>): void {
    if (targetId === null || targetId === undefined || targetId === '') return
    // Every row counts for all countries; a row with a country counts for it too.
    const countries =
      country === null || country === undefined || country === '' ? [''] : ['', String(country)]
    for (const c of countries) this.addOne(level, String(targetId), c, delta)
  }

  /** Adds to the sums of one country ('' = all) only. */
  addOne(level: MetricLevel, targetId: string, country: string, delta: Partial<ClmSums>): void {
    const key = { level, targetId, country }
    const text = keyText(key)
    const entry = this.#byKey.get(text)
    this.#byKey.set(text, { key, sums: addSums(entry?.sums ?? ZERO_SUMS, delta) })
  }

  entries() {
    return [...this.#byKey.values()]
  }
}

/** Adds feed entries in the writing transaction (a change hook's ids). */
export async function addToFeed(
  trx: Trx,
  dialect: Pick<StorageDialect, 'maxParameters'>,
  objectName: string,
  kind: FeedKind,
  ids: readonly string[],
): Promise<void> {
  const rows = ids.map((id) => ({ object_name: objectName, record_id: id, change_kind: kind }))
  const size = Math.max(1, Math.floor(dialect.maxParameters / 3))
  for (let i = 0; i < rows.length; i += size)
    await trx
      .insertInto('activity_change')
      .values(rows.slice(i, i + size))
      .execute()
}

/**
 * Folds and recalculations take turns: a fold's "calls seen before" must not change under it. On
 * PostgreSQL a table lock does it (SQLite has one writer). Every path takes this lock first.
 */
async function lockSums(trx: Trx, dialect: Pick<StorageDialect, 'kind'>): Promise<void> {
  if (dialect.kind === 'postgres') await sql`lock table activity_sum in exclusive mode`.execute(trx)
}

export interface FeedBatch {
  readonly seqs: number[]
  /** A recalculation is asked for: an edit or deletion, which a fold cannot undo. */
  readonly recalculate: boolean
  readonly callKeyMessages: string[]
  readonly activityLines: string[]
}

async function pendingFeed(trx: Trx, limit: number): Promise<FeedBatch> {
  const rows = await trx
    .selectFrom('activity_change')
    .select(['seq', 'object_name', 'record_id', 'change_kind'])
    .orderBy('seq')
    .limit(limit)
    .execute()
  const recalculate =
    rows.some((r) => r.change_kind === 'recalculate') ||
    (await trx
      .selectFrom('activity_change')
      .select('seq')
      .where('change_kind', '=', 'recalculate')
      .limit(1)
      .executeTakeFirst()) !== undefined
  const idsOf = (object: string) =>
    rows.filter((r) => r.object_name === object && r.change_kind === 'create').map((r) => String(r.record_id))
  return {
    seqs: rows.map((r) => Number(r.seq)),
    recalculate,
    callKeyMessages: idsOf(CALL_KEY_MESSAGES),
    activityLines: idsOf(ACTIVITY_LINES),
  }
}

function num(value: unknown): number {
  const n = Number(value ?? 0)
  return Number.isFinite(n) ? n : 0
}

const reactionDelta = (reaction: unknown): Partial<ClmSums> =>
  reaction === 'positive__v'
    ? { positive: 1 }
    : reaction === 'neutral__v'
      ? { neutral: 1 }
      : reaction === 'negative__v'
        ? { negative: 1 }
        : {}

const isCustom = (value: unknown) => value === 1 || value === true || value === '1'

/**
 * For the calls of a batch, how many of their rows per (presentation, country, call) were summed
 * before: rows without a pending feed entry. One statement, so it cannot see a row twice or miss
 * one, whatever commits meanwhile.
 */
async function rowsSummedBefore(trx: Trx, calls: readonly string[]) {
  const out: { p: string; c: string | null; call: string; n: number; custom: number }[] = []
  for (const part of inChunks(calls)) {
    const result = await sql<{ p: string; c: string | null; call: string; n: unknown; custom: unknown }>`
      select k.clm_presentation__v as p, k.country__v as c, k.call2__v as call, count(*) as n,
        sum(case when k.custom_presentation__v = 1 then 1 else 0 end) as custom
      from call2_key_message__v k
      where k.call2__v in (${sql.join(part)}) and k.clm_presentation__v is not null
        and not exists (select 1 from activity_change f where f.record_id = k.id and f.change_kind = 'create')
      group by k.clm_presentation__v, k.country__v, k.call2__v`.execute(trx)
    for (const r of result.rows)
      out.push({ p: r.p, c: r.c, call: r.call, n: num(r.n), custom: num(r.custom) })
  }
  return out
}

/** Sums the call key messages of a batch (both levels, with distinct calls for presentations). */
async function foldCallKeyMessages(trx: Trx, ids: readonly string[], deltas: SumDeltas): Promise<void> {
  if (ids.length === 0) return
  const rows: Record<string, unknown>[] = []
  for (const part of inChunks(ids))
    rows.push(
      ...(await trx
        .selectFrom(CALL_KEY_MESSAGES)
        .select([
          'id',
          'call2__v',
          'key_message__v',
          'clm_presentation__v',
          'display_order__v',
          'duration__v',
          'reaction__v',
          'custom_presentation__v',
          'country__v',
        ])
        .where('id', 'in', part)
        .execute()),
    )
  // Read before this batch's rows count as summed: its feed entries are still pending.
  const calls = [...new Set(rows.filter((r) => r.clm_presentation__v != null).map((r) => String(r.call2__v)))]
  const before = new Map<string, { n: number; custom: number }>()
  const addBefore = (key: string, n: number, custom: number) => {
    const seen = before.get(key) ?? { n: 0, custom: 0 }
    before.set(key, { n: seen.n + n, custom: seen.custom + custom })
  }
  for (const r of await rowsSummedBefore(trx, calls)) {
    addBefore(`${r.p}\u0000\u0000${r.call}`, r.n, r.custom)
    if (r.c !== null && r.c !== '') addBefore(`${r.p}\u0000${r.c}\u0000${r.call}`, r.n, r.custom)
  }
  const counted = new Set<string>()
  const countedCustom = new Set<string>()
  for (const row of rows) {
    const custom = isCustom(row.custom_presentation__v)
    const order = row.display_order__v
    const common: Partial<ClmSums> = {
      shown: 1,
      duration: num(row.duration__v),
      customRows: custom ? 1 : 0,
      ...reactionDelta(row.reaction__v),
    }
    deltas.add('slide', row.key_message__v, row.country__v, {
      ...common,
      ...(order === null || order === undefined ? {} : { orderSum: num(order), orderCount: 1 }),
    })
    const presentation = row.clm_presentation__v
    if (presentation === null || presentation === undefined || presentation === '') continue
    deltas.add('presentation', presentation, row.country__v, common)
    // Distinct calls: a call counts once per presentation and country, when its first row is summed.
    const countries = row.country__v == null || row.country__v === '' ? [''] : ['', String(row.country__v)]
    for (const country of countries) {
      const key = `${String(presentation)}\u0000${country}\u0000${String(row.call2__v)}`
      const seen = before.get(key) ?? { n: 0, custom: 0 }
      const delta: Record<string, number> = {}
      if (seen.n === 0 && !counted.has(key)) {
        counted.add(key)
        delta.calls = 1
      }
      if (custom && seen.custom === 0 && !countedCustom.has(key)) {
        countedCustom.add(key)
        delta.customCalls = 1
      }
      if (Object.keys(delta).length > 0) deltas.addOne('presentation', String(presentation), country, delta)
    }
  }
}

/** Sums the activity lines of a batch: previews, links sent and clicked, for the slide and the presentation. */
async function foldActivityLines(trx: Trx, ids: readonly string[], deltas: SumDeltas): Promise<void> {
  for (const part of inChunks(ids)) {
    const rows = await trx
      .selectFrom(ACTIVITY_LINES)
      .select(['event_type__v', 'key_message__v', 'clm_presentation__v', 'country__v'])
      .where('id', 'in', part)
      .execute()
    for (const row of rows) {
      const delta: Partial<ClmSums> =
        row.event_type__v === 'preview__v'
          ? { previews: 1 }
          : row.event_type__v === 'link_sent__v'
            ? { linksSent: 1 }
            : row.event_type__v === 'link_clicked__v'
              ? { linksClicked: 1 }
              : {}
      if (Object.keys(delta).length === 0) continue
      deltas.add('slide', row.key_message__v, row.country__v, delta)
      deltas.add('presentation', row.clm_presentation__v, row.country__v, delta)
    }
  }
}

const SUM_COLUMNS = [
  ['shown', 'shown'],
  ['calls', 'calls'],
  ['duration', 'duration'],
  ['order_sum', 'orderSum'],
  ['order_count', 'orderCount'],
  ['custom_rows', 'customRows'],
  ['custom_calls', 'customCalls'],
  ['positive', 'positive'],
  ['neutral', 'neutral'],
  ['negative', 'negative'],
  ['previews', 'previews'],
  ['links_sent', 'linksSent'],
  ['links_clicked', 'linksClicked'],
] as const

/** Adds deltas to the stored sums, creating the rows that do not exist yet. */
async function addToSums(
  trx: Trx,
  dialect: Pick<StorageDialect, 'maxParameters'>,
  entries: readonly { key: SumKey; sums: ClmSums }[],
): Promise<void> {
  const rows = entries.map(({ key, sums }) => {
    const row: Record<string, unknown> = { level: key.level, target_id: key.targetId, country: key.country }
    for (const [column, field] of SUM_COLUMNS) row[column] = sums[field]
    return row
  })
  const size = Math.max(1, Math.floor(dialect.maxParameters / (3 + SUM_COLUMNS.length)))
  for (let i = 0; i < rows.length; i += size)
    await trx
      .insertInto('activity_sum')
      .values(rows.slice(i, i + size))
      .onConflict((oc) =>
        oc
          .columns(['level', 'target_id', 'country'])
          .doUpdateSet(
            Object.fromEntries(
              SUM_COLUMNS.map(([column]) => [
                column,
                sql`activity_sum.${sql.ref(column)} + excluded.${sql.ref(column)}`,
              ]),
            ),
          ),
      )
      .execute()
}

/** What one fold or recalculation changed: the targets whose figures must be published again. */
export interface FoldResult {
  /** Feed entries consumed. */
  readonly entries: number
  readonly recalculated: boolean
  /** Key message ids (slide level) and presentation ids whose sums changed; all of them after a recalculation. */
  readonly keyMessages: ReadonlySet<string>
  readonly presentations: ReadonlySet<string>
}

/**
 * Folds up to FOLD_BATCH feed entries into the sums, in the caller's transaction; recalculates
 * instead when the feed asks for it. Answers what changed.
 */
export async function foldFeed(
  trx: Trx,
  dialect: Pick<StorageDialect, 'kind' | 'maxParameters'>,
  limit: number = FOLD_BATCH,
): Promise<FoldResult> {
  await lockSums(trx, dialect)
  const batch = await pendingFeed(trx, limit)
  if (batch.recalculate) return recalculateSumsLocked(trx, dialect)
  const deltas = new SumDeltas()
  await foldCallKeyMessages(trx, batch.callKeyMessages, deltas)
  await foldActivityLines(trx, batch.activityLines, deltas)
  const entries = deltas.entries()
  await addToSums(trx, dialect, entries)
  for (const part of inChunks(batch.seqs))
    await trx.deleteFrom('activity_change').where('seq', 'in', part).execute()
  return {
    entries: batch.seqs.length,
    recalculated: false,
    keyMessages: new Set(entries.filter((e) => e.key.level === 'slide').map((e) => e.key.targetId)),
    presentations: new Set(entries.filter((e) => e.key.level === 'presentation').map((e) => e.key.targetId)),
  }
}

/** Makes every sum again from the activity tables (repair; an edit or deletion of activity). */
export async function recalculateSums(
  trx: Trx,
  dialect: Pick<StorageDialect, 'kind' | 'maxParameters'>,
): Promise<FoldResult> {
  await lockSums(trx, dialect)
  return recalculateSumsLocked(trx, dialect)
}

async function recalculateSumsLocked(trx: Trx, dialect: Pick<StorageDialect, 'kind'>): Promise<FoldResult> {
  // No activity may commit between emptying the feed and reading the rows: writers wait here.
  if (dialect.kind === 'postgres') await sql`lock table activity_change in exclusive mode`.execute(trx)
  const entries = await trx.deleteFrom('activity_change').executeTakeFirst()
  await trx.deleteFrom('activity_sum').execute()
  const reactions = sql`
    sum(case when reaction__v = 'positive__v' then 1 else 0 end) as positive,
    sum(case when reaction__v = 'neutral__v' then 1 else 0 end) as neutral,
    sum(case when reaction__v = 'negative__v' then 1 else 0 end) as negative`
  const custom = sql`sum(case when custom_presentation__v = 1 then 1 else 0 end)`
  const columns = sql`(level, target_id, country, shown, calls, duration, order_sum, order_count, custom_rows,
    custom_calls, positive, neutral, negative, previews, links_sent, links_clicked)`
  // Slides: one pass over the call key messages; all countries from the per-country groups.
  await sql`with g as (
      select key_message__v as t, country__v as c, count(*) as shown, coalesce(sum(duration__v), 0) as duration,
        coalesce(sum(display_order__v), 0) as order_sum, count(display_order__v) as order_count,
        ${custom} as custom_rows, ${reactions}
      from call2_key_message__v where key_message__v is not null group by key_message__v, country__v)
    insert into activity_sum ${columns}
    select 'slide', t, c, shown, 0, duration, order_sum, order_count, custom_rows, 0, positive, neutral, negative, 0, 0, 0
      from g where c is not null
    union all
    select 'slide', t, '', sum(shown), 0, sum(duration), sum(order_sum), sum(order_count), sum(custom_rows), 0,
      sum(positive), sum(neutral), sum(negative), 0, 0, 0
      from g group by t`.execute(trx)
  // Presentations: one pass grouped by call, so that calls are counted once per country and overall.
  await sql`with g as (
      select clm_presentation__v as p, country__v as c, call2__v as k, count(*) as shown,
        coalesce(sum(duration__v), 0) as duration, ${custom} as custom_rows, ${reactions}
      from call2_key_message__v where clm_presentation__v is not null
      group by clm_presentation__v, country__v, call2__v)
    insert into activity_sum ${columns}
    select 'presentation', p, c, sum(shown), count(*), sum(duration), 0, 0, sum(custom_rows),
      sum(case when custom_rows > 0 then 1 else 0 end), sum(positive), sum(neutral), sum(negative), 0, 0, 0
      from g where c is not null group by p, c
    union all
    select 'presentation', p, '', sum(shown), count(distinct k), sum(duration), 0, 0, sum(custom_rows),
      count(distinct case when custom_rows > 0 then k end), sum(positive), sum(neutral), sum(negative), 0, 0, 0
      from g group by p`.execute(trx)
  // Activity lines, into the rows above or new ones.
  for (const [level, column] of [
    ['slide', 'key_message__v'],
    ['presentation', 'clm_presentation__v'],
  ] as const)
    await sql`with g as (
        select ${sql.ref(column)} as t, country__v as c,
          sum(case when event_type__v = 'preview__v' then 1 else 0 end) as previews,
          sum(case when event_type__v = 'link_sent__v' then 1 else 0 end) as links_sent,
          sum(case when event_type__v = 'link_clicked__v' then 1 else 0 end) as links_clicked
        from multichannel_activity_line__v where ${sql.ref(column)} is not null group by ${sql.ref(column)}, country__v)
      insert into activity_sum ${columns}
      select * from (
        select ${sql.lit(level)} as level, t, c, 0 as shown, 0 as calls, 0 as duration, 0 as order_sum, 0 as order_count,
          0 as custom_rows, 0 as custom_calls, 0 as positive, 0 as neutral, 0 as negative, previews, links_sent, links_clicked
          from g where c is not null
        union all
        select ${sql.lit(level)}, t, '', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(previews), sum(links_sent), sum(links_clicked)
          from g group by t) as lines
      where true
      on conflict (level, target_id, country) do update set previews = excluded.previews,
        links_sent = excluded.links_sent, links_clicked = excluded.links_clicked`.execute(trx)
  const targets = await trx.selectFrom('activity_sum').select(['level', 'target_id']).distinct().execute()
  return {
    entries: Number(entries.numDeletedRows),
    recalculated: true,
    keyMessages: new Set(targets.filter((t) => t.level === 'slide').map((t) => String(t.target_id))),
    presentations: new Set(targets.filter((t) => t.level === 'presentation').map((t) => String(t.target_id))),
  }
}

/** The stored sums of some targets of one level, by target id and country. */
export async function readSums(
  trx: Kysely<VaultDb>,
  level: MetricLevel,
  targetIds: readonly string[],
): Promise<Map<string, Map<string, ClmSums>>> {
  const out = new Map<string, Map<string, ClmSums>>()
  for (const part of inChunks(targetIds)) {
    const rows = await trx
      .selectFrom('activity_sum')
      .selectAll()
      .where('level', '=', level)
      .where('target_id', 'in', part)
      .execute()
    for (const row of rows) {
      const sums: Record<string, number> = {}
      for (const [column, field] of SUM_COLUMNS) sums[field] = num(row[column])
      const byCountry = out.get(String(row.target_id)) ?? new Map<string, ClmSums>()
      byCountry.set(String(row.country), sums as unknown as ClmSums)
      out.set(String(row.target_id), byCountry)
    }
  }
  return out
}

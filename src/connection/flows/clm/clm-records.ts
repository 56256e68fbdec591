import type { Transaction } from 'kysely'
import type { RecordActor, RecordService } from '../../../platform/records/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { assertWritten } from '../shared/written-records.js'
import { needsNewKeyMessage, type SourceRow, versionOf } from './clm-publication.js'

/**
 * B18 on the CRM: the CLM records of one presentation, written in one transaction — its key
 * messages (one per slide, shared by every presentation that shows the slide), its
 * `clm_presentation__v` and its `clm_presentation_slide__v` rows in node order. Every write
 * compares with what is there first, so a repeated notice writes nothing.
 */

const ACTIVE = 'active__v'
const WITHDRAWN = 'withdrawn__v'
/** `name__v` of records holds at most this many characters. */
const NAME_MAX = 128

type Trx = Transaction<VaultDb>

function clip(text: string): string {
  return text.length <= NAME_MAX ? text : text.slice(0, NAME_MAX)
}

/** Only the values that differ from the stored row (null and undefined alike). */
function changed(row: Readonly<Record<string, unknown>>, values: Readonly<Record<string, unknown>>) {
  const out: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(values)) {
    const stored = row[field]
    const same =
      (stored === null || stored === undefined) && (value === null || value === undefined)
        ? true
        : String(stored) === String(value)
    if (!same) out[field] = value
  }
  return out
}

export interface ClmWriter {
  readonly records: RecordService
  readonly actor: RecordActor
  /** `{vaultId}_` of the Medical Vault: a source's global id is this plus its document id. */
  readonly sourcePrefix: string
}

/** The key message a slide is shown by now (its latest), or undefined. */
async function currentKeyMessage(trx: Trx, link: string) {
  return trx
    .selectFrom('key_message__v')
    .selectAll()
    .where('link__v', '=', link)
    .orderBy('created_date__v', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst()
}

/**
 * The key message of a slide, made or brought in step: created when the slide has none; a new one
 * (the old withdrawn) for a new approved version with `new_key_message__v`; else updated in place.
 * Answers its id and the key message it replaced, if any.
 */
export async function ensureKeyMessage(
  trx: Trx,
  w: ClmWriter,
  slideId: string,
  slide: SourceRow,
  crossLinkId: number | undefined,
): Promise<{ readonly id: string; readonly replaced?: string }> {
  const link = `${w.sourcePrefix}${slideId}`
  const values = {
    name__v: clip(String(slide.name__v ?? link)),
    link__v: link,
    crosslink_document__v: crossLinkId ?? null,
    media_file_name__v: slide.filename__v ?? null,
    version__v: versionOf(slide),
    status__v: ACTIVE,
  }
  const current = await currentKeyMessage(trx, link)
  if (current !== undefined && !needsNewKeyMessage(slide, current.version__v)) {
    const update = changed(current, values)
    if (Object.keys(update).length > 0)
      assertWritten(
        await w.records.updateIn(trx, w.actor, 'key_message__v', [
          { id: String(current.id), values: update },
        ]),
        `Key Message ${String(current.id)}`,
      )
    return { id: String(current.id) }
  }
  const [id] = assertWritten(
    await w.records.createIn(trx, w.actor, 'key_message__v', [values]),
    `The Key Message of ${link}`,
  )
  if (current === undefined) return { id: id! }
  if (current.status__v !== WITHDRAWN)
    assertWritten(
      await w.records.updateIn(trx, w.actor, 'key_message__v', [
        { id: String(current.id), values: { status__v: WITHDRAWN } },
      ]),
      `Key Message ${String(current.id)}`,
    )
  return { id: id!, replaced: String(current.id) }
}

/** The presentation's record, by link, or undefined. */
export async function presentationByLink(trx: Trx, link: string) {
  return trx.selectFrom('clm_presentation__v').selectAll().where('link__v', '=', link).executeTakeFirst()
}

/** Creates or updates the `clm_presentation__v` of a binder; answers its id. */
export async function upsertPresentation(
  trx: Trx,
  w: ClmWriter,
  binderId: string,
  values: Readonly<Record<string, unknown>>,
): Promise<string> {
  const link = `${w.sourcePrefix}${binderId}`
  const all = { ...values, link__v: link, status__v: ACTIVE }
  const current = await presentationByLink(trx, link)
  if (current === undefined) {
    const [id] = assertWritten(
      await w.records.createIn(trx, w.actor, 'clm_presentation__v', [all]),
      `The CLM Presentation of ${link}`,
    )
    return id!
  }
  const update = changed(current, all)
  if (Object.keys(update).length > 0)
    assertWritten(
      await w.records.updateIn(trx, w.actor, 'clm_presentation__v', [
        { id: String(current.id), values: update },
      ]),
      `CLM Presentation ${String(current.id)}`,
    )
  return String(current.id)
}

/**
 * Brings a presentation's slide rows to the key messages in order (display order 1, 2, 3 …): a row
 * that keeps its key message keeps its record (its order updated), new ones are created. Answers
 * the rows no longer wanted (deleted after the commit: the record service deletes in a transaction
 * of its own) and the key messages they showed.
 */
export async function syncSlideRows(
  trx: Trx,
  w: ClmWriter,
  presentationId: string,
  keyMessageIds: readonly string[],
): Promise<{ readonly surplus: string[]; readonly dropped: string[] }> {
  const rows = await trx
    .selectFrom('clm_presentation_slide__v')
    .select(['id', 'key_message__v', 'display_order__v'])
    .where('clm_presentation__v', '=', presentationId)
    .orderBy('display_order__v')
    .orderBy('id')
    .execute()
  const unused = [...rows]
  const updates: { id: string; values: Record<string, unknown> }[] = []
  const creates: Record<string, unknown>[] = []
  for (const [i, keyMessage] of keyMessageIds.entries()) {
    const at = unused.findIndex((r) => String(r.key_message__v) === keyMessage)
    if (at < 0) {
      creates.push({
        clm_presentation__v: presentationId,
        key_message__v: keyMessage,
        display_order__v: i + 1,
      })
      continue
    }
    const [row] = unused.splice(at, 1)
    if (Number(row!.display_order__v) !== i + 1)
      updates.push({ id: String(row!.id), values: { display_order__v: i + 1 } })
  }
  if (updates.length > 0)
    assertWritten(
      await w.records.updateIn(trx, w.actor, 'clm_presentation_slide__v', updates),
      `The slide order of CLM Presentation ${presentationId}`,
    )
  if (creates.length > 0)
    assertWritten(
      await w.records.createIn(trx, w.actor, 'clm_presentation_slide__v', creates),
      `A slide of CLM Presentation ${presentationId}`,
    )
  const wanted = new Set(keyMessageIds)
  return {
    surplus: unused.map((r) => String(r.id)),
    dropped: [...new Set(unused.map((r) => String(r.key_message__v)))].filter((k) => !wanted.has(k)),
  }
}

/** The key messages a presentation's slide rows show now. */
export async function keyMessagesOf(trx: Trx, presentationId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('clm_presentation_slide__v')
    .select('key_message__v')
    .where('clm_presentation__v', '=', presentationId)
    .execute()
  return [...new Set(rows.map((r) => String(r.key_message__v)))]
}

/**
 * Withdraws the given key messages that no active presentation shows any more (besides the rows
 * about to be removed); answers the links (`{vaultId}_{slideId}`) of the ones withdrawn.
 */
export async function withdrawUnusedKeyMessages(
  trx: Trx,
  w: ClmWriter,
  candidates: readonly string[],
  removedRows: readonly string[],
): Promise<string[]> {
  if (candidates.length === 0) return []
  let used = trx
    .selectFrom('clm_presentation_slide__v as s')
    .innerJoin('clm_presentation__v as p', 'p.id', 's.clm_presentation__v')
    .select('s.key_message__v')
    .where('s.key_message__v', 'in', [...candidates])
    .where('p.status__v', '=', ACTIVE)
  if (removedRows.length > 0) used = used.where('s.id', 'not in', [...removedRows])
  const inUse = new Set((await used.execute()).map((r) => String(r.key_message__v)))
  const rows = await trx
    .selectFrom('key_message__v')
    .select(['id', 'link__v', 'status__v'])
    .where('id', 'in', [...candidates])
    .execute()
  const withdraw = rows.filter((r) => !inUse.has(String(r.id)) && r.status__v !== WITHDRAWN)
  if (withdraw.length > 0)
    assertWritten(
      await w.records.updateIn(
        trx,
        w.actor,
        'key_message__v',
        withdraw.map((r) => ({ id: String(r.id), values: { status__v: WITHDRAWN } })),
      ),
      'A Key Message no presentation uses',
    )
  return withdraw.map((r) => String(r.link__v))
}

/** Sets a presentation withdrawn; answers whether it changed. */
export async function withdrawPresentation(trx: Trx, w: ClmWriter, presentationId: string): Promise<void> {
  assertWritten(
    await w.records.updateIn(trx, w.actor, 'clm_presentation__v', [
      { id: presentationId, values: { status__v: WITHDRAWN } },
    ]),
    `CLM Presentation ${presentationId}`,
  )
}

/** The links among these whose slide has no active key message left (its CrossLink can go obsolete). */
export async function linksWithoutActiveKeyMessage(trx: Trx, links: readonly string[]): Promise<string[]> {
  if (links.length === 0) return []
  const active = await trx
    .selectFrom('key_message__v')
    .select('link__v')
    .where('link__v', 'in', [...links])
    .where('status__v', '=', ACTIVE)
    .execute()
  const still = new Set(active.map((r) => String(r.link__v)))
  return [...new Set(links)].filter((l) => !still.has(l))
}

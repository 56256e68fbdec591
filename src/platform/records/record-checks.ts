import type { Transaction } from 'kysely'
import type { CompiledField, CompiledMetadata, CompiledObject } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'
import type { RecordDraft } from './record-input.js'
import { apiError } from './record-types.js'
import { idsByKey, referenceKeys } from './reference-keys.js'
import { inChunks } from './stored-rows.js'

function live(drafts: readonly RecordDraft[]): RecordDraft[] {
  return drafts.filter((d) => d.errors.length === 0)
}

/**
 * Checks drafts against the database in the writing transaction: resolves `rel__vr.field`
 * lookups, then checks references and unique values. Failures go into each draft's errors.
 */
export async function checkDrafts(
  trx: Transaction<VaultDb>,
  metadata: CompiledMetadata,
  object: CompiledObject,
  drafts: readonly RecordDraft[],
): Promise<void> {
  await resolveLookups(trx, drafts)
  await checkReferences(trx, metadata, object, drafts)
  await checkUniqueValues(trx, object, drafts)
}

/** Marks every draft whose record appears more than once in the request (updates by id). */
export function flagRepeatedIds(drafts: readonly RecordDraft[]): void {
  const seen = new Map<string, RecordDraft>()
  for (const draft of drafts) {
    if (draft.id === undefined) continue
    const first = seen.get(draft.id)
    if (first !== undefined) {
      const message = `Record ${draft.id} appears more than once in the request; send each record once.`
      first.errors.push(apiError('DUPLICATE_KEY_IN_REQUEST', message))
      draft.errors.push(apiError('DUPLICATE_KEY_IN_REQUEST', message))
    } else seen.set(draft.id, draft)
  }
}

/** `rel__vr.field` columns: one query per relationship and field; a key must match exactly one record. */
async function resolveLookups(trx: Transaction<VaultDb>, drafts: readonly RecordDraft[]): Promise<void> {
  const groups = new Map<
    string,
    { field: CompiledField; via: string; drafts: RecordDraft[]; keys: Set<string> }
  >()
  for (const draft of live(drafts))
    for (const lookup of draft.lookups) {
      const k = `${lookup.field.name}.${lookup.via}`
      const group = groups.get(k) ?? { field: lookup.field, via: lookup.via, drafts: [], keys: new Set() }
      group.drafts.push(draft)
      group.keys.add(lookup.key)
      groups.set(k, group)
    }
  for (const group of groups.values()) {
    const found = new Map<string, string[]>()
    for (const part of inChunks([...group.keys]))
      for (const row of await trx
        .selectFrom(group.field.object!)
        .select(['id', group.via])
        .where(group.via, 'in', part)
        .execute()) {
        const key = String(row[group.via])
        found.set(key, [...(found.get(key) ?? []), String(row.id)])
      }
    for (const draft of group.drafts)
      for (const lookup of draft.lookups.filter((l) => l.field === group.field && l.via === group.via)) {
        const ids = found.get(lookup.key) ?? []
        if (ids.length === 1) draft.values.set(lookup.field.name, ids[0]!)
        else
          draft.errors.push(
            apiError(
              'REFERENCE_NOT_FOUND',
              ids.length === 0
                ? `No ${group.field.object} record has ${group.via} = "${lookup.key}" (column ${lookup.field.relationshipName}.${group.via}).`
                : `${ids.length} ${group.field.object} records have ${group.via} = "${lookup.key}"; use a unique field or the id.`,
            ),
          )
      }
  }
}

/** Every reference field's value must be the id of a record of its target object. */
async function checkReferences(
  trx: Transaction<VaultDb>,
  metadata: CompiledMetadata,
  object: CompiledObject,
  drafts: readonly RecordDraft[],
): Promise<void> {
  for (const field of object.fields) {
    if (field.type !== 'Object' || field.object === undefined) continue
    const target = metadata.objectByName.get(field.object)
    if (target === undefined) continue
    const wanted = new Set<string>()
    for (const d of live(drafts)) {
      const v = d.values.get(field.name)
      if (typeof v === 'string') wanted.add(v)
    }
    if (wanted.size === 0) continue
    const found = new Set<string>()
    for (const part of inChunks([...wanted]))
      for (const row of await trx.selectFrom(target.name).select('id').where('id', 'in', part).execute())
        found.add(String(row.id))
    // A record named where its id was expected (`mx__v`, `MX`, `Mexico`) is written as its id.
    const named = await idsByKey(
      trx,
      target,
      [...wanted].filter((v) => !found.has(v)),
    )
    const tried = ['id', ...referenceKeys(target)].join(', ')
    for (const d of live(drafts)) {
      const v = d.values.get(field.name)
      if (typeof v !== 'string' || found.has(v)) continue
      const id = named.get(v)
      if (id !== undefined) d.values.set(field.name, id)
      else
        d.errors.push(
          apiError(
            'REFERENCE_NOT_FOUND',
            `Field ${field.name} refers to ${v}, which names no ${target.name} record (tried ${tried}; a name must belong to one record only).`,
          ),
        )
    }
  }
}

/** A unique value may appear once in the request and on no other stored record. */
async function checkUniqueValues(
  trx: Transaction<VaultDb>,
  object: CompiledObject,
  drafts: readonly RecordDraft[],
): Promise<void> {
  for (const field of object.fields) {
    if (field.unique !== true || field.name === 'id') continue
    const owners = new Map<string, RecordDraft>()
    for (const d of live(drafts)) {
      const v = d.values.get(field.name)
      if (v === null || v === undefined) continue
      const key = String(v)
      if (owners.has(key)) {
        d.errors.push(
          apiError(
            'DUPLICATE_KEY_IN_REQUEST',
            `${field.name} "${key}" is used by more than one record in this request.`,
          ),
        )
        continue
      }
      owners.set(key, d)
    }
    if (owners.size === 0) continue
    for (const part of inChunks([...owners.keys()]))
      for (const row of await trx
        .selectFrom(object.name)
        .select(['id', field.name])
        .where(field.name, 'in', part)
        .execute()) {
        const d = owners.get(String(row[field.name]))
        if (d !== undefined && d.id !== String(row.id))
          d.errors.push(
            apiError(
              'UNIQUE_VIOLATION',
              `${field.name} "${String(row[field.name])}" is already used by ${object.name} record ${String(row.id)}; it must be unique.`,
            ),
          )
      }
  }
}

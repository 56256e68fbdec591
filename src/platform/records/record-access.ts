import { LiaisonError } from '../errors/index.js'
import type { CompiledObject, ObjectAccess, PermissionTable } from '../metadata/index.js'
import { canAccess, canEditField } from '../security/index.js'
import type { ConnectionGrants } from './connection-grants.js'
import type { RecordDraft } from './record-input.js'
import type { StoredRow } from './record-types.js'
import { type ApiError, apiError, type RecordActor } from './record-types.js'

/** What decides access: the profiles' permissions, and the grants of connected vaults' signed calls. */
export interface AccessRules {
  readonly permissions: PermissionTable
  readonly connectionGrants: ConnectionGrants
}

/**
 * Whether the actor may have the access: the system actor may do anything, a connected vault's
 * signed call what its connection is granted, and anyone else what their security profile grants.
 */
export function hasRecordAccess(
  rules: AccessRules,
  actor: RecordActor,
  objectName: string,
  access: ObjectAccess,
): boolean {
  if (actor.securityProfile === 'system') return true
  return (
    rules.connectionGrants.allows(actor, objectName, access) ??
    canAccess(rules.permissions, actor.securityProfile, objectName, access)
  )
}

/** Why the actor may not have the access, in words they can act on; undefined when `hasRecordAccess` allows it. */
export function recordAccessRefusal(
  rules: AccessRules,
  actor: RecordActor,
  objectName: string,
  access: ObjectAccess,
): LiaisonError | undefined {
  if (hasRecordAccess(rules, actor, objectName, access)) return undefined
  if (actor.remote !== undefined) return rules.connectionGrants.refusal(actor, objectName, access)
  return new LiaisonError(
    'ACCESS_DENIED',
    `The ${actor.securityProfile} security profile of ${actor.userName} may not ${access} ${objectName} records; ask an admin for a profile that grants ${access} on ${objectName}.`,
  )
}

/** Throws ACCESS_DENIED unless `hasRecordAccess` allows it. */
export function assertRecordAccess(
  rules: AccessRules,
  actor: RecordActor,
  objectName: string,
  access: ObjectAccess,
): void {
  const refusal = recordAccessRefusal(rules, actor, objectName, access)
  if (refusal !== undefined) throw refusal
}

/** ACCESS_DENIED as one record's error, for batches that check access per record (upserts). */
export function recordAccessDenied(actor: RecordActor, objectName: string, access: ObjectAccess): ApiError {
  return apiError(
    'ACCESS_DENIED',
    `The ${actor.securityProfile} security profile may not ${access} ${objectName} records; ask an admin for access.`,
  )
}

/**
 * Field permissions (finding 8): each draft that sets a field the actor may not edit gets an
 * INVALID_DATA error naming the fields, so nothing of that record is written.
 */
export function checkFieldEdits(
  object: CompiledObject,
  actor: RecordActor,
  drafts: readonly RecordDraft[],
): void {
  for (const draft of drafts) {
    const names = [...draft.values.keys(), ...draft.lookups.map((l) => l.field.name)]
    const refused = [...new Set(names)].filter((name) => {
      const field = object.fieldByName.get(name)
      return field !== undefined && !canEditField(field, actor)
    })
    if (refused.length > 0)
      draft.errors.push(
        apiError(
          'FIELD_READ_ONLY',
          `Field${refused.length > 1 ? 's' : ''} ${refused.join(', ')} of ${object.name} ${refused.length > 1 ? 'are' : 'is'} written only by the connection; leave ${refused.length > 1 ? 'them' : 'it'} out.`,
        ),
      )
  }
}

/** The field that ties a record to one connection (platform objects and app objects alike). */
const CONNECTION_FIELD = 'connection__sys'

/**
 * Finding 2: the connection's own writes touch only records of their connection, or of none; a
 * draft that would create, change or re-point another connection's record gets ACCESS_DENIED.
 */
export function checkConnectionRecords(
  object: CompiledObject,
  actor: RecordActor,
  drafts: readonly RecordDraft[],
  existing: ReadonlyMap<string, StoredRow> = new Map(),
): void {
  const own = actor.connectionId
  if (own === undefined || actor.securityProfile === 'system' || !object.fieldByName.has(CONNECTION_FIELD))
    return
  for (const draft of drafts) {
    if (draft.errors.length > 0) continue
    const stored = draft.id === undefined ? undefined : existing.get(draft.id)?.[CONNECTION_FIELD]
    const foreign = [stored, draft.values.get(CONNECTION_FIELD)].find(
      (value) => value !== null && value !== undefined && value !== '' && String(value) !== own,
    )
    if (foreign !== undefined)
      draft.errors.push(
        apiError(
          'ACCESS_DENIED',
          `Connection ${actor.connection ?? own} may write only its own ${object.name} records; ${draft.id ?? 'this record'} is connection ${String(foreign)}'s.`,
        ),
      )
  }
}

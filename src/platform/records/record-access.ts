import { LiaisonError } from '../errors/index.js'
import type { ObjectAccess, PermissionTable } from '../metadata/index.js'
import { canAccess } from '../security/index.js'
import { type ApiError, apiError, type RecordActor } from './record-types.js'

/** Whether the actor's security profile grants the access; the system actor may do anything. */
export function hasRecordAccess(
  permissions: PermissionTable,
  actor: RecordActor,
  objectName: string,
  access: ObjectAccess,
): boolean {
  return (
    actor.securityProfile === 'system' || canAccess(permissions, actor.securityProfile, objectName, access)
  )
}

/** Throws ACCESS_DENIED unless the actor's security profile grants the access. */
export function assertRecordAccess(
  permissions: PermissionTable,
  actor: RecordActor,
  objectName: string,
  access: ObjectAccess,
): void {
  if (!hasRecordAccess(permissions, actor, objectName, access))
    throw new LiaisonError(
      'ACCESS_DENIED',
      `The ${actor.securityProfile} security profile of ${actor.userName} may not ${access} ${objectName} records; ask an admin for a profile that grants ${access} on ${objectName}.`,
    )
}

/** ACCESS_DENIED as one record's error, for batches that check access per record (upserts). */
export function recordAccessDenied(actor: RecordActor, objectName: string, access: ObjectAccess): ApiError {
  return apiError(
    'ACCESS_DENIED',
    `The ${actor.securityProfile} security profile may not ${access} ${objectName} records; ask an admin for access.`,
  )
}

import { LiaisonError } from '../errors/index.js'
import type { ObjectAccess, PermissionTable, SecurityProfile } from '../metadata/index.js'

/**
 * Whether a security profile may read, create, edit or delete records of an object: admins may do
 * everything, every profile may read every object, and the rest is what the table grants.
 */
export function canAccess(
  table: PermissionTable,
  profile: SecurityProfile,
  objectName: string,
  access: ObjectAccess,
): boolean {
  if (profile === 'admin__sys' || access === 'read') return true
  // Own properties only: an object named "constructor" must not reach Object.prototype.
  if (!Object.hasOwn(table, objectName)) return false
  const grants = table[objectName]
  if (!Object.hasOwn(grants, profile)) return false
  return grants[profile]?.includes(access) ?? false
}

/** Throws ACCESS_DENIED, naming the profile, object and access, unless `canAccess` allows it. */
export function assertAccess(
  table: PermissionTable,
  profile: SecurityProfile,
  objectName: string,
  access: ObjectAccess,
): void {
  if (canAccess(table, profile, objectName, access)) return
  throw new LiaisonError(
    'ACCESS_DENIED',
    `The security profile ${profile} may not ${access} ${objectName} records. Ask an admin for a security profile that grants ${access} on ${objectName}.`,
    { details: { securityProfile: profile, object: objectName, access } },
  )
}

import { LiaisonError } from '../errors/index.js'
import type { FieldDefinition, ObjectAccess, PermissionTable, SecurityProfile } from '../metadata/index.js'

/**
 * The platform objects that hold connections' identities and configuration (public keys, token
 * hashes, rules, failed payloads): only admins read them, and a profile the table grants explicitly
 * (finding 9: every profile could read them).
 */
export const ADMIN_READ_OBJECTS: ReadonlySet<string> = new Set([
  'connection__sys',
  'integration__sys',
  'integration_point__sys',
  'integration_rule__sys',
  'field_rule__sys',
  'reference_lookup__sys',
  'query_object_rule__sys',
  'exception_message__sys',
  'exception_item__sys',
])

/**
 * Objects a person other than an admin reads only their own record of (their user), so the list
 * of everyone's usernames and emails is the admins' (finding 9).
 */
export const OWN_RECORD_OBJECTS: ReadonlySet<string> = new Set(['user__sys'])

/**
 * Whether a security profile may read, create, edit or delete records of an object: admins may do
 * everything, every profile may read every object but those of `ADMIN_READ_OBJECTS`, and the rest
 * is what the table grants.
 */
export function canAccess(
  table: PermissionTable,
  profile: SecurityProfile,
  objectName: string,
  access: ObjectAccess,
): boolean {
  if (profile === 'admin__sys') return true
  if (access === 'read' && !ADMIN_READ_OBJECTS.has(objectName)) return true
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

/** Who writes, as far as field permissions care: the vault itself (`system`), a person or a connection. */
export interface FieldWriter {
  readonly securityProfile: SecurityProfile | 'system'
  /** Set only on the connection's own writes (its flows, a connected vault's signed callback). */
  readonly connection?: string
}

/**
 * Whether a writer who may edit the record may also set this field: a `connection` field is written
 * only by the connection or the vault itself, never by a person (finding 8: a forged Medical answer).
 */
export function canEditField(field: Pick<FieldDefinition, 'editableBy'>, writer: FieldWriter): boolean {
  if (field.editableBy === undefined) return true
  return writer.securityProfile === 'system' || writer.connection !== undefined
}

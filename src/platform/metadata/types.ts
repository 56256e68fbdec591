/**
 * Metadata glossary.
 * - object: a kind of record (`case__v`), with a 3-character id prefix and a table of its own.
 * - field: one value of a record; its type decides validation, storage and the API shape.
 * - picklist: a named list of value names (`country_cda__v`), shared by fields.
 * - lifecycle: the states a record moves through, each with an optional state type, and the
 *   actions that move it.
 * - relationship: a reference field `x__v` gives the outbound `x__vr`; the referenced object sees
 *   the inbound relationship named after the child's plural (`case_requests__vr`).
 * - profile: the set of objects, picklists and lifecycles of one kind of vault (medical, crm).
 */

/** Field types, with the names Vault's metadata API uses. */
export const FIELD_TYPES = [
  'ID',
  'String',
  'LongText',
  'Number',
  'Boolean',
  'Date',
  'DateTime',
  'Picklist',
  'Object',
  'Document',
] as const
export type FieldType = (typeof FIELD_TYPES)[number]

/** Types an admin may give a custom `__c` field. */
export const CUSTOM_FIELD_TYPES = [
  'String',
  'LongText',
  'Number',
  'Boolean',
  'Date',
  'DateTime',
  'Picklist',
  'Object',
] as const satisfies readonly FieldType[]

export const TEXT_MAX_LENGTH_DEFAULT = 255
export const TEXT_MAX_LENGTH_LIMIT = 1500
export const LONG_TEXT_MAX_LENGTH_LIMIT = 32_000

export interface FieldDefinition {
  readonly name: string
  readonly label: string
  readonly type: FieldType
  readonly required?: boolean
  readonly unique?: boolean
  /** String: default 255, at most 1,500. LongText: default and limit 32,000. */
  readonly maxLength?: number
  /** Picklist name, for Picklist fields. */
  readonly picklist?: string
  readonly multiValue?: boolean
  /** Referenced object, for Object fields. */
  readonly object?: string
  /** Name of the inbound relationship on the referenced object; defaults to the child's plural. */
  readonly inboundRelationship?: string
  /** Maintained by the vault; clients cannot write it. */
  readonly system?: boolean
  /** Worth an index: the connection and VQL filter on it. */
  readonly indexed?: boolean
  /** Number fields: digits after the decimal point (0 for whole numbers). */
  readonly scale?: number
  /** Field-level edit permission; absent: whoever may edit the record (see FIELD_EDITORS). */
  readonly editableBy?: FieldEditor
}

/**
 * Who may edit a field beyond the record's own grants. `connection`: only the connection's writes
 * (actors that carry a connection, and the vault itself), never a person, whatever the profile.
 */
export const FIELD_EDITORS = ['connection'] as const
export type FieldEditor = (typeof FIELD_EDITORS)[number]

export const STATE_TYPES = [
  'initial_state__sys',
  'in_progress_state__sys',
  'complete_state__sys',
  'cancelled_state__sys',
] as const
export type StateType = (typeof STATE_TYPES)[number]

export interface LifecycleStateDefinition {
  readonly name: string
  readonly label: string
  readonly stateType?: StateType
}

export interface LifecycleActionDefinition {
  readonly name: string
  readonly label: string
  readonly from: readonly string[]
  readonly to: string
}

export interface LifecycleDefinition {
  readonly name: string
  readonly label: string
  readonly states: readonly LifecycleStateDefinition[]
  readonly actions: readonly LifecycleActionDefinition[]
}

export interface PicklistValue {
  readonly name: string
  readonly label: string
}

export interface PicklistDefinition {
  readonly name: string
  readonly label: string
  readonly values: readonly PicklistValue[]
}

export interface ObjectDefinition {
  readonly name: string
  readonly label: string
  readonly labelPlural: string
  /** Three characters that start every record id. */
  readonly prefix: string
  /** Plural used to name the inbound relationship of a reference to a parent (`case_requests`). */
  readonly plural: string
  readonly fields: readonly FieldDefinition[]
  readonly objectTypes?: readonly PicklistValue[]
  readonly lifecycle?: LifecycleDefinition
  /** Records are numbered by the vault (`CASE-000001`) when `name__v` is omitted. */
  readonly numbering?: { readonly format: string }
  /** Values of `status__v` (default: active__v, inactive__v). */
  readonly statusPicklist?: string
  /** Makes `name__v` unique. */
  readonly uniqueName?: boolean
}

/** Security profiles (`user__sys.security_profile__sys`). */
export const SECURITY_PROFILES = [
  'admin__sys',
  'integration_user__sys',
  'rep__v',
  'medical_information_agent__v',
  'content_manager__v',
  'read_only__v',
] as const
export type SecurityProfile = (typeof SECURITY_PROFILES)[number]

/** What a security profile may do with an object's records. Lifecycle actions need `edit`. */
export const OBJECT_ACCESS = ['read', 'create', 'edit', 'delete'] as const
export type ObjectAccess = (typeof OBJECT_ACCESS)[number]

/**
 * Grants per object beyond the defaults: admins may do everything, every other profile may read
 * every object but `user__sys` credentials (which no API returns).
 */
export type PermissionTable = Readonly<
  Record<string, Partial<Record<SecurityProfile, readonly ObjectAccess[]>>>
>

/**
 * Document state types (Vault's names): a new version starts in the starting state; reaching a
 * steady state makes the version the next major one; the previous steady version becomes superseded.
 */
export const DOCUMENT_STATE_TYPES = [
  'starting_state__sys',
  'steady_state__sys',
  'superseded_state__sys',
  'obsolete_state__sys',
] as const
export type DocumentStateType = (typeof DOCUMENT_STATE_TYPES)[number]

export interface DocumentLifecycleStateDefinition {
  readonly name: string
  readonly label: string
  /** States without a type (in review, staged) are neither starting nor steady. */
  readonly stateType?: DocumentStateType
}

export interface DocumentLifecycleDefinition {
  readonly name: string
  readonly label: string
  readonly states: readonly DocumentLifecycleStateDefinition[]
  readonly actions: readonly LifecycleActionDefinition[]
}

/** A document type: its fields (beyond the standard ones) and the lifecycles it may use. */
export interface DocumentTypeDefinition {
  readonly name: string
  readonly label: string
  readonly fields: readonly FieldDefinition[]
  readonly lifecycles: readonly string[]
  /** Documents of this type may be CrossLinks (`source_vault_id__v` + `source_document_id__v`). */
  readonly crosslink?: boolean
}

/** One kind of vault: its objects, picklists, document types and who may write what. */
export interface ProfileDefinition {
  readonly name: string
  readonly label: string
  readonly objects: readonly ObjectDefinition[]
  readonly picklists: readonly PicklistDefinition[]
  readonly permissions: PermissionTable
  readonly documentTypes?: readonly DocumentTypeDefinition[]
  readonly documentLifecycles?: readonly DocumentLifecycleDefinition[]
}

export interface RelationshipMetadata {
  readonly relationship_name: string
  readonly relationship_type: 'reference_outbound' | 'reference_inbound'
  readonly object: string
  readonly field: string
}

// Longer than ~500 lines on purpose: it is declarative data (the platform objects, their fields and
// picklists as Vault defines them), one definition after another; the few functions at its end only
// assemble that data into a profile.
import { countryCdaValueOf, ISO_COUNTRIES } from './iso-countries.js'
import {
  type ObjectAccess,
  type ObjectDefinition,
  type PermissionTable,
  type PicklistDefinition,
  type ProfileDefinition,
  SECURITY_PROFILES,
  type SecurityProfile,
} from './types.js'

/**
 * The objects every vault has, whatever its profile (spec/data-model.md, "Platform objects"):
 * users, the connection and its integrations, integration rules, user exception messages, and
 * document type groups. Prefixes start with `V0`; app objects use other prefixes.
 */

/** Length of a public key or connection token field (PEM or base64 text). */
const KEY_MAX_LENGTH = 4000
/** Length of an API name or a Vault object / field name. */
const API_NAME_MAX_LENGTH = 128

/** The medical document types (spec/data-model.md, "Medical document types"). */
export const MEDICAL_DOCUMENT_TYPES = [
  ['medical_response__v', 'Medical Response'],
  ['multichannel_presentation__v', 'Multichannel Presentation'],
  ['multichannel_slide__v', 'Multichannel Slide'],
  ['email_template__v', 'Email Template'],
  ['email_fragment__v', 'Email Fragment'],
  ['template_fragment__v', 'Template Fragment'],
  ['reference_document__v', 'Reference Document'],
] as const

const ACTIVE_INACTIVE = [
  { name: 'active__v', label: 'Active' },
  { name: 'inactive__v', label: 'Inactive' },
] as const

const SECURITY_PROFILE_LABELS: Record<SecurityProfile, string> = {
  admin__sys: 'System Administrator',
  integration_user__sys: 'Integration User',
  rep__v: 'Sales Representative',
  medical_information_agent__v: 'Medical Information Agent',
  content_manager__v: 'Content Manager',
  read_only__v: 'Read Only',
}

export const PLATFORM_PICKLISTS: readonly PicklistDefinition[] = freezeDeep([
  { name: 'status__v', label: 'Status', values: ACTIVE_INACTIVE },
  {
    name: 'country_cda__v',
    label: 'Country',
    values: ISO_COUNTRIES.map((c) => ({ name: countryCdaValueOf(c.code), label: c.name })),
  },
  {
    name: 'security_profile__sys',
    label: 'Security Profile',
    values: SECURITY_PROFILES.map((name) => ({ name, label: SECURITY_PROFILE_LABELS[name] })),
  },
  {
    name: 'locale__sys',
    label: 'Locale',
    values: [
      { name: 'en_us__sys', label: 'English (United States)' },
      { name: 'en_gb__sys', label: 'English (United Kingdom)' },
      { name: 'en_ca__sys', label: 'English (Canada)' },
      { name: 'fr_ca__sys', label: 'French (Canada)' },
      { name: 'es_mx__sys', label: 'Spanish (Mexico)' },
      { name: 'de_de__sys', label: 'German (Germany)' },
      { name: 'fr_fr__sys', label: 'French (France)' },
      { name: 'es_es__sys', label: 'Spanish (Spain)' },
      { name: 'it_it__sys', label: 'Italian (Italy)' },
      { name: 'ja_jp__sys', label: 'Japanese (Japan)' },
      { name: 'pt_br__sys', label: 'Portuguese (Brazil)' },
    ],
  },
  {
    name: 'connection_status__sys',
    label: 'Connection Status',
    values: [
      { name: 'pending__sys', label: 'Pending' },
      { name: 'active__v', label: 'Active' },
      { name: 'inactive__v', label: 'Inactive' },
    ],
  },
  {
    name: 'connection_type__sys',
    label: 'Connection Type',
    values: [{ name: 'vault_to_vault__sys', label: 'Vault to Vault' }],
  },
  {
    name: 'environment__sys',
    label: 'Environment',
    values: [
      { name: 'production__sys', label: 'Production' },
      { name: 'sandbox__sys', label: 'Sandbox' },
    ],
  },
  {
    name: 'direction__sys',
    label: 'Direction',
    values: [
      { name: 'inbound__sys', label: 'Inbound' },
      { name: 'outbound__sys', label: 'Outbound' },
    ],
  },
  {
    name: 'error_status__sys',
    label: 'Error Status',
    values: [
      { name: 'failure__sys', label: 'Failure' },
      { name: 'success__sys', label: 'Success (after reprocessing)' },
    ],
  },
  {
    name: 'medical_document_type__v',
    label: 'Document Type',
    values: MEDICAL_DOCUMENT_TYPES.map(([name, label]) => ({ name, label })),
  },
  // The shared document field crm_slide_update_method__v (B18): how a new slide version reaches CRM.
  {
    name: 'crm_slide_update_method__v',
    label: 'CRM Slide Update Method',
    values: [
      { name: 'update_in_place__v', label: 'Update existing slides' },
      { name: 'new_key_message__v', label: 'Create new slides' },
    ],
  },
])

export const PLATFORM_OBJECTS: readonly ObjectDefinition[] = freezeDeep([
  {
    name: 'user__sys',
    label: 'User',
    labelPlural: 'Users',
    prefix: 'V0U',
    plural: 'users',
    fields: [
      {
        name: 'username__sys',
        label: 'User Name',
        type: 'String',
        required: true,
        unique: true,
        indexed: true,
        maxLength: 255,
      },
      { name: 'email__sys', label: 'Email', type: 'String', maxLength: 255, indexed: true },
      { name: 'first_name__sys', label: 'First Name', type: 'String', maxLength: 128 },
      { name: 'last_name__sys', label: 'Last Name', type: 'String', maxLength: 128 },
      {
        name: 'security_profile__sys',
        label: 'Security Profile',
        type: 'Picklist',
        picklist: 'security_profile__sys',
        required: true,
      },
      { name: 'locale__sys', label: 'Locale', type: 'Picklist', picklist: 'locale__sys' },
      { name: 'timezone__sys', label: 'Time Zone', type: 'String', maxLength: 64 },
    ],
  },
  {
    name: 'connection__sys',
    label: 'Connection',
    labelPlural: 'Connections',
    prefix: 'V0C',
    plural: 'connections',
    statusPicklist: 'connection_status__sys',
    fields: [
      {
        name: 'api_name__sys',
        label: 'API Name',
        type: 'String',
        required: true,
        unique: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'connection_type__sys',
        label: 'Connection Type',
        type: 'Picklist',
        picklist: 'connection_type__sys',
        required: true,
      },
      { name: 'description__sys', label: 'Description', type: 'LongText', maxLength: 2000 },
      {
        name: 'remote_vault_id__sys',
        label: 'Remote Vault ID',
        type: 'String',
        maxLength: 64,
        indexed: true,
      },
      { name: 'remote_vault_url__sys', label: 'Remote Vault URL', type: 'String', maxLength: 1500 },
      { name: 'remote_vault_name__sys', label: 'Remote Vault Name', type: 'String', maxLength: 128 },
      {
        name: 'remote_environment__sys',
        label: 'Remote Environment',
        type: 'Picklist',
        picklist: 'environment__sys',
      },
      {
        name: 'authorized_connection_user__sys',
        label: 'Authorized Connection User',
        type: 'Object',
        object: 'user__sys',
      },
      {
        name: 'remote_connection_user__sys',
        label: 'Remote Connection User',
        type: 'String',
        maxLength: 255,
      },
      {
        name: 'local_public_key__sys',
        label: 'Local Public Key',
        type: 'LongText',
        maxLength: KEY_MAX_LENGTH,
      },
      {
        name: 'remote_public_key__sys',
        label: 'Remote Public Key',
        type: 'LongText',
        maxLength: KEY_MAX_LENGTH,
      },
      { name: 'remote_key_id__sys', label: 'Remote Key ID', type: 'String', maxLength: 128 },
      {
        name: 'connection_token_hash__sys',
        label: 'Connection Token Hash',
        type: 'String',
        maxLength: 128,
        indexed: true,
      },
      { name: 'established_date__sys', label: 'Established Date', type: 'DateTime' },
    ],
  },
  {
    name: 'integration__sys',
    label: 'Integration',
    labelPlural: 'Integrations',
    prefix: 'V0I',
    plural: 'integrations',
    fields: [
      {
        name: 'integration_api_name__sys',
        label: 'Integration API Name',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'connection__sys',
        label: 'Connection',
        type: 'Object',
        object: 'connection__sys',
        required: true,
      },
      { name: 'description__sys', label: 'Description', type: 'LongText', maxLength: 2000 },
    ],
  },
  {
    name: 'integration_point__sys',
    label: 'Integration Point',
    labelPlural: 'Integration Points',
    prefix: 'V0P',
    plural: 'integration_points',
    fields: [
      {
        name: 'integration_point_api_name__sys',
        label: 'Integration Point API Name',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'integration__sys',
        label: 'Integration',
        type: 'Object',
        object: 'integration__sys',
        required: true,
      },
      { name: 'connection__sys', label: 'Connection', type: 'Object', object: 'connection__sys' },
      {
        name: 'direction__sys',
        label: 'Direction',
        type: 'Picklist',
        picklist: 'direction__sys',
        required: true,
      },
      { name: 'last_successful_run_time__sys', label: 'Last Successful Run Time', type: 'DateTime' },
      { name: 'description__sys', label: 'Description', type: 'LongText', maxLength: 2000 },
    ],
  },
  {
    name: 'integration_rule__sys',
    label: 'Integration Rule',
    labelPlural: 'Integration Rules',
    prefix: 'V0R',
    plural: 'integration_rules',
    fields: [
      {
        name: 'integration_rule_api_name__sys',
        label: 'Integration Rule API Name',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'connection__sys',
        label: 'Connection',
        type: 'Object',
        object: 'connection__sys',
        required: true,
      },
      {
        name: 'integration_point__sys',
        label: 'Integration Point',
        type: 'Object',
        object: 'integration_point__sys',
      },
      {
        name: 'primary_query_object__sys',
        label: 'Primary Query Object',
        type: 'String',
        maxLength: API_NAME_MAX_LENGTH,
      },
      { name: 'description__sys', label: 'Description', type: 'LongText', maxLength: 2000 },
    ],
  },
  {
    name: 'field_rule__sys',
    label: 'Field Rule',
    labelPlural: 'Field Rules',
    prefix: 'V0F',
    plural: 'field_rules',
    fields: [
      {
        name: 'integration_rule__sys',
        label: 'Integration Rule',
        type: 'Object',
        object: 'integration_rule__sys',
        required: true,
      },
      {
        name: 'target_object__sys',
        label: 'Target Object',
        type: 'String',
        required: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'target_object_field__sys',
        label: 'Target Object Field',
        type: 'String',
        required: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      { name: 'query_object__sys', label: 'Query Object', type: 'String', maxLength: API_NAME_MAX_LENGTH },
      /** A field of the query object or a lookup through its relationships (`account__vr.first_name__v`). */
      { name: 'query_field__sys', label: 'Query Field', type: 'String', maxLength: 255 },
      { name: 'field_default__sys', label: 'Field Default', type: 'String', maxLength: 1500 },
      /** Names a `reference_lookup_type__sys`: the set of `reference_lookup__sys` records to map through. */
      {
        name: 'reference_lookup__sys',
        label: 'Reference Lookup',
        type: 'String',
        maxLength: API_NAME_MAX_LENGTH,
      },
    ],
  },
  {
    name: 'reference_lookup__sys',
    label: 'Reference Lookup',
    labelPlural: 'Reference Lookups',
    prefix: 'V0L',
    plural: 'reference_lookups',
    numbering: { format: 'RL-{000000}' },
    fields: [
      {
        name: 'reference_lookup_type__sys',
        label: 'Reference Lookup Type',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      /** Empty: the lookup applies to every connection. */
      { name: 'connection__sys', label: 'Connection', type: 'Object', object: 'connection__sys' },
      {
        name: 'source_key__sys',
        label: 'Source Key',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: 255,
      },
      { name: 'target_key__sys', label: 'Target Key', type: 'String', required: true, maxLength: 255 },
    ],
  },
  {
    name: 'query_object_rule__sys',
    label: 'Query Object Rule',
    labelPlural: 'Query Object Rules',
    prefix: 'V0Q',
    plural: 'query_object_rules',
    fields: [
      {
        name: 'integration_rule__sys',
        label: 'Integration Rule',
        type: 'Object',
        object: 'integration_rule__sys',
        required: true,
      },
      {
        name: 'query_object__sys',
        label: 'Query Object',
        type: 'String',
        required: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      { name: 'filter_clause__sys', label: 'Filter Clause', type: 'String', required: true, maxLength: 1500 },
    ],
  },
  {
    name: 'exception_message__sys',
    label: 'User Exception Message',
    labelPlural: 'User Exception Messages',
    prefix: 'V0E',
    plural: 'exception_messages',
    numbering: { format: 'UEM-{000000}' },
    lifecycle: {
      name: 'exception_message_lifecycle__sys',
      label: 'User Exception Message Lifecycle',
      states: [
        { name: 'open__sys', label: 'Open', stateType: 'initial_state__sys' },
        { name: 'reprocessing__sys', label: 'Reprocessing', stateType: 'in_progress_state__sys' },
        { name: 'resolved__sys', label: 'Resolved', stateType: 'complete_state__sys' },
      ],
      actions: [
        { name: 'reprocess__sys', label: 'Reprocess', from: ['open__sys'], to: 'reprocessing__sys' },
        {
          name: 'resolve__sys',
          label: 'Resolve',
          from: ['open__sys', 'reprocessing__sys'],
          to: 'resolved__sys',
        },
        {
          name: 'reopen__sys',
          label: 'Reopen',
          from: ['reprocessing__sys', 'resolved__sys'],
          to: 'open__sys',
        },
      ],
    },
    fields: [
      { name: 'integration__sys', label: 'Integration', type: 'Object', object: 'integration__sys' },
      {
        name: 'integration_point__sys',
        label: 'Integration Point',
        type: 'Object',
        object: 'integration_point__sys',
      },
      { name: 'connection__sys', label: 'Connection', type: 'Object', object: 'connection__sys' },
      /** The Liaison error code (`FIELD_REQUIRED`) or Vault error type. */
      { name: 'error_type__sys', label: 'Error Type', type: 'String', maxLength: 64, indexed: true },
      { name: 'error_message__sys', label: 'Error Message', type: 'String', maxLength: 1500 },
      { name: 'message_id__sys', label: 'Message ID', type: 'String', maxLength: 64, indexed: true },
      { name: 'message_body_json__sys', label: 'Message Body (JSON)', type: 'LongText' },
      { name: 'message_items_received__sys', label: 'Message Items Received', type: 'Number', scale: 0 },
      { name: 'message_items_failed__sys', label: 'Message Items Failed', type: 'Number', scale: 0 },
      { name: 'reprocess_count__sys', label: 'Times Reprocessed', type: 'Number', scale: 0 },
      { name: 'last_reprocessed_date__sys', label: 'Last Reprocessed', type: 'DateTime' },
    ],
  },
  {
    name: 'exception_item__sys',
    label: 'User Exception Item',
    labelPlural: 'User Exception Items',
    prefix: 'V0X',
    plural: 'exception_items',
    numbering: { format: 'UEI-{000000}' },
    fields: [
      {
        name: 'exception_message__sys',
        label: 'User Exception Message',
        type: 'Object',
        object: 'exception_message__sys',
        required: true,
      },
      /** The source record's id. */
      {
        name: 'item_key__sys',
        label: 'Item Key',
        type: 'String',
        required: true,
        indexed: true,
        maxLength: 100,
      },
      { name: 'error_status__sys', label: 'Error Status', type: 'Picklist', picklist: 'error_status__sys' },
      { name: 'error_type__sys', label: 'Error Type', type: 'String', maxLength: 64 },
      { name: 'error_message__sys', label: 'Error Message', type: 'String', maxLength: 1500 },
    ],
  },
  {
    name: 'document_type_group__v',
    label: 'Document Type Group',
    labelPlural: 'Document Type Groups',
    prefix: 'V0G',
    plural: 'document_type_groups',
    fields: [
      {
        name: 'api_name__v',
        label: 'API Name',
        type: 'String',
        required: true,
        unique: true,
        indexed: true,
        maxLength: API_NAME_MAX_LENGTH,
      },
      {
        name: 'document_types__v',
        label: 'Document Types',
        type: 'Picklist',
        picklist: 'medical_document_type__v',
        multiValue: true,
      },
      { name: 'description__v', label: 'Description', type: 'LongText', maxLength: 2000 },
    ],
  },
])

const CREATE_EDIT: readonly ObjectAccess[] = ['read', 'create', 'edit']
const EDIT: readonly ObjectAccess[] = ['read', 'edit']

export const PLATFORM_PERMISSIONS: PermissionTable = freezeDeep({
  // No grant on connection__sys: the handshake writes it as the vault itself, and an integration
  // user that could edit it could point its own connection at an admin (finding 1).
  // B12: watermarks move as batches are applied.
  integration_point__sys: { integration_user__sys: EDIT },
  // B11: the side that fails records the exception.
  exception_message__sys: { integration_user__sys: CREATE_EDIT },
  exception_item__sys: { integration_user__sys: CREATE_EDIT },
})

/** Freezes a definition tree (definitions are acyclic) so no caller can change shared metadata. */
function freezeDeep<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) freezeDeep(child)
    Object.freeze(value)
  }
  return value
}

function mergePermissions(tables: readonly PermissionTable[]): PermissionTable {
  const merged: Record<string, Partial<Record<SecurityProfile, ObjectAccess[]>>> = {}
  for (const table of tables)
    for (const [objectName, grants] of Object.entries(table)) {
      const target = merged[objectName] ?? {}
      merged[objectName] = target
      for (const profile of SECURITY_PROFILES) {
        const access = grants[profile]
        if (access === undefined) continue
        target[profile] = [...new Set([...(target[profile] ?? []), ...access])]
      }
    }
  return merged
}

/**
 * Builds a profile from the platform objects, picklists and permissions plus an app's own, and
 * freezes the result deeply.
 */
export function createProfile(app: ProfileDefinition): ProfileDefinition {
  return freezeDeep({
    name: app.name,
    label: app.label,
    objects: [...PLATFORM_OBJECTS, ...app.objects],
    picklists: [...PLATFORM_PICKLISTS, ...app.picklists],
    permissions: mergePermissions([PLATFORM_PERMISSIONS, app.permissions]),
    ...(app.documentTypes === undefined ? {} : { documentTypes: app.documentTypes }),
    ...(app.documentLifecycles === undefined ? {} : { documentLifecycles: app.documentLifecycles }),
  })
}

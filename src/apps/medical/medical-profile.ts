import type {
  FieldDefinition,
  LifecycleDefinition,
  ObjectDefinition,
  PicklistDefinition,
  ProfileDefinition,
} from '../../platform/metadata/index.js'
import {
  ADDRESS_FIELDS,
  CLM_METRIC_FIELDS,
  CREATE_EDIT,
  CREATE_EDIT_DELETE,
  createProfile,
  LINK_MAX_LENGTH,
  NOTES_MAX_LENGTH,
  TEXT_SHORT_MAX_LENGTH,
  writtenByConnection,
} from '../../platform/metadata/index.js'
import { MEDICAL_DOCUMENT_LIFECYCLES, MEDICAL_DOCUMENT_TYPE_DEFINITIONS } from './medical-documents.js'

/**
 * The Medical Vault (MedInquiry) profile: countries, products, case contacts, cases and case
 * requests, and the CLM content metrics received from CRMs (spec/data-model.md, "Medical Vault").
 */

/**
 * Fields that say where a record came from in a CRM (B14: match by crm_org__v + crm_id__v or
 * link__v). Only the connection writes them: an agent pointing a case request at another CRM's
 * inquiry would send that CRM a foreign case (finding 2).
 */
const CRM_SOURCE_FIELDS: readonly FieldDefinition[] = writtenByConnection([
  { name: 'crm_org__v', label: 'CRM Org', type: 'String', maxLength: TEXT_SHORT_MAX_LENGTH, indexed: true },
  { name: 'crm_id__v', label: 'CRM ID', type: 'String', maxLength: 64, indexed: true },
  { name: 'link__v', label: 'Link', type: 'String', maxLength: TEXT_SHORT_MAX_LENGTH, indexed: true },
])

/** The connection a record came through: the record scope of that connection's signed reads. */
const CONNECTION_FIELD: FieldDefinition = {
  name: 'connection__sys',
  label: 'Connection',
  type: 'Object',
  object: 'connection__sys',
  editableBy: 'connection',
}

function caseLifecycle(name: string, label: string): LifecycleDefinition {
  return {
    name,
    label,
    states: [
      { name: 'new_state__v', label: 'New', stateType: 'initial_state__sys' },
      { name: 'in_progress_state__v', label: 'In Progress', stateType: 'in_progress_state__sys' },
      { name: 'closed_state__v', label: 'Closed', stateType: 'complete_state__sys' },
      { name: 'cancelled_state__v', label: 'Cancelled', stateType: 'cancelled_state__sys' },
    ],
    actions: [
      { name: 'start__v', label: 'Start', from: ['new_state__v'], to: 'in_progress_state__v' },
      { name: 'close__v', label: 'Close', from: ['in_progress_state__v'], to: 'closed_state__v' },
      {
        name: 'cancel__v',
        label: 'Cancel',
        from: ['new_state__v', 'in_progress_state__v'],
        to: 'cancelled_state__v',
      },
      { name: 'reopen__v', label: 'Reopen', from: ['closed_state__v'], to: 'in_progress_state__v' },
    ],
  }
}

const MEDICAL_PICKLISTS: readonly PicklistDefinition[] = [
  {
    name: 'channel__v',
    label: 'Channel',
    values: [
      { name: 'crm__v', label: 'CRM' },
      { name: 'phone__v', label: 'Phone' },
      { name: 'email__v', label: 'Email' },
      { name: 'fax__v', label: 'Fax' },
      { name: 'mail__v', label: 'Mail' },
      { name: 'web__v', label: 'Web Form' },
      { name: 'in_person__v', label: 'In Person' },
    ],
  },
  {
    name: 'origin__v',
    label: 'Origin',
    values: [
      { name: 'crm__v', label: 'CRM' },
      { name: 'call_center__v', label: 'Call Center' },
      { name: 'email__v', label: 'Email' },
      { name: 'web__v', label: 'Web Form' },
      { name: 'congress__v', label: 'Congress' },
    ],
  },
  {
    name: 'person_information_type__v',
    label: 'Person Information Type',
    values: [
      { name: 'address__v', label: 'Address' },
      { name: 'email__v', label: 'Email' },
      { name: 'phone__v', label: 'Phone' },
      { name: 'fax__v', label: 'Fax' },
    ],
  },
  {
    name: 'data_source__v',
    label: 'Data Source',
    values: [
      { name: 'account__v', label: 'CRM Account' },
      { name: 'inquiry__v', label: 'CRM Medical Inquiry' },
    ],
  },
  {
    name: 'case_priority__v',
    label: 'Case Priority',
    values: [
      { name: 'high__v', label: 'High' },
      { name: 'medium__v', label: 'Medium' },
      { name: 'low__v', label: 'Low' },
    ],
  },
]

const MEDICAL_OBJECTS: readonly ObjectDefinition[] = [
  {
    name: 'country__v',
    label: 'Country',
    labelPlural: 'Countries',
    prefix: '0CY',
    plural: 'countries',
    fields: [
      {
        name: 'abbreviation__v',
        label: 'Abbreviation',
        type: 'String',
        required: true,
        unique: true,
        indexed: true,
        maxLength: 16,
      },
      // B15: the CRM codes matched to this record; Global holds every code in use.
      {
        name: 'country_cda__v',
        label: 'CRM Country Codes',
        type: 'Picklist',
        picklist: 'country_cda__v',
        multiValue: true,
      },
    ],
  },
  {
    name: 'connection_country__v',
    label: 'Connection Country',
    labelPlural: 'Connection Countries',
    prefix: '0CN',
    plural: 'connection_countries',
    numbering: { format: 'CNC-{000000}' },
    fields: [
      { ...CONNECTION_FIELD, required: true },
      { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v', required: true },
    ],
  },
  {
    name: 'product__v',
    label: 'Product',
    labelPlural: 'Products',
    prefix: '0PR',
    plural: 'products',
    fields: [
      { name: 'generic_name__v', label: 'Generic Name', type: 'String', maxLength: 255 },
      { name: 'therapeutic_area__v', label: 'Therapeutic Area', type: 'String', maxLength: 128 },
    ],
  },
  {
    name: 'case_contact__v',
    label: 'Case Contact',
    labelPlural: 'Case Contacts',
    prefix: '0CT',
    plural: 'case_contacts',
    fields: [
      { name: 'first_name__v', label: 'First Name', type: 'String', maxLength: 128 },
      { name: 'last_name__v', label: 'Last Name', type: 'String', maxLength: 128 },
      { name: 'credentials__v', label: 'Credentials', type: 'String', maxLength: 64 },
      { name: 'specialty__v', label: 'Specialty', type: 'String', maxLength: 128 },
      { name: 'institution__v', label: 'Institution', type: 'String', maxLength: 255 },
      { name: 'veeva_id__v', label: 'Veeva ID', type: 'String', maxLength: 64, indexed: true },
      ...CRM_SOURCE_FIELDS,
      { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v' },
    ],
  },
  {
    name: 'case_contact_source_data__v',
    label: 'Case Contact Source Data',
    labelPlural: 'Case Contact Source Data',
    prefix: '0CD',
    plural: 'case_contact_source_data',
    numbering: { format: 'CSD-{000000}' },
    fields: [
      {
        name: 'case_contact__v',
        label: 'Case Contact',
        type: 'Object',
        object: 'case_contact__v',
        required: true,
      },
      CONNECTION_FIELD,
      {
        name: 'crm_org__v',
        label: 'CRM Org',
        type: 'String',
        maxLength: TEXT_SHORT_MAX_LENGTH,
        indexed: true,
      },
      { name: 'crm_id__v', label: 'CRM ID', type: 'String', maxLength: 64, indexed: true },
      {
        name: 'data_source__v',
        label: 'Data Source',
        type: 'Picklist',
        picklist: 'data_source__v',
        required: true,
      },
      { name: 'source_payload__v', label: 'Source Payload (JSON)', type: 'LongText' },
      { name: 'received_date__v', label: 'Received Date', type: 'DateTime' },
    ],
  },
  {
    name: 'person_information__v',
    label: 'Person Information',
    labelPlural: 'Person Information',
    prefix: '0PI',
    plural: 'person_information',
    numbering: { format: 'PI-{000000}' },
    fields: [
      {
        name: 'case_contact__v',
        label: 'Case Contact',
        type: 'Object',
        object: 'case_contact__v',
        required: true,
      },
      {
        name: 'type__v',
        label: 'Type',
        type: 'Picklist',
        picklist: 'person_information_type__v',
        required: true,
      },
      ...ADDRESS_FIELDS,
      { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v' },
      { name: 'email__v', label: 'Email', type: 'String', maxLength: 255, indexed: true },
      { name: 'phone__v', label: 'Phone', type: 'String', maxLength: 64 },
      { name: 'fax__v', label: 'Fax', type: 'String', maxLength: 64 },
      { name: 'primary__v', label: 'Primary', type: 'Boolean' },
    ],
  },
  {
    name: 'case__v',
    label: 'Case',
    labelPlural: 'Cases',
    prefix: '0CS',
    plural: 'cases',
    numbering: { format: 'CASE-{000000}' },
    lifecycle: caseLifecycle('case_lifecycle__v', 'Case Lifecycle'),
    fields: [
      { name: 'case_contact__v', label: 'Case Contact', type: 'Object', object: 'case_contact__v' },
      {
        name: 'preferred_contact_information__v',
        label: 'Preferred Contact Information',
        type: 'Object',
        object: 'person_information__v',
      },
      { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v' },
      { name: 'channel__v', label: 'Channel', type: 'Picklist', picklist: 'channel__v' },
      { name: 'priority__v', label: 'Priority', type: 'Picklist', picklist: 'case_priority__v' },
      ...CRM_SOURCE_FIELDS,
      CONNECTION_FIELD,
      { name: 'received_date__v', label: 'Received Date', type: 'DateTime' },
      { name: 'closed_date__v', label: 'Closed Date', type: 'DateTime' },
      { name: 'response_notes__v', label: 'Response Notes', type: 'LongText', maxLength: NOTES_MAX_LENGTH },
      { name: 'response_package__v', label: 'Response Package', type: 'Document' },
    ],
  },
  {
    name: 'case_request__v',
    label: 'Case Request',
    labelPlural: 'Case Requests',
    prefix: '0CR',
    plural: 'case_requests',
    numbering: { format: 'CR-{000000}' },
    lifecycle: caseLifecycle('case_request_lifecycle__v', 'Case Request Lifecycle'),
    fields: [
      { name: 'case__v', label: 'Case', type: 'Object', object: 'case__v', required: true },
      { name: 'question__v', label: 'Question', type: 'LongText', maxLength: NOTES_MAX_LENGTH },
      { name: 'product__v', label: 'Product', type: 'Object', object: 'product__v' },
      { name: 'origin__v', label: 'Origin', type: 'Picklist', picklist: 'origin__v' },
      ...CRM_SOURCE_FIELDS,
      CONNECTION_FIELD,
      { name: 'response_notes__v', label: 'Response Notes', type: 'LongText', maxLength: NOTES_MAX_LENGTH },
      {
        name: 'response_package_link__v',
        label: 'Response Package Link',
        type: 'String',
        maxLength: LINK_MAX_LENGTH,
      },
      { name: 'closed_date__v', label: 'Closed Date', type: 'DateTime' },
    ],
  },
  {
    name: 'clm_content_metrics__v',
    label: 'CLM Content Metrics',
    labelPlural: 'CLM Content Metrics',
    prefix: '0CM',
    plural: 'clm_content_metrics',
    numbering: { format: 'CCM-{000000}' },
    objectTypes: [
      { name: 'pres_level_metrics__v', label: 'Presentation Level Metrics' },
      { name: 'slide_level_metrics__v', label: 'Slide Level Metrics' },
    ],
    fields: [
      // The Medical document: a multichannel presentation binder or slide.
      { name: 'document__v', label: 'Document', type: 'Document' },
      CONNECTION_FIELD,
      ...CRM_SOURCE_FIELDS,
      // Empty: the statistics cover all countries.
      { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v' },
      ...CLM_METRIC_FIELDS,
    ],
  },
]

const MEDICAL_PERMISSIONS = {
  case__v: { medical_information_agent__v: CREATE_EDIT, integration_user__sys: CREATE_EDIT },
  case_request__v: { medical_information_agent__v: CREATE_EDIT, integration_user__sys: CREATE_EDIT },
  case_contact__v: { medical_information_agent__v: CREATE_EDIT, integration_user__sys: CREATE_EDIT },
  person_information__v: { medical_information_agent__v: CREATE_EDIT, integration_user__sys: CREATE_EDIT },
  case_contact_source_data__v: {
    medical_information_agent__v: CREATE_EDIT,
    integration_user__sys: CREATE_EDIT,
  },
  product__v: { content_manager__v: CREATE_EDIT },
  // B15: the connection fills country_cda__v from the CRMs' filters.
  country__v: { content_manager__v: CREATE_EDIT, integration_user__sys: CREATE_EDIT },
  // B15: removed countries stop receiving content, so the connection deletes their records.
  connection_country__v: { integration_user__sys: CREATE_EDIT_DELETE },
  document_type_group__v: { content_manager__v: CREATE_EDIT },
  clm_content_metrics__v: { integration_user__sys: CREATE_EDIT },
  /** Documents (platform/documents): content managers publish them. */
  documents: { content_manager__v: CREATE_EDIT_DELETE, integration_user__sys: CREATE_EDIT },
} as const

/** The Medical Vault profile: the platform objects plus MedInquiry's. */
export const medicalProfile: ProfileDefinition = createProfile({
  name: 'medical',
  label: 'Medical Vault',
  objects: MEDICAL_OBJECTS,
  picklists: MEDICAL_PICKLISTS,
  permissions: MEDICAL_PERMISSIONS,
  documentTypes: MEDICAL_DOCUMENT_TYPE_DEFINITIONS,
  documentLifecycles: MEDICAL_DOCUMENT_LIFECYCLES,
})

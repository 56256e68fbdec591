import type {
  FieldDefinition,
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
  READ_EDIT,
  TEXT_SHORT_MAX_LENGTH,
  writtenByConnection,
} from '../../platform/metadata/index.js'
import { CRM_DOCUMENT_LIFECYCLES, CRM_DOCUMENT_TYPE_DEFINITIONS } from './crm-documents.js'

/**
 * The Vault CRM profile: accounts and addresses, medical inquiries, products, connection settings,
 * CLM content and call tracking, and Approved Email documents (spec/data-model.md, "Vault CRM").
 */

const COUNTRY_FIELD: FieldDefinition = {
  name: 'country__v',
  label: 'Country',
  type: 'Picklist',
  picklist: 'country_cda__v',
  indexed: true,
}

/** The Medical record or document a published record was copied from (its `global_id__sys`). */
const LINK_FIELD: FieldDefinition = {
  name: 'link__v',
  label: 'Link',
  type: 'String',
  maxLength: TEXT_SHORT_MAX_LENGTH,
  indexed: true,
}

const CROSSLINK_FIELD: FieldDefinition = {
  name: 'crosslink_document__v',
  label: 'CrossLink Document',
  type: 'Document',
}

const PRODUCT_FIELD: FieldDefinition = {
  name: 'product__v',
  label: 'Product',
  type: 'Object',
  object: 'product__v',
}

const CRM_PICKLISTS: readonly PicklistDefinition[] = [
  {
    name: 'account_type__v',
    label: 'Account Type',
    values: [
      { name: 'professional__v', label: 'Professional' },
      { name: 'institution__v', label: 'Institution' },
    ],
  },
  {
    name: 'delivery_method__v',
    label: 'Delivery Method',
    values: [
      { name: 'mail__v', label: 'Mail' },
      { name: 'email__v', label: 'Email' },
      { name: 'phone__v', label: 'Phone' },
      { name: 'fax__v', label: 'Fax' },
    ],
  },
  {
    name: 'transfer_status__v',
    label: 'Transfer Status',
    values: [
      { name: 'pending__v', label: 'Pending' },
      { name: 'success__v', label: 'Success' },
      { name: 'failure__v', label: 'Failure' },
    ],
  },
  {
    name: 'medical_inquiry_case_status__v',
    label: 'Medical Inquiry Case Status',
    values: [
      { name: 'new__v', label: 'New' },
      { name: 'in_progress__v', label: 'In Progress' },
      { name: 'closed__v', label: 'Closed' },
      { name: 'cancelled__v', label: 'Cancelled' },
    ],
  },
  {
    name: 'clm_status__v',
    label: 'CLM Status',
    values: [
      { name: 'active__v', label: 'Active' },
      { name: 'withdrawn__v', label: 'Withdrawn' },
    ],
  },
  {
    name: 'call_status__v',
    label: 'Call Status',
    values: [
      { name: 'planned__v', label: 'Planned' },
      { name: 'saved__v', label: 'Saved' },
      { name: 'submitted__v', label: 'Submitted' },
    ],
  },
  {
    name: 'reaction__v',
    label: 'Reaction',
    values: [
      { name: 'positive__v', label: 'Positive' },
      { name: 'neutral__v', label: 'Neutral' },
      { name: 'negative__v', label: 'Negative' },
    ],
  },
  {
    name: 'multichannel_event_type__v',
    label: 'Event Type',
    values: [
      { name: 'preview__v', label: 'Preview' },
      { name: 'link_sent__v', label: 'Link Sent' },
      { name: 'link_opened__v', label: 'Link Opened' },
      { name: 'link_clicked__v', label: 'Link Clicked' },
    ],
  },
  {
    name: 'approved_document_type__v',
    label: 'Approved Document Type',
    values: [
      { name: 'email_template__v', label: 'Email Template' },
      { name: 'email_fragment__v', label: 'Email Fragment' },
      { name: 'template_fragment__v', label: 'Template Fragment' },
    ],
  },
  {
    name: 'approved_document_status__v',
    label: 'Approved Document Status',
    values: [
      { name: 'staged__v', label: 'Staged' },
      { name: 'approved__v', label: 'Approved' },
      { name: 'expired__v', label: 'Expired' },
    ],
  },
]

const CRM_OBJECTS: readonly ObjectDefinition[] = [
  {
    name: 'account__v',
    label: 'Account',
    labelPlural: 'Accounts',
    prefix: '0AC',
    plural: 'accounts',
    fields: [
      { name: 'account_type__v', label: 'Account Type', type: 'Picklist', picklist: 'account_type__v' },
      { name: 'first_name__v', label: 'First Name', type: 'String', maxLength: 128 },
      { name: 'last_name__v', label: 'Last Name', type: 'String', maxLength: 128 },
      { name: 'credentials__v', label: 'Credentials', type: 'String', maxLength: 64 },
      { name: 'specialty__v', label: 'Specialty', type: 'String', maxLength: 128 },
      { name: 'institution__v', label: 'Institution', type: 'String', maxLength: 255 },
      { name: 'veeva_id__v', label: 'Veeva ID', type: 'String', maxLength: 64, indexed: true },
      COUNTRY_FIELD,
      { name: 'email__v', label: 'Email', type: 'String', maxLength: 255 },
      { name: 'phone__v', label: 'Phone', type: 'String', maxLength: 64 },
    ],
  },
  {
    name: 'address__v',
    label: 'Address',
    labelPlural: 'Addresses',
    prefix: '0AD',
    plural: 'addresses',
    fields: [
      { name: 'account__v', label: 'Account', type: 'Object', object: 'account__v', required: true },
      ...ADDRESS_FIELDS,
      COUNTRY_FIELD,
      { name: 'phone__v', label: 'Phone', type: 'String', maxLength: 64 },
      { name: 'fax__v', label: 'Fax', type: 'String', maxLength: 64 },
      { name: 'primary__v', label: 'Primary', type: 'Boolean' },
    ],
  },
  {
    name: 'medical_inquiry__v',
    label: 'Medical Inquiry',
    labelPlural: 'Medical Inquiries',
    prefix: '0MI',
    plural: 'medical_inquiries',
    numbering: { format: 'MI-{000000}' },
    fields: [
      { name: 'account__v', label: 'Account', type: 'Object', object: 'account__v' },
      { name: 'inquiry_text__v', label: 'Inquiry Text', type: 'LongText', maxLength: NOTES_MAX_LENGTH },
      PRODUCT_FIELD,
      COUNTRY_FIELD,
      {
        name: 'delivery_method__v',
        label: 'Delivery Method',
        type: 'Picklist',
        picklist: 'delivery_method__v',
      },
      { name: 'first_name__v', label: 'First Name', type: 'String', maxLength: 128 },
      { name: 'last_name__v', label: 'Last Name', type: 'String', maxLength: 128 },
      ...ADDRESS_FIELDS,
      { name: 'email__v', label: 'Email', type: 'String', maxLength: 255 },
      { name: 'phone__v', label: 'Phone', type: 'String', maxLength: 64 },
      { name: 'fax__v', label: 'Fax', type: 'String', maxLength: 64 },
      // B5/B10/B11: empty until the rep transfers the inquiry; the connection writes the outcome and
      // the Medical answer, people only read them (a rep must not forge a case or its response).
      ...writtenByConnection([
        {
          name: 'transfer_status__v',
          label: 'Transfer Status',
          type: 'Picklist',
          picklist: 'transfer_status__v',
          indexed: true,
        },
        { name: 'transfer_error__v', label: 'Transfer Error', type: 'String', maxLength: LINK_MAX_LENGTH },
        {
          name: 'medical_inquiry_case_status__v',
          label: 'Medical Inquiry Case Status',
          type: 'Picklist',
          picklist: 'medical_inquiry_case_status__v',
        },
        { name: 'case_number__v', label: 'Case Number', type: 'String', maxLength: 64, indexed: true },
        { name: 'response_notes__v', label: 'Response Notes', type: 'LongText', maxLength: NOTES_MAX_LENGTH },
        {
          name: 'response_package_link__v',
          label: 'Response Package Link',
          type: 'String',
          maxLength: LINK_MAX_LENGTH,
        },
        { name: 'transferred_date__v', label: 'Transferred Date', type: 'DateTime' },
        { name: 'case_closed_date__v', label: 'Case Closed Date', type: 'DateTime' },
        /** The Medical Case Request's modified date last applied here: older updates are ignored (B13). */
        { name: 'case_request_modified_date__v', label: 'Case Request Last Modified', type: 'DateTime' },
      ]),
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
    name: 'connection_settings__v',
    label: 'Connection Settings',
    labelPlural: 'Connection Settings',
    prefix: '0ST',
    plural: 'connection_settings',
    objectTypes: [
      { name: 'medical_inquiry_settings__v', label: 'Medical Inquiry Settings' },
      { name: 'clm_integration_settings__v', label: 'CLM Integration Settings' },
      { name: 'approved_email_integration_settings__v', label: 'Approved Email Integration Settings' },
      { name: 'document_transfer_settings__v', label: 'Document Transfer Settings' },
    ],
    fields: [
      { name: 'connection__sys', label: 'Connection', type: 'Object', object: 'connection__sys' },
      // B15: the countries this CRM receives for the feature.
      {
        name: 'country_filter__v',
        label: 'Country Filter',
        type: 'Picklist',
        picklist: 'country_cda__v',
        multiValue: true,
      },
      // Document Transfer: the document fields copied to CrossLinks, comma-separated.
      {
        name: 'document_fields__v',
        label: 'Document Fields to Transfer',
        type: 'String',
        maxLength: LINK_MAX_LENGTH,
      },
    ],
  },
  {
    name: 'clm_presentation__v',
    label: 'CLM Presentation',
    labelPlural: 'CLM Presentations',
    prefix: '0CP',
    plural: 'clm_presentations',
    statusPicklist: 'clm_status__v',
    fields: [
      LINK_FIELD,
      CROSSLINK_FIELD,
      PRODUCT_FIELD,
      { name: 'version__v', label: 'Version', type: 'String', maxLength: 32 },
      { name: 'description__v', label: 'Description', type: 'String', maxLength: LINK_MAX_LENGTH },
    ],
  },
  {
    name: 'key_message__v',
    label: 'Key Message',
    labelPlural: 'Key Messages',
    prefix: '0KM',
    plural: 'key_messages',
    statusPicklist: 'clm_status__v',
    fields: [
      LINK_FIELD,
      CROSSLINK_FIELD,
      PRODUCT_FIELD,
      { name: 'media_file_name__v', label: 'Media File Name', type: 'String', maxLength: 255 },
      { name: 'description__v', label: 'Description', type: 'String', maxLength: LINK_MAX_LENGTH },
    ],
  },
  {
    name: 'clm_presentation_slide__v',
    label: 'CLM Presentation Slide',
    labelPlural: 'CLM Presentation Slides',
    prefix: '0PS',
    plural: 'clm_presentation_slides',
    numbering: { format: 'CPS-{000000}' },
    fields: [
      {
        name: 'clm_presentation__v',
        label: 'CLM Presentation',
        type: 'Object',
        object: 'clm_presentation__v',
        required: true,
      },
      {
        name: 'key_message__v',
        label: 'Key Message',
        type: 'Object',
        object: 'key_message__v',
        required: true,
      },
      { name: 'display_order__v', label: 'Display Order', type: 'Number', scale: 0 },
    ],
  },
  {
    name: 'call2__v',
    label: 'Call',
    labelPlural: 'Calls',
    prefix: '0CL',
    plural: 'call2s',
    numbering: { format: 'CALL-{000000}' },
    statusPicklist: 'call_status__v',
    fields: [
      { name: 'account__v', label: 'Account', type: 'Object', object: 'account__v', required: true },
      { name: 'call_date__v', label: 'Call Date', type: 'Date', indexed: true },
      COUNTRY_FIELD,
    ],
  },
  {
    name: 'call2_key_message__v',
    label: 'Call Key Message',
    labelPlural: 'Call Key Messages',
    prefix: '0CK',
    plural: 'call2_key_messages',
    numbering: { format: 'CKM-{000000}' },
    fields: [
      { name: 'call2__v', label: 'Call', type: 'Object', object: 'call2__v', required: true },
      { name: 'account__v', label: 'Account', type: 'Object', object: 'account__v' },
      { name: 'key_message__v', label: 'Key Message', type: 'Object', object: 'key_message__v' },
      {
        name: 'clm_presentation__v',
        label: 'CLM Presentation',
        type: 'Object',
        object: 'clm_presentation__v',
      },
      { name: 'display_order__v', label: 'Display Order', type: 'Number', scale: 0 },
      { name: 'duration__v', label: 'Duration (seconds)', type: 'Number', scale: 0 },
      { name: 'reaction__v', label: 'Reaction', type: 'Picklist', picklist: 'reaction__v' },
      { name: 'custom_presentation__v', label: 'Custom Presentation', type: 'Boolean' },
      COUNTRY_FIELD,
      { name: 'start_time__v', label: 'Start Time', type: 'DateTime', indexed: true },
    ],
  },
  {
    name: 'multichannel_activity_line__v',
    label: 'Multichannel Activity Line',
    labelPlural: 'Multichannel Activity Lines',
    prefix: '0MA',
    plural: 'multichannel_activity_lines',
    numbering: { format: 'MAL-{000000}' },
    fields: [
      {
        name: 'event_type__v',
        label: 'Event Type',
        type: 'Picklist',
        picklist: 'multichannel_event_type__v',
        required: true,
      },
      {
        name: 'clm_presentation__v',
        label: 'CLM Presentation',
        type: 'Object',
        object: 'clm_presentation__v',
      },
      { name: 'key_message__v', label: 'Key Message', type: 'Object', object: 'key_message__v' },
      { name: 'account__v', label: 'Account', type: 'Object', object: 'account__v' },
      COUNTRY_FIELD,
      { name: 'event_datetime__v', label: 'Event Date/Time', type: 'DateTime', indexed: true },
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
      {
        name: 'clm_presentation__v',
        label: 'CLM Presentation',
        type: 'Object',
        object: 'clm_presentation__v',
      },
      { name: 'key_message__v', label: 'Key Message', type: 'Object', object: 'key_message__v' },
      // The CrossLink of the presentation binder or slide.
      { name: 'document__v', label: 'Document', type: 'Document' },
      { name: 'connection__sys', label: 'Connection', type: 'Object', object: 'connection__sys' },
      { name: 'crm_org__v', label: 'CRM Org', type: 'String', maxLength: TEXT_SHORT_MAX_LENGTH },
      // Empty: the statistics cover all countries.
      COUNTRY_FIELD,
      ...CLM_METRIC_FIELDS,
    ],
  },
  {
    name: 'approved_document__v',
    label: 'Approved Document',
    labelPlural: 'Approved Documents',
    prefix: '0AE',
    plural: 'approved_documents',
    statusPicklist: 'approved_document_status__v',
    // B19: written only by the connection (its guard also keeps people off status__v); reps read them.
    fields: writtenByConnection([
      {
        name: 'document_type__v',
        label: 'Document Type',
        type: 'Picklist',
        picklist: 'approved_document_type__v',
        required: true,
      },
      // B19: one record per product.
      PRODUCT_FIELD,
      LINK_FIELD,
      CROSSLINK_FIELD,
      { name: 'hidden__v', label: 'Hidden', type: 'Boolean' },
      { ...COUNTRY_FIELD, multiValue: true, indexed: false },
    ]),
  },
]

const CRM_PERMISSIONS = {
  account__v: { rep__v: CREATE_EDIT },
  address__v: { rep__v: CREATE_EDIT },
  // A rep may delete a draft inquiry; B10 forbids it once transferred.
  medical_inquiry__v: { rep__v: CREATE_EDIT_DELETE, integration_user__sys: READ_EDIT },
  call2__v: { rep__v: CREATE_EDIT },
  call2_key_message__v: { rep__v: CREATE_EDIT },
  multichannel_activity_line__v: { rep__v: CREATE_EDIT },
  clm_presentation__v: { integration_user__sys: CREATE_EDIT },
  key_message__v: { integration_user__sys: CREATE_EDIT },
  // B18: republishing a presentation replaces its slide order.
  clm_presentation_slide__v: { integration_user__sys: CREATE_EDIT_DELETE },
  clm_content_metrics__v: { integration_user__sys: CREATE_EDIT },
  approved_document__v: { integration_user__sys: CREATE_EDIT },
  connection_settings__v: { integration_user__sys: CREATE_EDIT },
  /** Documents (platform/documents): the connection keeps CrossLinks. */
  documents: { integration_user__sys: CREATE_EDIT },
} as const

/** The Vault CRM profile: the platform objects plus the CRM's. */
export const crmProfile: ProfileDefinition = createProfile({
  name: 'crm',
  label: 'Vault CRM',
  objects: CRM_OBJECTS,
  picklists: CRM_PICKLISTS,
  permissions: CRM_PERMISSIONS,
  documentTypes: CRM_DOCUMENT_TYPE_DEFINITIONS,
  documentLifecycles: CRM_DOCUMENT_LIFECYCLES,
})

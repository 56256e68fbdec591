import type { DocumentLifecycleDefinition, FieldDefinition } from './types.js'

/** The lifecycle of medical content (spec/data-model.md, "Document lifecycle"), shared by both profiles. */
export const MEDICAL_CONTENT_LIFECYCLE: DocumentLifecycleDefinition = Object.freeze({
  name: 'medical_content_lifecycle__v',
  label: 'Medical Content',
  states: Object.freeze([
    { name: 'draft__v', label: 'Draft', stateType: 'starting_state__sys' },
    { name: 'in_review__v', label: 'In Review' },
    { name: 'staged__v', label: 'Staged' },
    { name: 'approved__v', label: 'Approved', stateType: 'steady_state__sys' },
    { name: 'superseded__v', label: 'Superseded', stateType: 'superseded_state__sys' },
    { name: 'obsolete__v', label: 'Obsolete', stateType: 'obsolete_state__sys' },
  ] as const),
  actions: Object.freeze([
    { name: 'submit_for_review__v', label: 'Submit for Review', from: ['draft__v'], to: 'in_review__v' },
    { name: 'stage__v', label: 'Stage', from: ['in_review__v'], to: 'staged__v' },
    { name: 'approve__v', label: 'Approve', from: ['in_review__v', 'staged__v'], to: 'approved__v' },
    {
      name: 'return_to_draft__v',
      label: 'Return to Draft',
      from: ['in_review__v', 'staged__v'],
      to: 'draft__v',
    },
    { name: 'make_obsolete__v', label: 'Make Obsolete', from: ['approved__v'], to: 'obsolete__v' },
  ] as const),
})

/** Fields every medical content document has (spec/data-model.md, "Shared document fields"). */
export const SHARED_DOCUMENT_FIELDS: readonly FieldDefinition[] = Object.freeze([
  { name: 'title__v', label: 'Title', type: 'String', maxLength: 1500 },
  { name: 'country__v', label: 'Country', type: 'Object', object: 'country__v', multiValue: true },
  { name: 'product__v', label: 'Product', type: 'Object', object: 'product__v', multiValue: true },
  { name: 'clm_content__v', label: 'Publish for CRM (CLM)', type: 'Boolean' },
  { name: 'crm_fax__v', label: 'Publish for CRM (Fax)', type: 'Boolean' },
  { name: 'crm_media_type__v', label: 'CRM Media Type', type: 'String' },
  { name: 'crm_hidden__v', label: 'CRM Hidden', type: 'Boolean' },
  {
    name: 'crm_slide_update_method__v',
    label: 'CRM Slide Update Method',
    type: 'Picklist',
    picklist: 'crm_slide_update_method__v',
  },
] as const)

/** Binding rules of a CrossLink to its source (spec/data-model.md, CRM CrossLink fields). */
export const SOURCE_BINDING_RULES = [
  'latest_version__v',
  'latest_steady_state__v',
  'specific_version__v',
] as const
export type SourceBindingRule = (typeof SOURCE_BINDING_RULES)[number]

/** Fields a CrossLink document carries about its source; the vault keeps them, on the document row. */
export const CROSSLINK_DOCUMENT_FIELDS: readonly FieldDefinition[] = Object.freeze([
  { name: 'source_global_id__v', label: 'Source Global ID', type: 'String' },
] as const)

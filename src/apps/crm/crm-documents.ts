import {
  CROSSLINK_DOCUMENT_FIELDS,
  type DocumentLifecycleDefinition,
  type DocumentTypeDefinition,
  type FieldDefinition,
  MEDICAL_CONTENT_LIFECYCLE,
  MEDICAL_DOCUMENT_TYPES,
  SHARED_DOCUMENT_FIELDS,
} from '../../platform/metadata/index.js'

/**
 * The shared document fields as a CRM has them: it has no Country object, so `country__v` is the
 * multi-value `country_cda__v` picklist, like every country field in CRM.
 */
const CRM_SHARED_DOCUMENT_FIELDS: readonly FieldDefinition[] = Object.freeze(
  SHARED_DOCUMENT_FIELDS.map((f) =>
    f.name === 'country__v'
      ? Object.freeze({
          name: f.name,
          label: f.label,
          type: 'Picklist' as const,
          picklist: 'country_cda__v',
          multiValue: true,
        })
      : f,
  ),
)

/**
 * The CRM's document types: the medical types again, each able to hold CrossLinks to Medical
 * documents, with the CrossLink fields (spec/data-model.md, "CRM document fields for CrossLinks").
 */
export const CRM_DOCUMENT_TYPE_DEFINITIONS: readonly DocumentTypeDefinition[] = Object.freeze(
  MEDICAL_DOCUMENT_TYPES.map(([name, label]) =>
    Object.freeze({
      name,
      label,
      fields: Object.freeze([...CRM_SHARED_DOCUMENT_FIELDS, ...CROSSLINK_DOCUMENT_FIELDS]),
      lifecycles: Object.freeze([MEDICAL_CONTENT_LIFECYCLE.name]),
      crosslink: true,
    }),
  ),
)

export const CRM_DOCUMENT_LIFECYCLES: readonly DocumentLifecycleDefinition[] = Object.freeze([
  MEDICAL_CONTENT_LIFECYCLE,
])

import {
  type DocumentLifecycleDefinition,
  type DocumentTypeDefinition,
  MEDICAL_CONTENT_LIFECYCLE,
  MEDICAL_DOCUMENT_TYPES,
  SHARED_DOCUMENT_FIELDS,
} from '../../platform/metadata/index.js'

/** The Medical Vault's document types (spec/data-model.md), all on the medical content lifecycle. */
export const MEDICAL_DOCUMENT_TYPE_DEFINITIONS: readonly DocumentTypeDefinition[] = Object.freeze(
  MEDICAL_DOCUMENT_TYPES.map(([name, label]) =>
    Object.freeze({
      name,
      label,
      fields: SHARED_DOCUMENT_FIELDS,
      lifecycles: Object.freeze([MEDICAL_CONTENT_LIFECYCLE.name]),
    }),
  ),
)

export const MEDICAL_DOCUMENT_LIFECYCLES: readonly DocumentLifecycleDefinition[] = Object.freeze([
  MEDICAL_CONTENT_LIFECYCLE,
])

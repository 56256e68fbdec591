export {
  type CompiledField,
  type CompiledLifecycle,
  type CompiledMetadata,
  type CompiledObject,
  compileMetadata,
  type MetadataIssue,
  outboundRelationshipName,
} from './compiled-metadata.js'
export {
  CROSSLINK_DOCUMENT_FIELDS,
  MEDICAL_CONTENT_LIFECYCLE,
  SHARED_DOCUMENT_FIELDS,
  SOURCE_BINDING_RULES,
  type SourceBindingRule,
} from './document-definitions.js'
export { countryCdaValueOf, ISO_COUNTRIES, type IsoCountry } from './iso-countries.js'
export { MetadataRegistry } from './metadata-registry.js'
export { isSearchableField, searchColumnsOf } from './object-tables.js'
export {
  createProfile,
  MEDICAL_DOCUMENT_TYPES,
  PLATFORM_OBJECTS,
  PLATFORM_PERMISSIONS,
  PLATFORM_PICKLISTS,
} from './platform-objects.js'
export {
  ADDRESS_FIELDS,
  CLM_METRIC_FIELDS,
  CREATE_EDIT,
  CREATE_EDIT_DELETE,
  LINK_MAX_LENGTH,
  NOTES_MAX_LENGTH,
  READ_EDIT,
  TEXT_SHORT_MAX_LENGTH,
  writtenByConnection,
} from './shared-field-definitions.js'
export { SYSTEM_FIELD_NAMES, systemFieldsFor } from './system-fields.js'
export * from './types.js'

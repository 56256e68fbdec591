export {
  type CompiledField,
  type CompiledLifecycle,
  type CompiledMetadata,
  type CompiledObject,
  compileMetadata,
  type MetadataIssue,
  outboundRelationshipName,
} from './compiled-metadata.js'
export { countryCdaValueOf, ISO_COUNTRIES, type IsoCountry } from './iso-countries.js'
export { MetadataRegistry } from './metadata-registry.js'
export {
  createProfile,
  MEDICAL_DOCUMENT_TYPES,
  PLATFORM_OBJECTS,
  PLATFORM_PERMISSIONS,
  PLATFORM_PICKLISTS,
} from './platform-objects.js'
export { SYSTEM_FIELD_NAMES, systemFieldsFor } from './system-fields.js'
export * from './types.js'

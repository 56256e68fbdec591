export {
  type CompiledField,
  type CompiledLifecycle,
  type CompiledMetadata,
  type CompiledObject,
  compileMetadata,
  type MetadataIssue,
  outboundRelationshipName,
} from './compiled-metadata.js'
export { MetadataRegistry } from './metadata-registry.js'
export { SYSTEM_FIELD_NAMES, systemFieldsFor } from './system-fields.js'
export * from './types.js'

export {
  type BinderNode,
  type BinderNodeGuard,
  type BinderNodeInput,
  BinderService,
  type BinderView,
} from './binder-service.js'
export type { BlobRef, BlobStore, TransactionalBlobs } from './blob-store.js'
export {
  BLOB_STORE_FORMS,
  type BlobStoreChoice,
  blobStoreForVault,
  openBlobStore,
  parseBlobStoreAddress,
} from './blob-store-choice.js'
export type { CrossLinkResult } from './crosslink-sync.js'
export { DATABASE_BLOB_PART_BYTES, DatabaseBlobStore } from './database-blob-store.js'
export type { DocumentUpdateOutcome } from './document-edits.js'
export { STANDARD_FIELDS as STANDARD_DOCUMENT_FIELDS } from './document-fields.js'
export type { LifecycleActionView } from './document-lifecycle.js'
export {
  type DocumentQueryField,
  type DocumentQueryTarget,
  documentQueryTargets,
} from './document-query-targets.js'
export type { DocumentView } from './document-reads.js'
export { DocumentService, type DocumentServiceOptions } from './document-service.js'
export {
  type CrossLinkOutcome,
  type CrossLinkRef,
  DOCUMENT_FILE_MAX_BYTES_DEFAULT,
  DOCUMENT_FILES_PER_CALL_MAX,
  type DocumentAction,
  type DocumentActor,
  type DocumentChange,
  type DocumentChangeHook,
  type DocumentDraft,
  type DocumentFieldValues,
  type DocumentFile,
  type DocumentVersionNumber,
  type DocumentVersionRef,
  type HeldFile,
  type SourceVersion,
  type VersionFileRead,
  versionIdOf,
} from './document-types.js'
export { DOCUMENTS_AUDIT_OBJECT } from './document-writes.js'
export { FsBlobStore } from './fs-blob-store.js'
export {
  DOCUMENT_RELATIONSHIP_TYPES,
  type DocumentRelationship,
  type DocumentRelationshipInput,
  DocumentRelationshipService,
} from './relationship-service.js'
export { S3BlobStore, type S3Location, s3CredentialsFromEnvironment } from './s3-blob-store.js'
export { EMPTY_PAYLOAD_SHA256, type S3Credentials, signS3Request } from './s3-signing.js'

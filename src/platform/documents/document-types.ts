/**
 * Documents glossary.
 * - document: a numbered (integer id) piece of content of one document type, on one lifecycle.
 * - version: `{major}.{minor}` of a document; each upload or draft adds a minor version, reaching a
 *   steady state makes the version the next major one (`1.0`) and supersedes the previous steady one.
 * - blob: a file's bytes in the BlobStore, addressed by SHA-256; versions refer to blobs.
 * - placeholder: a document without a file.
 * - CrossLink: a document that shows another vault's document (`source_vault_id__v`,
 *   `source_document_id__v`, bound by `source_binding_rule__v`).
 * - rendition: a viewable form of the file; PDFs are their own viewable rendition.
 */

import type { AuditActor } from '../audit/index.js'

/** A file as uploaded. */
export interface DocumentFile {
  readonly bytes: Uint8Array
  readonly name: string
  readonly mime: string
}

/** Who acts on a document (the same shape as a record actor). */
export type DocumentActor = AuditActor

/** Create input: `name__v`, `type__v`, `lifecycle__v`, CrossLink source fields and type fields. */
export interface DocumentDraft {
  readonly fields: Readonly<Record<string, unknown>>
  readonly file?: DocumentFile
}

/** Field values of a version, in API shape (multi-value references as arrays of ids). */
export type DocumentFieldValues = Readonly<Record<string, unknown>>

export interface DocumentVersionNumber {
  readonly major: number
  readonly minor: number
}

/** Maximum size of one uploaded file unless the vault says otherwise (bytes). */
export const DOCUMENT_FILE_MAX_BYTES_DEFAULT = 100 * 1024 * 1024

/** The rendition type under which a PDF's own file is served. */
export const VIEWABLE_RENDITION = 'viewable_rendition__v'

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

import type { Transaction } from 'kysely'
import type { AuditActor } from '../audit/index.js'
import type { LiaisonError } from '../errors/index.js'
import type { SecurityProfile } from '../metadata/index.js'
import type { VaultDb } from '../storage/index.js'

/** A file as uploaded. */
export interface DocumentFile {
  readonly bytes: Uint8Array
  readonly name: string
  readonly mime: string
}

/**
 * A file this vault's blob store already holds, named by its SHA-256: a CrossLink can show it
 * without its bytes being copied again.
 */
export interface HeldFile {
  readonly sha256: string
  readonly size: number
  readonly name: string
  readonly mime: string
}

/** One version of one document, as a batch of file reads names it (`{id}_{major}_{minor}`, Vault's version_id). */
export interface DocumentVersionRef {
  readonly id: number
  readonly major: number
  readonly minor: number
}

/** The version_id of a version, as VQL and the batch file read name it. */
export function versionIdOf(version: DocumentVersionRef): string {
  return `${version.id}_${version.major}_${version.minor}`
}

/** Files read in one call of `readFiles` (and so in one signed request of the batch file route). */
export const DOCUMENT_FILES_PER_CALL_MAX = 50

/** A file of a batch read, or why it cannot be read; in the order asked. */
export type VersionFileRead =
  | { readonly version: DocumentVersionRef; readonly file: DocumentFile & { readonly sha256: string } }
  | { readonly version: DocumentVersionRef; readonly error: LiaisonError }

/** Who acts on a document (the same shape as a record actor). */
export type DocumentActor = AuditActor & { readonly securityProfile: SecurityProfile | 'system' }

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

/** What changed in one document write, for hooks that react in the same transaction (routing, B16). */
export interface DocumentChange {
  readonly documentId: number
  /**
   * `delete` is told before the rows go, so a hook can still read the document; `nodes`: a
   * binder's nodes were added, moved or removed (the binder's versions are unchanged).
   */
  readonly kind: 'create' | 'edit' | 'version' | 'state' | 'delete' | 'nodes'
  readonly actor: DocumentActor
}

/**
 * A document action beyond the lifecycle (`POST /objects/documents/{id}/actions/{name}`), added by
 * a higher layer: runs as the actor, answers the fields of its success answer.
 */
export type DocumentAction = (actor: DocumentActor, documentId: number) => Promise<Record<string, unknown>>

/** Runs inside the writing transaction; throwing rolls the change back. */
export type DocumentChangeHook = (trx: Transaction<VaultDb>, change: DocumentChange) => Promise<void>

/** One version of a source document as a CrossLink shows it (Document Transfer, B17). */
export interface SourceVersion {
  readonly sourceVaultId: string
  readonly sourceDocumentId: string
  readonly type: string
  readonly lifecycle: string
  readonly version: DocumentVersionNumber
  /** The source version's state name; a state this vault's lifecycle lacks falls back to the starting state. */
  readonly state: string
  /** `name__v` and the type fields to show (already mapped to this vault's values). */
  readonly fields: Readonly<Record<string, unknown>>
  /**
   * The version's file: its bytes, or a file the blob store already holds; leave out to keep the
   * file the CrossLink has for this version.
   */
  readonly file?: DocumentFile | HeldFile
}

/** What bringing a CrossLink in step did. `stale`: the CrossLink already shows a later source version. */
export type CrossLinkOutcome = 'created' | 'versioned' | 'updated' | 'unchanged' | 'stale'

/** A CrossLink as the transfer sees it. */
export interface CrossLinkRef {
  readonly id: number
  readonly version: DocumentVersionNumber
  readonly state: string
  readonly stateType: string | null
  readonly hasFile: boolean
}

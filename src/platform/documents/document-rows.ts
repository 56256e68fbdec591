import type { Kysely, SelectQueryBuilder } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { VaultDb, VaultRow } from '../storage/index.js'
import type { DocumentFieldValues, DocumentVersionNumber } from './document-types.js'

/**
 * The `document` and `document_version` rows as the documents module reads them, and the reads
 * every part of DocumentService shares. Each read takes `db`: the caller's transaction when it has
 * one, so a write sees the rows it is changing.
 */

/** Columns of `document` that say what a CrossLink shows; a client sets them only when creating one. */
export const CROSSLINK_SOURCE_FIELDS = [
  'source_vault_id__v',
  'source_document_id__v',
  'source_binding_rule__v',
  'bound_source_major_version__v',
  'bound_source_minor_version__v',
] as const

/** What a CrossLink shows: the source document and how it is bound to the source's versions. */
export type CrossLinkSource = Readonly<
  Record<(typeof CROSSLINK_SOURCE_FIELDS)[number], string | number | null>
>

export interface DocumentRow {
  readonly id: number
  readonly type: string
  readonly lifecycle: string
  readonly latestMajor: number
  readonly latestMinor: number
  readonly crosslink: boolean
  /** A binder: a document with ordered nodes (binder-service.ts). */
  readonly binder: boolean
  readonly source: CrossLinkSource
  readonly createdDate: string
  readonly createdBy: string
}

export interface VersionRow {
  readonly major: number
  readonly minor: number
  readonly name: string
  readonly fields: DocumentFieldValues
  readonly state: string
  readonly stateType: string | null
  readonly fileSha256: string | null
  readonly fileName: string | null
  readonly fileSize: number | null
  readonly fileMime: string | null
  readonly createdDate: string
  readonly createdBy: string
  readonly modifiedDate: string
  readonly modifiedBy: string
}

/** A stored number, or null for SQL NULL. */
export function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value)
}

/** A stored text, or null for SQL NULL. */
export function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** A `document` row (or one selected with its columns) in the shape the module works with. */
export function toDocumentRow(r: VaultRow): DocumentRow {
  return {
    id: Number(r.id),
    type: String(r.type__v),
    lifecycle: String(r.lifecycle__v),
    latestMajor: Number(r.latest_major),
    latestMinor: Number(r.latest_minor),
    crosslink: Number(r.crosslink__v) === 1,
    binder: Number(r.binder__v) === 1,
    source: {
      source_vault_id__v: textOrNull(r.source_vault_id__v),
      source_document_id__v: textOrNull(r.source_document_id__v),
      source_binding_rule__v: textOrNull(r.source_binding_rule__v),
      bound_source_major_version__v: numberOrNull(r.bound_source_major_version__v),
      bound_source_minor_version__v: numberOrNull(r.bound_source_minor_version__v),
    },
    createdDate: String(r.created_date),
    createdBy: String(r.created_by),
  }
}

/** A `document_version` row in the shape the module works with. */
export function toVersionRow(r: VaultRow): VersionRow {
  return {
    major: Number(r.major),
    minor: Number(r.minor),
    name: String(r.name__v),
    fields: JSON.parse(String(r.fields)) as DocumentFieldValues,
    state: String(r.state__v),
    stateType: textOrNull(r.state_type),
    fileSha256: textOrNull(r.file_sha256),
    fileName: textOrNull(r.file_name),
    fileSize: numberOrNull(r.file_size),
    fileMime: textOrNull(r.file_mime),
    createdDate: String(r.created_date),
    createdBy: String(r.created_by),
    modifiedDate: String(r.modified_date),
    modifiedBy: String(r.modified_by),
  }
}

/** Each document joined with its latest version (`d`, `v`). */
export function latestVersions(db: Kysely<VaultDb>): SelectQueryBuilder<VaultDb, 'd' | 'v', object> {
  return db
    .selectFrom('document as d')
    .innerJoin('document_version as v', (join) =>
      join
        .onRef('v.document_id', '=', 'd.id')
        .onRef('v.major', '=', 'd.latest_major')
        .onRef('v.minor', '=', 'd.latest_minor'),
    )
}

/** A document by id; RECORD_NOT_FOUND when there is none. */
export async function readDocumentRow(db: Kysely<VaultDb>, id: number): Promise<DocumentRow> {
  if (!Number.isInteger(id) || id <= 0)
    throw new LiaisonError('RECORD_NOT_FOUND', `"${id}" is not a document id.`)
  const row = await db.selectFrom('document').selectAll().where('id', '=', id).executeTakeFirst()
  if (row === undefined) throw new LiaisonError('RECORD_NOT_FOUND', `This vault has no document ${id}.`)
  return toDocumentRow(row)
}

/** One version of a document; RECORD_NOT_FOUND when it has no such version. */
export async function readVersionRow(
  db: Kysely<VaultDb>,
  id: number,
  major: number,
  minor: number,
): Promise<VersionRow> {
  const row = await db
    .selectFrom('document_version')
    .selectAll()
    .where('document_id', '=', id)
    .where('major', '=', major)
    .where('minor', '=', minor)
    .executeTakeFirst()
  if (row === undefined)
    throw new LiaisonError('RECORD_NOT_FOUND', `Document ${id} has no version ${major}.${minor}.`)
  return toVersionRow(row)
}

/** The version numbers of a document, oldest first. */
export async function readVersionNumbers(db: Kysely<VaultDb>, id: number): Promise<DocumentVersionNumber[]> {
  const rows = await db
    .selectFrom('document_version')
    .select(['major', 'minor'])
    .where('document_id', '=', id)
    .orderBy('major')
    .orderBy('minor')
    .execute()
  return rows.map((r) => ({ major: Number(r.major), minor: Number(r.minor) }))
}

/** The (first) CrossLink to a source document, if this vault has one. */
export async function readCrossLinkRow(
  db: Kysely<VaultDb>,
  sourceVaultId: string,
  sourceDocumentId: string,
): Promise<DocumentRow | undefined> {
  const row = await db
    .selectFrom('document')
    .selectAll()
    .where('source_vault_id__v', '=', sourceVaultId)
    .where('source_document_id__v', '=', sourceDocumentId)
    .where('crosslink__v', '=', 1)
    .orderBy('id')
    .executeTakeFirst()
  return row === undefined ? undefined : toDocumentRow(row)
}

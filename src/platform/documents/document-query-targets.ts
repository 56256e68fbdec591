import { type RawBuilder, sql } from 'kysely'
import type { DocumentStateType, FieldDefinition, FieldType, ProfileDefinition } from '../metadata/index.js'
import type { JsonFieldKind, StorageDialect } from '../storage/index.js'
import { DOCUMENT_SEARCH } from './document-search.js'

/**
 * What VQL can read of documents, as data: the `documents`, `binders` and `relationships` targets
 * with their fields and the SQL that assembles their rows. The documents module owns its tables,
 * so it says how they read; platform/vql turns these descriptions into query targets (vql sits
 * above documents, so this file does not import it).
 */

/** One queryable field; its value is the column of the same name in the target's rows. */
export interface DocumentQueryField {
  readonly name: string
  readonly label: string
  readonly type: FieldType
  readonly multiValue: boolean
  /** Referenced object, for Object fields (country__v, product__v). */
  readonly object?: string
  readonly maxLength?: number
  /** Always has a value, so sorting on it needs no NULLS clause. */
  readonly neverNull: boolean
}

export interface DocumentQueryTarget {
  readonly name: 'documents' | 'binders' | 'relationships' | 'binder_node__sys'
  readonly label: string
  readonly labelPlural: string
  /** The stored table (`document`, `document_relationship`). */
  readonly table: string
  /** The derived table a plain FROM reads (each document's latest version), when not `table`. */
  readonly source?: RawBuilder<unknown>
  /** The derived table `FROM ALLVERSIONS …` reads (every version); absent when the target has no versions. */
  readonly allVersionsSource?: RawBuilder<unknown>
  readonly fields: readonly DocumentQueryField[]
  /** What FIND searches (document-search): a full-text table keyed by document id. */
  readonly search?: {
    readonly table: string
    readonly key: string
    readonly properties: string
    readonly content: string
  }
  /**
   * The status field (labels), the field holding the same state's name (what TONAME() of the
   * status field answers), and the status values of each document state type.
   */
  readonly states?: {
    readonly field: string
    readonly nameField: string
    readonly valuesOf: Readonly<Record<DocumentStateType, readonly string[]>>
  }
}

/** Standard document fields and the SQL of each, over `document d` joined with `document_version v`. */
interface StandardField extends DocumentQueryField {
  readonly expr: RawBuilder<unknown>
}

function field(
  name: string,
  label: string,
  type: FieldType,
  expr: RawBuilder<unknown>,
  neverNull = false,
): StandardField {
  return Object.freeze({ name, label, type, multiValue: false, neverNull, expr })
}

/** Each document state's label by name, over every lifecycle of the profile. */
function stateLabels(profile: ProfileDefinition): Map<string, string> {
  const labels = new Map<string, string>()
  for (const lifecycle of profile.documentLifecycles ?? [])
    for (const state of lifecycle.states) if (!labels.has(state.name)) labels.set(state.name, state.label)
  return labels
}

function standardFields(vaultId: number, labels: ReadonlyMap<string, string>): StandardField[] {
  const d = (column: string) => sql.ref(`d.${column}`)
  const v = (column: string) => sql.ref(`v.${column}`)
  const text = (e: RawBuilder<unknown>) => sql`cast(${e} as text)`
  const statusLabel =
    labels.size === 0
      ? v('state__v')
      : sql`case ${v('state__v')} ${sql.join(
          [...labels].map(([name, label]) => sql`when ${name} then cast(${label} as text)`),
          sql` `,
        )} else ${v('state__v')} end`
  return [
    field('id', 'ID', 'Number', d('id'), true),
    field('name__v', 'Name', 'String', v('name__v'), true),
    field('type__v', 'Type', 'String', d('type__v'), true),
    field('lifecycle__v', 'Lifecycle', 'String', d('lifecycle__v'), true),
    // As in Vault, documents answer status__v as the state's label ("Approved") and TONAME() gives
    // the name; state__v is the name too. The state functions compare against the labels.
    field('status__v', 'Status', 'String', statusLabel, true),
    field('state__v', 'State', 'String', v('state__v'), true),
    field('major_version_number__v', 'Major Version Number', 'Number', v('major'), true),
    field('minor_version_number__v', 'Minor Version Number', 'Number', v('minor'), true),
    field(
      'version_id',
      'Version ID',
      'String',
      sql`${text(d('id'))} || '_' || ${text(v('major'))} || '_' || ${text(v('minor'))}`,
      true,
    ),
    field(
      'global_id__sys',
      'Global ID',
      'String',
      sql`cast(${vaultId} as text) || '_' || ${text(d('id'))}`,
      true,
    ),
    field('binder__v', 'Binder', 'Boolean', d('binder__v'), true),
    field('crosslink__v', 'CrossLink', 'Boolean', d('crosslink__v'), true),
    field('source_vault_id__v', 'Source Vault ID', 'String', d('source_vault_id__v')),
    field('source_document_id__v', 'Source Document ID', 'String', d('source_document_id__v')),
    field('source_binding_rule__v', 'Source Binding Rule', 'String', d('source_binding_rule__v')),
    field(
      'bound_source_major_version__v',
      'Bound Source Major Version',
      'Number',
      d('bound_source_major_version__v'),
    ),
    field(
      'bound_source_minor_version__v',
      'Bound Source Minor Version',
      'Number',
      d('bound_source_minor_version__v'),
    ),
    field('filename__v', 'File Name', 'String', v('file_name')),
    field('format__v', 'Format', 'String', v('file_mime')),
    field('size__v', 'Size', 'Number', v('file_size')),
    // The file's SHA-256 (its address in the blob store): a copy that holds it already skips the download.
    field('sha256__sys', 'SHA-256', 'String', v('file_sha256')),
    field('document_creation_date__v', 'Document Creation Date', 'DateTime', d('created_date'), true),
    field('created_by__v', 'Created By', 'String', d('created_by'), true),
    field('version_creation_date__v', 'Version Creation Date', 'DateTime', v('created_date'), true),
    field('version_created_by__v', 'Version Created By', 'String', v('created_by'), true),
    field('version_modified_date__v', 'Version Modified Date', 'DateTime', v('modified_date'), true),
    field('version_modified_by__v', 'Version Modified By', 'String', v('modified_by'), true),
    // The names object records use, so watermark pulls read documents as they read records.
    field('created_date__v', 'Created Date', 'DateTime', d('created_date'), true),
    field('modified_date__v', 'Modified Date', 'DateTime', v('modified_date'), true),
  ]
}

const JSON_KIND_OF: Record<FieldType, JsonFieldKind> = {
  ID: 'text',
  String: 'text',
  LongText: 'text',
  Number: 'number',
  Boolean: 'boolean',
  Date: 'text',
  DateTime: 'text',
  Picklist: 'text',
  Object: 'text',
  Document: 'number',
}

/** Every field of every document type of the profile, by name (first definition wins). */
function typeFields(profile: ProfileDefinition, taken: ReadonlySet<string>): FieldDefinition[] {
  const byName = new Map<string, FieldDefinition>()
  for (const type of profile.documentTypes ?? [])
    for (const f of type.fields) if (!taken.has(f.name) && !byName.has(f.name)) byName.set(f.name, f)
  return [...byName.values()]
}

/** Which state names of the profile's document lifecycles have each state type. */
function stateLabelsOf(profile: ProfileDefinition): Record<DocumentStateType, string[]> {
  const out: Record<DocumentStateType, string[]> = {
    starting_state__sys: [],
    steady_state__sys: [],
    superseded_state__sys: [],
    obsolete_state__sys: [],
  }
  // A union over lifecycles: a state label means one state type in every lifecycle of a profile.
  for (const lifecycle of profile.documentLifecycles ?? [])
    for (const state of lifecycle.states)
      if (state.stateType !== undefined && !out[state.stateType].includes(state.label))
        out[state.stateType].push(state.label)
  return out
}

/** The `documents`, `binders`, `relationships` and `binder_node__sys` targets of a vault with this profile. */
export function documentQueryTargets(options: {
  readonly profile: ProfileDefinition
  readonly dialect: StorageDialect
  readonly vaultId: number
}): readonly DocumentQueryTarget[] {
  const { profile, dialect, vaultId } = options
  const standard = standardFields(vaultId, stateLabels(profile))
  const extra = typeFields(profile, new Set(standard.map((f) => f.name)))
  const fieldsColumn = sql.ref('v.fields')
  const columns = [
    ...standard.map((f) => sql`${f.expr} as ${sql.id(f.name)}`),
    ...extra.map(
      (f) =>
        sql`${dialect.jsonField(fieldsColumn, f.name, f.multiValue === true ? 'list' : JSON_KIND_OF[f.type])} as ${sql.id(f.name)}`,
    ),
  ]
  const from = sql`select ${sql.join(columns)} from ${sql.table('document')} as ${sql.id('d')} join ${sql.table('document_version')} as ${sql.id('v')} on ${sql.ref('v.document_id')} = ${sql.ref('d.id')}`
  // The latest version through the join (the version table's primary key), not a filter on every version.
  const latest = sql`${from} and ${sql.ref('v.major')} = ${sql.ref('d.latest_major')} and ${sql.ref('v.minor')} = ${sql.ref('d.latest_minor')}`
  const fields: DocumentQueryField[] = [
    ...standard.map(({ expr: _expr, ...f }) => Object.freeze(f)),
    ...extra.map((f) =>
      Object.freeze({
        name: f.name,
        label: f.label,
        type: f.type,
        multiValue: f.multiValue === true,
        neverNull: false,
        ...(f.object === undefined ? {} : { object: f.object }),
        ...(f.maxLength === undefined ? {} : { maxLength: f.maxLength }),
      }),
    ),
  ]
  const states = { field: 'status__v', nameField: 'state__v', valuesOf: stateLabelsOf(profile) }
  const documents: DocumentQueryTarget = {
    name: 'documents',
    label: 'Document',
    labelPlural: 'Documents',
    table: 'document',
    source: latest,
    allVersionsSource: from,
    fields,
    states,
    search: DOCUMENT_SEARCH,
  }
  const binders: DocumentQueryTarget = {
    name: 'binders',
    label: 'Binder',
    labelPlural: 'Binders',
    table: 'document',
    source: sql`${latest} where ${sql.ref('d.binder__v')} = 1`,
    fields,
    states,
    search: DOCUMENT_SEARCH,
  }
  const plain = (name: string, label: string, type: FieldType): DocumentQueryField =>
    Object.freeze({ name, label, type, multiValue: false, neverNull: true })
  const relationshipFields: DocumentQueryField[] = [
    plain('id', 'ID', 'Number'),
    plain('source_doc_id__v', 'Source Document ID', 'Number'),
    plain('source_major_version__v', 'Source Major Version', 'Number'),
    plain('source_minor_version__v', 'Source Minor Version', 'Number'),
    plain('target_doc_id__v', 'Target Document ID', 'Number'),
    plain('relationship_type__v', 'Relationship Type', 'String'),
    plain('created_date__v', 'Created Date', 'DateTime'),
    plain('created_by__v', 'Created By', 'String'),
  ]
  const relationships: DocumentQueryTarget = {
    name: 'relationships',
    label: 'Document Relationship',
    labelPlural: 'Document Relationships',
    // Its columns are named after the fields (migration 6), so it is read as stored.
    table: 'document_relationship',
    fields: relationshipFields,
  }
  // A binder's nodes, as Vault's binder_node__sys reads them: which document sits where.
  const binderNodes: DocumentQueryTarget = {
    name: 'binder_node__sys',
    label: 'Binder Node',
    labelPlural: 'Binder Nodes',
    table: 'binder_node',
    source: sql`select ${sql.ref('id')}, ${sql.ref('binder_id')} as ${sql.id('parent_binder_id__sys')}, ${sql.ref('document_id')} as ${sql.id('content_id__sys')}, ${sql.ref('order__v')} as ${sql.id('order__sys')}, ${sql.ref('created_date')} as ${sql.id('created_date__v')} from ${sql.table('binder_node')}`,
    fields: [
      plain('id', 'ID', 'Number'),
      plain('parent_binder_id__sys', 'Binder ID', 'Number'),
      plain('content_id__sys', 'Document ID', 'Number'),
      plain('order__sys', 'Order', 'Number'),
      plain('created_date__v', 'Created Date', 'DateTime'),
    ],
  }
  return Object.freeze([documents, binders, relationships, binderNodes].map((t) => Object.freeze(t)))
}

import type { SourceVersion } from '../../../platform/documents/index.js'
import { LiaisonError } from '../../../platform/errors/index.js'
import type {
  ConnectionInfo,
  FailedItem,
  RemoteFile,
  RemoteVault,
} from '../../../platform/messaging/index.js'
import type { RecordActor } from '../../../platform/records/index.js'
import { holdRecord } from '../../../platform/storage/index.js'
import { vqlString, vqlStringList } from '../../../platform/vql/index.js'
import { applyFieldRules, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { type FlowVault, yieldToEventLoop } from '../flow-ports.js'
import { codeOfAbbreviation, GLOBAL_ABBREVIATION } from '../shared/country-codes.js'
import { crmDocumentLookups } from '../shared/crm-document-lookups.js'
import { SOURCE_VERSION_FIELDS } from '../shared/source-version-fields.js'
import {
  APPROVED_EMAIL_RULE,
  type ApprovedDocumentStatus,
  type PublishedVersion,
  publishedVersionOf,
  RELATED_DOCUMENT_RELATIONSHIP,
} from './approved-email-content.js'

/** What the CRM always reads of an Approved Email source or a related document. */
const BASE_FIELDS = [...SOURCE_VERSION_FIELDS, 'country__v'] as const

const DOCUMENT_ID = /^[1-9]\d{0,15}$/

/** A source read back from the Medical Vault: its versions' rows (ALLVERSIONS), newest first. */
type Row = Readonly<Record<string, unknown>>

function listOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '')
  if (typeof value === 'string' && value !== '') return value.split(',')
  return []
}

function versionOf(row: Row): { major: number; minor: number } {
  return { major: Number(row.major_version_number__v), minor: Number(row.minor_version_number__v) }
}

/** What one sync of Approved Email sources did, and the sources that need attention. */
export interface ApprovedEmailSyncResult {
  /** Sources brought in step (created, changed or already in step). */
  readonly synced: number
  readonly failures: readonly FailedItem[]
}

/** What syncing needs: the connection, its signed remote vault and the integration user acting. */
export interface ApprovedEmailSyncContext {
  readonly connection: ConnectionInfo
  readonly remote: Pick<RemoteVault, 'query' | 'download'>
  readonly actor: RecordActor
  /** The try of the message being processed (1 for a pull), for file failures. */
  readonly attempt: number
}

/**
 * B19 `country__v` of an Approved Document: the routed countries' codes. A source's countries
 * this CRM's Connection Settings filter covers; a Global source is routed for every country of
 * the filter. Without a filter (or no overlap) the source's own codes.
 */
export function routedCountryCodes(
  sourceAbbreviations: readonly string[],
  filterCodes: readonly string[],
): string[] {
  const filter = new Set(filterCodes)
  const own = sourceAbbreviations
    .map((a) => codeOfAbbreviation(a))
    .filter((c): c is string => c !== undefined)
  if (filter.size === 0) return [...new Set(own)].sort()
  if (sourceAbbreviations.includes(GLOBAL_ABBREVIATION)) return [...filter].sort()
  const routed = own.filter((c) => filter.has(c))
  return [...new Set(routed.length === 0 ? own : routed)].sort()
}

/** The country codes of this CRM's Connection Settings for the connection (and those for every connection). */
async function filterCodes(vault: FlowVault, connection: ConnectionInfo): Promise<string[]> {
  const rows = await vault.storage.db
    .selectFrom('connection_settings__v')
    .select(['country_filter__v', 'connection__sys'])
    .where((eb) => eb.or([eb('connection__sys', 'is', null), eb('connection__sys', '=', connection.id)]))
    .where('status__v', '=', 'active__v')
    .execute()
  return [...new Set(rows.flatMap((r) => listOf(r.country_filter__v)))]
}

/** A source's published version and the row of it the CRM shows. */
interface Published {
  readonly id: string
  readonly version: PublishedVersion
  readonly row: Row
}

/**
 * B19 on the CRM side: brings the CrossLinks and `approved_document__v` records of these Medical
 * Approved Email sources in step with the Medical Vault as it is now. Everything is read back over
 * the signed callback (the message carried ids only), so a repeated, late or out-of-order notice
 * converges on the same records: an older version than the CrossLink shows changes nothing.
 * Per source: the CrossLink of its published version (staged or approved; B17's metadata), one
 * Approved Document per mapped product (one with an empty product when it has none) with the
 * status of the source, its hidden flag and routed countries; a product no longer on the source
 * expires its record; an obsolete or deleted source expires them all and obsoletes its CrossLink
 * (B20: nothing is deleted). Documents a template relates to (related_document__v) become
 * CrossLinks too, whatever their type. A source that cannot be shown is a failed item; the others go on.
 */
export async function syncApprovedEmail(
  vault: FlowVault,
  context: ApprovedEmailSyncContext,
  items: readonly string[],
): Promise<ApprovedEmailSyncResult> {
  const { connection, remote, actor } = context
  const failures: FailedItem[] = []
  const ids = [...new Set(items.filter((id) => DOCUMENT_ID.test(id)))]
  for (const id of items)
    if (!DOCUMENT_ID.test(id))
      failures.push({ key: id, errorCode: 'INVALID_DATA', message: `"${id}" is not a document id.` })
  if (ids.length === 0) return { synced: 0, failures }
  const db = vault.storage.db
  const rules = await loadRuleSet(db, connection.id)
  const rule = rules.rules.get(APPROVED_EMAIL_RULE)
  const fieldRules = rule?.active === true ? rule.fieldRules : []
  const documentRules = fieldRules.filter((r) => r.targetObject === 'documents')
  const fields = [...new Set([...BASE_FIELDS, ...queryFieldsFor(fieldRules, 'documents')])]
  const { data } = await remote.query(
    `SELECT ${fields.join(', ')} FROM ALLVERSIONS documents WHERE id CONTAINS (${ids.join(', ')})`,
  )
  const versions = new Map<string, Row[]>()
  for (const row of data) versions.set(String(row.id), [...(versions.get(String(row.id)) ?? []), row])
  const published: Published[] = []
  const gone: string[] = []
  for (const id of ids) {
    const rows = versions.get(id)
    if (rows === undefined) {
      gone.push(id)
      continue
    }
    const version = publishedVersionOf(rows.map((r) => ({ ...versionOf(r), state: String(r.state__v) })))
    // Never staged nor approved: nothing to show yet.
    if (version === undefined) continue
    const row = rows.find((r) => {
      const v = versionOf(r)
      return v.major === version.major && v.minor === version.minor
    })
    if (row !== undefined) published.push({ id, version, row })
  }
  const related = await relatedDocuments(remote, published)
  const relatedRows = await latestRows(
    remote,
    [...related].filter((id) => !versions.has(id)),
    [...new Set([...BASE_FIELDS, ...queryFieldsFor(documentRules, 'documents')])],
  )
  const resolvers = crmDocumentLookups(db, remote, [...published.map((p) => p.row), ...relatedRows])
  const abbreviations = await countryAbbreviations(
    remote,
    published.map((p) => p.row),
  )
  const filter = await filterCodes(vault, connection)

  const failItem = (id: string, error: unknown) => {
    if (!(error instanceof LiaisonError) || error.spec.retry !== 'never') throw error
    failures.push({ key: id, errorCode: error.code, message: error.message })
  }

  // CrossLinks first: the sources' published versions, then the related documents' latest.
  const shown = await vault.documents.crossLinksOf(connection.remoteVaultId, [
    ...published.map((p) => p.id),
    ...relatedRows.map((r) => String(r.id)),
  ])
  const crossLinkSources: SourceVersion[] = []
  const approvedValues = new Map<string, Record<string, unknown>>()
  for (const [row, isRelated] of [
    ...published.map((p) => [p.row, false] as const),
    ...relatedRows.map((r) => [r, true] as const),
  ]) {
    const id = String(row.id)
    await yieldToEventLoop()
    try {
      const applied = await applyFieldRules(isRelated ? documentRules : fieldRules, row, rules, resolvers)
      for (const issue of applied.issues)
        failures.push({
          key: id,
          errorCode: 'INVALID_DATA',
          message: `${issue.targetObject}.${issue.targetField}: ${issue.message}`,
        })
      const values: Record<string, unknown> = {
        ...(applied.values.get('documents') ?? {}),
        source_global_id__v: `${connection.remoteVaultId}_${id}`,
      }
      if (values.name__v === null || values.name__v === undefined) values.name__v = row.name__v
      if (!isRelated) {
        const approved = { ...(applied.values.get('approved_document__v') ?? {}) }
        // An unset crm_hidden__v shows the content, as No does.
        if (approved.hidden__v === null) approved.hidden__v = false
        approvedValues.set(id, approved)
      }
      const file = await fileOf(context, row, shown.get(id))
      if (file instanceof LiaisonError) {
        failures.push({
          key: id,
          errorCode: file.code,
          message: `The file of document ${id} could not be copied: ${file.message}`,
        })
        continue
      }
      crossLinkSources.push({
        sourceVaultId: connection.remoteVaultId,
        sourceDocumentId: id,
        type: String(row.type__v),
        lifecycle: String(row.lifecycle__v),
        version: versionOf(row),
        state: String(row.state__v),
        fields: values,
        ...(file === undefined ? {} : { file }),
      })
    } catch (error) {
      failItem(id, error)
    }
  }
  const outcomes = await vault.documents.applySourceVersions(actor, crossLinkSources)
  for (const [i, outcome] of outcomes.entries())
    if ('error' in outcome) failItem(crossLinkSources[i]!.sourceDocumentId, outcome.error)
  for (const id of gone) await vault.documents.obsoleteCrossLink(actor, connection.remoteVaultId, id)

  // Then the Approved Documents, one transaction per source.
  const links = await vault.documents.crossLinksOf(
    connection.remoteVaultId,
    published.map((p) => p.id),
  )
  let synced = 0
  for (const source of published) {
    const values = approvedValues.get(source.id)
    if (values === undefined) continue
    await yieldToEventLoop()
    try {
      await writeApprovedDocuments(vault, connection, actor, {
        link: `${connection.remoteVaultId}_${source.id}`,
        crossLink: links.get(source.id)?.id,
        status: source.version.status,
        values,
        sourceHasProducts: listOf(source.row.product__v).length > 0,
        countries: routedCountryCodes(
          listOf(source.row.country__v).map((c) => abbreviations.get(c) ?? ''),
          filter,
        ),
      })
      synced++
    } catch (error) {
      failItem(source.id, error)
    }
  }
  for (const id of gone) {
    await writeApprovedDocuments(vault, connection, actor, {
      link: `${connection.remoteVaultId}_${id}`,
      crossLink: undefined,
      status: 'expired__v',
      values: undefined,
      countries: [],
    })
    synced++
  }
  return { synced, failures }
}

/** The documents the published sources' versions (up to the published one) relate to. */
async function relatedDocuments(
  remote: Pick<RemoteVault, 'query'>,
  published: readonly Published[],
): Promise<Set<string>> {
  const targets = new Set<string>()
  if (published.length === 0) return targets
  const { data } = await remote.query(
    `SELECT source_doc_id__v, source_major_version__v, source_minor_version__v, target_doc_id__v FROM relationships WHERE source_doc_id__v CONTAINS (${published.map((p) => p.id).join(', ')}) AND relationship_type__v = ${vqlString(RELATED_DOCUMENT_RELATIONSHIP)}`,
  )
  const byId = new Map(published.map((p) => [p.id, p.version]))
  for (const row of data) {
    const version = byId.get(String(row.source_doc_id__v))
    if (version === undefined) continue
    const major = Number(row.source_major_version__v)
    const minor = Number(row.source_minor_version__v)
    if (major < version.major || (major === version.major && minor <= version.minor))
      targets.add(String(row.target_doc_id__v))
  }
  return targets
}

/** The latest version of these documents (the related ones: shown as Document Transfer shows them). */
async function latestRows(
  remote: Pick<RemoteVault, 'query'>,
  ids: readonly string[],
  fields: readonly string[],
): Promise<Row[]> {
  if (ids.length === 0) return []
  const { data } = await remote.query(
    `SELECT ${fields.join(', ')} FROM documents WHERE id CONTAINS (${ids.join(', ')})`,
  )
  return data
}

/** Medical country id → abbreviation, for the countries the sources name. */
async function countryAbbreviations(
  remote: Pick<RemoteVault, 'query'>,
  rows: readonly Row[],
): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap((r) => listOf(r.country__v)))]
  if (ids.length === 0) return new Map()
  const { data } = await remote.query(
    `SELECT id, abbreviation__v FROM country__v WHERE id CONTAINS ${vqlStringList(ids)}`,
  )
  return new Map(data.map((r) => [String(r.id), String(r.abbreviation__v ?? '')]))
}

/** The version's file, unless the CrossLink already shows it; a file refused for good fails its document. */
async function fileOf(
  context: ApprovedEmailSyncContext,
  row: Row,
  current:
    | { readonly version: { readonly major: number; readonly minor: number }; readonly hasFile: boolean }
    | undefined,
): Promise<RemoteFile | LiaisonError | undefined> {
  if (row.filename__v === null || row.filename__v === undefined) return undefined
  const { major, minor } = versionOf(row)
  if (current?.hasFile === true && current.version.major === major && current.version.minor === minor)
    return undefined
  return context.remote
    .download(`/objects/documents/${String(row.id)}/versions/${major}/${minor}/file`)
    .catch((error: unknown) => {
      if (error instanceof LiaisonError && error.spec.retry === 'never') return error
      throw error
    })
}

/** What one source's Approved Documents should be. `values` undefined: the source is gone. */
interface ApprovedDocumentTarget {
  readonly link: string
  readonly crossLink: number | undefined
  readonly status: ApprovedDocumentStatus
  readonly values: Readonly<Record<string, unknown>> | undefined
  readonly countries: readonly string[]
  /** The source names products (mapped or not): then no record goes without a product. */
  readonly sourceHasProducts?: boolean
}

/**
 * Writes one source's `approved_document__v` records in one transaction: one per product (none:
 * one with an empty product), found by link and product, created or updated (a record already in
 * step is left unaudited); records of products the source no longer has become expired__v.
 */
async function writeApprovedDocuments(
  vault: FlowVault,
  connection: ConnectionInfo,
  actor: RecordActor,
  target: ApprovedDocumentTarget,
): Promise<void> {
  await vault.storage.db.transaction().execute(async (trx) => {
    // The scheduled pull and a message may sync the same source at once: one at a time per connection.
    await holdRecord(trx, 'connection__sys', connection.id)
    const existing = await trx
      .selectFrom('approved_document__v')
      .select(['id', 'product__v'])
      .where('link__v', '=', target.link)
      .orderBy('id')
      .execute()
    const byProduct = new Map(
      existing.map((r) => [r.product__v == null ? '' : String(r.product__v), String(r.id)]),
    )
    const values = target.values
    const products =
      values === undefined
        ? [...byProduct.keys()]
        : productsOf(values.product__v, target.sourceHasProducts === true)
    const common: Record<string, unknown> = {
      ...(values ?? {}),
      link__v: target.link,
      status__v: target.status,
      ...(values === undefined ? {} : { country__v: [...target.countries] }),
      ...(target.crossLink === undefined ? {} : { crosslink_document__v: target.crossLink }),
    }
    const creates: Record<string, unknown>[] = []
    const updates: { id: string; values: Record<string, unknown> }[] = []
    for (const product of products) {
      const row = { ...common, product__v: product === '' ? null : product }
      const id = byProduct.get(product)
      if (id === undefined) creates.push(row)
      else updates.push({ id, values: values === undefined ? { status__v: target.status } : row })
    }
    for (const [product, id] of byProduct)
      if (!products.includes(product)) updates.push({ id, values: { status__v: 'expired__v' } })
    if (values !== undefined && creates.length > 0) {
      const results = await vault.records.createIn(trx, actor, 'approved_document__v', creates)
      assertWritten(results, target.link)
    }
    if (updates.length > 0) {
      const results = await vault.records.updateIn(trx, actor, 'approved_document__v', updates)
      assertWritten(results, target.link)
    }
  })
}

/**
 * The CRM products to keep a record for: the mapped ones; none mapped from a source without
 * products is the one record with an empty product, but a source whose products this CRM cannot
 * map (each an exception item) gets no record rather than one that offers it for every product.
 */
function productsOf(value: unknown, sourceHasProducts: boolean): string[] {
  const products = [...new Set(listOf(value))]
  if (products.length > 0) return products
  return sourceHasProducts ? [] : ['']
}

function assertWritten(
  results: readonly {
    readonly responseStatus: string
    readonly errors?: readonly { readonly message: string }[]
  }[],
  link: string,
): void {
  const failed = results.find((r) => r.responseStatus === 'FAILURE')
  if (failed !== undefined)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `The Approved Documents of ${link} could not be written: ${failed.errors?.map((e) => e.message).join(' ')}`,
    )
}

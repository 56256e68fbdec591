import type { CrossLinkRef, SourceVersion } from '../../../platform/documents/index.js'
import { LiaisonError } from '../../../platform/errors/index.js'
import {
  exceptionBodyOf,
  type FailedItem,
  type InboundMessage,
  type MessageProcessor,
  recordException,
} from '../../../platform/messaging/index.js'
import { applyFieldRules, loadRuleSet, queryFieldsFor } from '../../rules/index.js'
import { type FlowVault, yieldToEventLoop } from '../flow-ports.js'
import { crmDocumentLookups } from '../shared/crm-document-lookups.js'
import { SOURCE_VERSION_FIELDS } from '../shared/source-version-fields.js'
import { sourceFilesOf, type WantedFile } from './source-files.js'

/** The integration rule whose field rules say which metadata a CrossLink gets. */
export const DOCUMENT_TRANSFER_RULE = 'document_transfer_integration_rule__v'

/** What the CRM always reads of a routed document, whatever the field rules add. */
export const DOCUMENT_BASE_FIELDS = [
  ...SOURCE_VERSION_FIELDS,
  // The file's type, size and SHA-256: what batches the downloads and reuses a file held already.
  'format__v',
  'size__v',
  'sha256__sys',
] as const

/** CrossLinks written per transaction (each behind its own savepoint). */
export const DOCUMENTS_PER_TRANSACTION = 50

const DOCUMENT_ID = /^[1-9]\d{0,15}$/

/** The file a CrossLink needs of a source row, or undefined when it has none or shows it already. */
function wantedFileOf(
  id: string,
  row: Readonly<Record<string, unknown>> | undefined,
  current: CrossLinkRef | undefined,
): WantedFile | undefined {
  if (row === undefined || row.filename__v === null || row.filename__v === undefined) return undefined
  const major = Number(row.major_version_number__v)
  const minor = Number(row.minor_version_number__v)
  if (current?.hasFile === true && current.version.major === major && current.version.minor === minor)
    return undefined
  const sha256 = typeof row.sha256__sys === 'string' && row.sha256__sys !== '' ? row.sha256__sys : undefined
  return {
    documentId: id,
    major,
    minor,
    name: String(row.filename__v),
    mime:
      typeof row.format__v === 'string' && row.format__v !== '' ? row.format__v : 'application/octet-stream',
    size: Number(row.size__v ?? 0) || 0,
    sha256,
  }
}

/**
 * B17, B20 on the CRM side: the processor of the Medical Vault's document notices. One VQL callback
 * reads every noticed document's current version and the metadata the field rules want; each
 * becomes (or up-versions, or updates) a CrossLink bound to the latest source version, with the
 * source's file copied here when the shown version changes; a document the Medical Vault no longer
 * has obsoletes its CrossLink, never deleting it. Every notice reads the source as it is now, so
 * repeated and out-of-order messages converge on the same CrossLinks. Documents that cannot be
 * shown (a type this vault lacks, a value no lookup maps, a file the Medical Vault keeps failing to
 * serve) become items of one User Exception Message; the others go through.
 */
export function receiveDocuments(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    const db = vault.storage.db
    const failures: FailedItem[] = []
    const ids = message.items.filter((id) => DOCUMENT_ID.test(id))
    for (const id of message.items)
      if (!ids.includes(id))
        failures.push({ key: id, errorCode: 'INVALID_DATA', message: `"${id}" is not a document id.` })
    if (ids.length > 0) {
      const rules = await loadRuleSet(db, connection.id)
      const rule = rules.rules.get(DOCUMENT_TRANSFER_RULE)
      const fieldRules =
        rule?.active === true ? rule.fieldRules.filter((r) => r.targetObject === 'documents') : []
      const fields = [...new Set([...DOCUMENT_BASE_FIELDS, ...queryFieldsFor(fieldRules, 'documents')])]
      const { data } = await remote.query(
        `SELECT ${fields.join(', ')} FROM documents WHERE id CONTAINS (${ids.join(', ')})`,
      )
      const byId = new Map(data.map((row) => [String(row.id), row]))
      const shown = await vault.documents.crossLinksOf(connection.remoteVaultId, ids)
      const resolvers = crmDocumentLookups(db, remote, data)
      // A data error fails its document alone; anything worth retrying fails the whole message.
      const failItem = (id: string, error: unknown) => {
        if (!(error instanceof LiaisonError) || error.spec.retry !== 'never') throw error
        failures.push({ key: id, errorCode: error.code, message: error.message })
      }
      const groups: string[][] = []
      for (let start = 0; start < ids.length; start += DOCUMENTS_PER_TRANSACTION)
        groups.push(ids.slice(start, start + DOCUMENTS_PER_TRANSACTION))
      // Files first, many per signed call; a version whose file the CrossLink already shows is not
      // fetched, nor one whose file this vault already holds for a CrossLink of the same vault.
      const filesOf = (group: readonly string[]) =>
        sourceFilesOf(
          vault,
          remote,
          connection,
          group
            .map((id) => wantedFileOf(id, byId.get(id), shown.get(id)))
            .filter((w): w is WantedFile => w !== undefined),
          message.attempts + 1,
        )
      let nextFiles = groups.length === 0 ? undefined : filesOf(groups[0]!)
      for (const [index, group] of groups.entries()) {
        await yieldToEventLoop()
        const files = await nextFiles!
        // The next group's files come while this group is written (a failure is thrown when awaited).
        nextFiles = index + 1 < groups.length ? filesOf(groups[index + 1]!) : undefined
        nextFiles?.catch(() => {})
        const sources: SourceVersion[] = []
        for (const id of group) {
          const row = byId.get(id)
          try {
            if (row === undefined) {
              await vault.documents.obsoleteCrossLink(actor, connection.remoteVaultId, id)
              continue
            }
            const file = files.get(id)
            if (file instanceof LiaisonError) {
              failures.push({
                key: id,
                errorCode: file.code,
                message: `The file of document ${id} could not be copied: ${file.message}`,
              })
              continue
            }
            // VQL answers multi-value fields (products, countries) as lists, which the lookups map one by one.
            const applied = await applyFieldRules(fieldRules, row, rules, resolvers)
            const values: Record<string, unknown> = {
              ...(applied.values.get('documents') ?? {}),
              source_global_id__v: `${connection.remoteVaultId}_${id}`,
            }
            if (values.name__v === null || values.name__v === undefined) values.name__v = row.name__v
            for (const issue of applied.issues)
              failures.push({
                key: id,
                errorCode: 'INVALID_DATA',
                message: `${issue.targetField}: ${issue.message}`,
              })
            sources.push({
              sourceVaultId: connection.remoteVaultId,
              sourceDocumentId: id,
              type: String(row.type__v),
              lifecycle: String(row.lifecycle__v),
              version: {
                major: Number(row.major_version_number__v),
                minor: Number(row.minor_version_number__v),
              },
              state: String(row.state__v),
              fields: values,
              ...(file === undefined ? {} : { file }),
            })
          } catch (error) {
            failItem(id, error)
          }
        }
        const outcomes = await vault.documents.applySourceVersions(actor, sources)
        for (const [i, outcome] of outcomes.entries())
          if ('error' in outcome) failItem(sources[i]!.sourceDocumentId, outcome.error)
      }
    }
    if (failures.length > 0)
      await db.transaction().execute((trx) =>
        recordException(trx, vault.records, connection.apiName, {
          body: exceptionBodyOf('inbound', message),
          errorCode: failures[0]!.errorCode,
          errorMessage: `${failures.length} of ${message.items.length} documents from ${connection.remoteName} need attention: ${failures[0]!.message}`,
          failedItems: failures,
        }),
      )
  }
}

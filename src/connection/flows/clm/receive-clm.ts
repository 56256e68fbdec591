import type { SourceVersion } from '../../../platform/documents/index.js'
import { LiaisonError } from '../../../platform/errors/index.js'
import {
  type ConnectionInfo,
  exceptionBodyOf,
  type FailedItem,
  type InboundMessage,
  type MessageProcessor,
  type RemoteFile,
  type RemoteVault,
  recordException,
} from '../../../platform/messaging/index.js'
import type { RecordActor } from '../../../platform/records/index.js'
import {
  applyFieldRules,
  CLM_RULE,
  type CompiledFieldRule,
  INTEGRATION_POINTS,
  type LookupResolver,
  loadRuleSet,
  queryFieldsFor,
  type RuleSet,
} from '../../rules/index.js'
import { type FlowVault, yieldToEventLoop } from '../flow-ports.js'
import { crmDocumentLookups } from '../shared/crm-document-lookups.js'
import { SOURCE_VERSION_FIELDS } from '../shared/source-version-fields.js'
import {
  type BadSlide,
  type PresentationPlan,
  planPresentations,
  type SourceNode,
  type SourceRow,
  versionOf,
} from './clm-publication.js'
import {
  type ClmWriter,
  ensureKeyMessage,
  keyMessagesOf,
  linksWithoutActiveKeyMessage,
  presentationByLink,
  syncSlideRows,
  upsertPresentation,
  withdrawPresentation,
  withdrawUnusedKeyMessages,
} from './clm-records.js'

/** What the CRM always reads of a presentation binder or slide, whatever the field rules add. */
export const CLM_BASE_FIELDS = [
  ...SOURCE_VERSION_FIELDS,
  'clm_content__v',
  'crm_slide_update_method__v',
] as const

const DOCUMENT_ID = /^[1-9]\d{0,15}$/
/** Files downloaded at once while processing one message. */
const DOWNLOADS_IN_FLIGHT = 8

/** What the CRM reads of the Medical Vault for one notice: binders, their nodes and their slides. */
export interface ClmSource {
  readonly binders: ReadonlyMap<string, SourceRow>
  readonly nodes: readonly SourceNode[]
  readonly slides: ReadonlyMap<string, SourceRow>
}

/** The CLM rule's field rules of a connection (none when an admin made the rule inactive). */
export function clmFieldRules(rules: RuleSet): readonly CompiledFieldRule[] {
  const rule = rules.rules.get(CLM_RULE)
  return rule?.active === true ? rule.fieldRules : []
}

/** Reads the binders, their nodes in order and their slides with signed VQL callbacks (B2). */
export async function readClmSource(
  remote: Pick<RemoteVault, 'query'>,
  binderIds: readonly string[],
  fieldRules: readonly CompiledFieldRule[],
): Promise<ClmSource> {
  const fields = [...new Set([...CLM_BASE_FIELDS, ...queryFieldsFor(fieldRules, 'documents')])].join(', ')
  const byId = (rows: readonly Record<string, unknown>[]) => new Map(rows.map((r) => [String(r.id), r]))
  if (binderIds.length === 0) return { binders: new Map(), nodes: [], slides: new Map() }
  const binders = byId(
    (await remote.query(`SELECT ${fields} FROM documents WHERE id CONTAINS (${binderIds.join(', ')})`)).data,
  )
  const nodes = (
    await remote.query(
      `SELECT parent_binder_id__sys, content_id__sys, order__sys FROM binder_node__sys WHERE parent_binder_id__sys CONTAINS (${binderIds.join(', ')}) ORDER BY order__sys`,
    )
  ).data.map((r) => ({
    binderId: String(r.parent_binder_id__sys),
    documentId: String(r.content_id__sys),
    order: Number(r.order__sys),
  }))
  const slideIds = [...new Set(nodes.map((n) => n.documentId))]
  const slides =
    slideIds.length === 0
      ? new Map<string, SourceRow>()
      : byId(
          (await remote.query(`SELECT ${fields} FROM documents WHERE id CONTAINS (${slideIds.join(', ')})`))
            .data,
        )
  return { binders, nodes, slides }
}

/** A problem of one presentation that fails it alone (a data error); anything else retries the message. */
function failsAlone(error: unknown): error is LiaisonError {
  return error instanceof LiaisonError && error.spec.retry === 'never'
}

interface Context {
  readonly vault: FlowVault
  readonly connection: ConnectionInfo
  readonly remote: RemoteVault
  readonly actor: RecordActor
  readonly rules: RuleSet
  readonly fieldRules: readonly CompiledFieldRule[]
  readonly resolvers: Readonly<Record<string, LookupResolver>>
  readonly writer: ClmWriter
  readonly failures: FailedItem[]
}

/**
 * Brings the CrossLinks of the documents to publish in step with their source (B17's CrossLink
 * upkeep): answers each source id's CrossLink id; a document that fails is an item of the failures.
 */
async function applyCrossLinks(ctx: Context, rows: ReadonlyMap<string, SourceRow>) {
  const { vault, connection, remote } = ctx
  const ids = [...rows.keys()]
  const shown = await vault.documents.crossLinksOf(connection.remoteVaultId, ids)
  const crossLinkRules = ctx.fieldRules.filter((r) => r.targetObject === 'documents')
  const out = new Map<string, number>()
  for (let start = 0; start < ids.length; start += 50) {
    await yieldToEventLoop()
    const group = ids.slice(start, start + 50)
    const files: (RemoteFile | undefined)[] = []
    for (let i = 0; i < group.length; i += DOWNLOADS_IN_FLIGHT)
      files.push(
        ...(await Promise.all(
          group.slice(i, i + DOWNLOADS_IN_FLIGHT).map(async (id) => {
            const row = rows.get(id)!
            if (row.filename__v === null || row.filename__v === undefined) return undefined
            const major = Number(row.major_version_number__v)
            const minor = Number(row.minor_version_number__v)
            const current = shown.get(id)
            if (
              current?.hasFile === true &&
              current.version.major === major &&
              current.version.minor === minor
            )
              return undefined
            return remote.download(`/objects/documents/${id}/versions/${major}/${minor}/file`)
          }),
        )),
      )
    const sources: SourceVersion[] = []
    for (const [i, id] of group.entries()) {
      const row = rows.get(id)!
      const applied = await applyFieldRules(crossLinkRules, row, ctx.rules, ctx.resolvers)
      const values: Record<string, unknown> = {
        ...(applied.values.get('documents') ?? {}),
        source_global_id__v: `${connection.remoteVaultId}_${id}`,
      }
      if (values.name__v === null || values.name__v === undefined) values.name__v = row.name__v
      const file = files[i]
      sources.push({
        sourceVaultId: connection.remoteVaultId,
        sourceDocumentId: id,
        type: String(row.type__v),
        lifecycle: String(row.lifecycle__v),
        version: { major: Number(row.major_version_number__v), minor: Number(row.minor_version_number__v) },
        state: String(row.state__v),
        fields: values,
        ...(file === undefined ? {} : { file }),
      })
    }
    const outcomes = await vault.documents.applySourceVersions(ctx.actor, sources)
    for (const [i, outcome] of outcomes.entries()) {
      const id = sources[i]!.sourceDocumentId
      if ('error' in outcome) {
        if (!failsAlone(outcome.error)) throw outcome.error
        ctx.failures.push({
          key: id,
          errorCode: outcome.error.code,
          message: `The CrossLink of document ${id} could not be written: ${outcome.error.message}`,
        })
      } else out.set(id, outcome.id)
    }
  }
  return out
}

/** Obsoletes the CrossLinks of these sources (B20: never deleted). */
async function obsoleteCrossLinks(ctx: Context, sourceIds: readonly string[]): Promise<void> {
  for (const id of sourceIds)
    await ctx.vault.documents.obsoleteCrossLink(ctx.actor, ctx.connection.remoteVaultId, id)
}

/** The slide ids of links `{vaultId}_{slideId}` of this connection's Medical Vault. */
function slideIdsOf(ctx: Context, links: readonly string[]): string[] {
  return links
    .filter((l) => l.startsWith(ctx.writer.sourcePrefix))
    .map((l) => l.slice(ctx.writer.sourcePrefix.length))
}

/** Publishes one presentation: key messages, the presentation, its slide order; withdraws what it stopped using. */
async function publish(
  ctx: Context,
  plan: Extract<PresentationPlan, { kind: 'publish' }>,
  source: ClmSource,
  crossLinks: ReadonlyMap<string, number>,
): Promise<void> {
  const { vault, writer } = ctx
  const db = vault.storage.db
  const applied = await applyFieldRules(
    ctx.fieldRules.filter((r) => r.targetObject === 'clm_presentation__v'),
    plan.binder,
    ctx.rules,
    ctx.resolvers,
  )
  for (const issue of applied.issues)
    ctx.failures.push({
      key: plan.binderId,
      errorCode: 'INVALID_DATA',
      message: `${issue.targetField}: ${issue.message}`,
    })
  const mapped = { ...(applied.values.get('clm_presentation__v') ?? {}) }
  // A presentation has one product: the first of the binder's mapped products.
  if (Array.isArray(mapped.product__v)) mapped.product__v = mapped.product__v[0] ?? null
  const { surplus, withdrawnLinks } = await db.transaction().execute(async (trx) => {
    const keyMessages: string[] = []
    const replaced: string[] = []
    for (const slideId of plan.slideIds) {
      const km = await ensureKeyMessage(
        trx,
        writer,
        slideId,
        source.slides.get(slideId)!,
        crossLinks.get(slideId),
      )
      keyMessages.push(km.id)
      if (km.replaced !== undefined) replaced.push(km.replaced)
    }
    const presentationId = await upsertPresentation(trx, writer, plan.binderId, {
      name__v: String(plan.binder.name__v ?? plan.binderId).slice(0, 128),
      crosslink_document__v: crossLinks.get(plan.binderId) ?? null,
      version__v: versionOf(plan.binder),
      ...mapped,
    })
    const rows = await syncSlideRows(trx, writer, presentationId, keyMessages)
    // B18: the presentations showing a replaced key message move to the new one with this notice
    // (the Medical Vault names every presentation of a changed slide); the old one is withdrawn.
    const withdrawnLinks = await withdrawUnusedKeyMessages(
      trx,
      writer,
      [...rows.dropped, ...replaced],
      rows.surplus,
    )
    return { surplus: rows.surplus, withdrawnLinks: await linksWithoutActiveKeyMessage(trx, withdrawnLinks) }
  })
  if (surplus.length > 0) {
    const results = await vault.records.delete(ctx.actor, 'clm_presentation_slide__v', surplus)
    const failed = results.find((r) => r.responseStatus === 'FAILURE')
    if (failed !== undefined)
      throw new LiaisonError(
        'INTERNAL',
        `A removed slide of presentation ${plan.binderId} could not be taken out of its CLM Presentation: ${failed.errors?.map((e) => e.message).join(' ')}`,
      )
  }
  await obsoleteCrossLinks(ctx, slideIdsOf(ctx, withdrawnLinks))
}

/**
 * Withdraws one presentation (B18, B20): `withdrawn__v`, its CrossLinks obsoleted, and the key
 * messages no active presentation uses any more withdrawn with theirs. Nothing is deleted.
 */
async function withdraw(ctx: Context, binderId: string): Promise<void> {
  const { vault, writer } = ctx
  const withdrawnLinks = await vault.storage.db.transaction().execute(async (trx) => {
    const presentation = await presentationByLink(trx, `${writer.sourcePrefix}${binderId}`)
    if (presentation === undefined) return []
    if (presentation.status__v !== 'withdrawn__v')
      await withdrawPresentation(trx, writer, String(presentation.id))
    const links = await withdrawUnusedKeyMessages(
      trx,
      writer,
      await keyMessagesOf(trx, String(presentation.id)),
      [],
    )
    return linksWithoutActiveKeyMessage(trx, links)
  })
  await obsoleteCrossLinks(ctx, [binderId, ...slideIdsOf(ctx, withdrawnLinks)])
}

/**
 * The bad slides not already reported: an open exception item of this connection for the slide that
 * names every presentation it blocks now (a later notice of one of them does not report it again).
 */
async function unreported(ctx: Context, badSlides: readonly BadSlide[]): Promise<FailedItem[]> {
  if (badSlides.length === 0) return []
  const open = await ctx.vault.storage.db
    .selectFrom('exception_item__sys as i')
    .innerJoin('exception_message__sys as m', 'm.id', 'i.exception_message__sys')
    .select(['i.item_key__sys', 'i.error_message__sys'])
    .where('m.connection__sys', '=', ctx.connection.id)
    .where('m.state__v', 'in', ['open__sys', 'reprocessing__sys'])
    .where(
      'i.item_key__sys',
      'in',
      badSlides.map((b) => b.slideId),
    )
    .execute()
  return badSlides
    .filter(
      (bad) =>
        !open.some(
          (item) =>
            String(item.item_key__sys) === bad.slideId &&
            [...bad.presentations].every(([id, name]) =>
              String(item.error_message__sys).includes(presentationLabel(id, name)),
            ),
        ),
    )
    .map(badSlideItem)
}

function presentationLabel(id: string, name: string): string {
  return `"${name}" (${id})`
}

function badSlideItem(bad: BadSlide): FailedItem {
  const names = [...bad.presentations].map(([id, name]) => presentationLabel(id, name)).join(', ')
  return {
    key: bad.slideId,
    errorCode: 'INVALID_DATA',
    message: `Slide "${bad.name}" (${bad.slideId}) ${bad.reason}, which keeps ${bad.presentations.size === 1 ? 'presentation' : 'presentations'} ${names} from being published. Fix the slide in the Medical Vault, then reprocess this exception or approve the presentation again.`,
  }
}

/**
 * B18 on the CRM side: the processor of the Medical Vault's CLM notices. One set of VQL callbacks
 * reads every named presentation binder, its nodes and its slides as they are now; each
 * presentation is then published (CrossLinks, key messages, the presentation, its slide order),
 * withdrawn, or held back by a bad slide, which is reported once as a User Exception item naming
 * the slide and every presentation it blocks. Reading the source as it is now makes repeated and
 * out-of-order notices converge on the same records.
 */
export function receiveClm(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    const db = vault.storage.db
    const failures: FailedItem[] = []
    const ids = [...new Set(message.items.filter((id) => DOCUMENT_ID.test(id)))]
    for (const id of message.items)
      if (!DOCUMENT_ID.test(id))
        failures.push({ key: id, errorCode: 'INVALID_DATA', message: `"${id}" is not a document id.` })
    const rules = await loadRuleSet(db, connection.id)
    const fieldRules = clmFieldRules(rules)
    const source = await readClmSource(remote, ids, fieldRules)
    const ctx: Context = {
      vault,
      connection,
      remote,
      actor,
      rules,
      fieldRules,
      resolvers: crmDocumentLookups(db, remote, [...source.binders.values(), ...source.slides.values()]),
      writer: { records: vault.records, actor, sourcePrefix: `${connection.remoteVaultId}_` },
      failures,
    }
    const { plans, badSlides } = planPresentations(ids, source.binders, source.nodes, source.slides)
    const published = plans.filter(
      (p): p is Extract<PresentationPlan, { kind: 'publish' }> => p.kind === 'publish',
    )
    const documents = new Map<string, SourceRow>()
    for (const plan of published) {
      documents.set(plan.binderId, plan.binder)
      for (const slideId of plan.slideIds) documents.set(slideId, source.slides.get(slideId)!)
    }
    const crossLinks = await applyCrossLinks(ctx, documents)
    for (const plan of plans) {
      try {
        if (plan.kind === 'withdraw') await withdraw(ctx, plan.binderId)
        else if (plan.kind === 'publish') {
          const missing = [plan.binderId, ...plan.slideIds].find((id) => !crossLinks.has(id))
          if (missing !== undefined) continue // its CrossLink failed: reported above
          await publish(ctx, plan, source, crossLinks)
        }
      } catch (error) {
        if (!failsAlone(error)) throw error
        failures.push({ key: plan.binderId, errorCode: error.code, message: error.message })
      }
    }
    const items = [...failures, ...(await unreported(ctx, badSlides))]
    if (items.length > 0)
      await db.transaction().execute((trx) =>
        recordException(trx, vault.records, connection.apiName, {
          body: exceptionBodyOf('inbound', message),
          errorCode: items[0]!.errorCode,
          errorMessage: `${items.length} CLM ${items.length === 1 ? 'item' : 'items'} from ${connection.remoteName} need attention: ${items[0]!.message}`,
          failedItems: items,
        }),
      )
  }
}

/** The point this processor serves (registered under the Medical Vault's outbound point name). */
export const CLM_NOTICE_POINT = INTEGRATION_POINTS.clmOutbound

import { randomUUID } from 'node:crypto'
import {
  type ConnectionInfo,
  type ExceptionMessageBody,
  exceptionBodyOf,
  type FailedItem,
  type InboundMessage,
  type MessageProcessor,
  recordException,
} from '../../../platform/messaging/index.js'
import type { RecordGuard } from '../../../platform/records/index.js'
import { holdRecord } from '../../../platform/storage/index.js'
import { vqlString, vqlStringList } from '../../../platform/vql/index.js'
import { findPullPoint, keysetPages, WATERMARK_OVERLAP_MS } from '../../pulls/index.js'
import { INTEGRATION_POINTS } from '../../rules/index.js'
import { connectionActor, type FlowVault } from '../flow-ports.js'
import { APPROVED_EMAIL_ORDERING_KEY, APPROVED_EMAIL_TYPES } from './approved-email-content.js'
import { syncApprovedEmail } from './sync-approved-email.js'

async function reportFailures(
  vault: FlowVault,
  connection: ConnectionInfo,
  body: ExceptionMessageBody,
  received: number,
  failures: readonly FailedItem[],
): Promise<void> {
  if (failures.length === 0) return
  await vault.storage.db.transaction().execute((trx) =>
    recordException(trx, vault.records, connection.apiName, {
      body,
      errorCode: failures[0]!.errorCode,
      errorMessage: `${failures.length} of ${received} Approved Email documents from ${connection.remoteName} need attention: ${failures[0]!.message}`,
      failedItems: [...failures],
    }),
  )
}

/**
 * B19 on the CRM side: the processor of the Medical Vault's Approved Email notices. The message
 * names sources only; syncApprovedEmail reads them back and brings this CRM in step. Sources that
 * cannot be shown become the items of one User Exception Message (B11); reprocessing it runs this
 * again on the same ids.
 */
export function receiveApprovedEmail(vault: FlowVault): MessageProcessor {
  return async (message: InboundMessage, { connection, remote, actor }) => {
    // Approved Email switched off on this CRM: the notice is acknowledged; the watermark did not
    // move, so the pull catches up once the point is active again.
    if (
      (await findPullPoint(vault.storage.db, connection, INTEGRATION_POINTS.approvedEmailInbound)) ===
      undefined
    )
      return
    const { failures } = await syncApprovedEmail(
      vault,
      { connection, remote, actor, attempt: message.attempts + 1 },
      message.items,
    )
    await reportFailures(
      vault,
      connection,
      exceptionBodyOf('inbound', message),
      message.items.length,
      failures,
    )
  }
}

/** What one scheduled Approved Email pull read and synced. */
export interface ApprovedEmailPullResult {
  readonly mode: 'pulled' | 'off'
  readonly read: number
  readonly synced: number
  readonly watermark: string | null
}

/** Sources read per page of the scheduled pull. */
export const APPROVED_EMAIL_PULL_PAGE = 200

/**
 * B19's safety net on the CRM side (B12): the Approved Email sources of this CRM's countries
 * changed in the Medical Vault since the point's Last Successful Run Time (minus the overlap) are
 * synced as a notice would sync them, page by page; the watermark moves forward after each page is
 * in step, so a missed or dead notice (a CRM unreachable for long) is caught up at the next run.
 */
export async function pullApprovedEmail(
  vault: FlowVault,
  connection: ConnectionInfo,
): Promise<ApprovedEmailPullResult> {
  const db = vault.storage.db
  const point = await findPullPoint(db, connection, INTEGRATION_POINTS.approvedEmailInbound)
  if (point === undefined) return { mode: 'off', read: 0, synced: 0, watermark: null }
  const remote = vault.messaging.remote(connection)
  const actor = connectionActor(connection)
  const since =
    point.watermark === null
      ? null
      : new Date(Date.parse(point.watermark) - WATERMARK_OVERLAP_MS).toISOString()
  const filter = [`type__v CONTAINS ${vqlStringList([...APPROVED_EMAIL_TYPES])}`]
  if (since !== null) filter.push(`modified_date__v >= ${vqlString(since)}`)
  let read = 0
  let synced = 0
  let watermark = point.watermark
  // Sources of every country are read: syncing one this CRM is not routed is not possible to tell
  // here without Medical's Connection Countries, so the pull keeps to sources it already shows or
  // whose countries its own filter covers (routedHere).
  const routed = await routedHere(vault, connection, remote)
  for await (const page of keysetPages(remote, {
    object: 'documents',
    fields: ['country__v'],
    filter,
    keys: ['modified_date__v', 'id'],
    pageSize: APPROVED_EMAIL_PULL_PAGE,
  })) {
    const ids = page.filter((row) => routed(row)).map((row) => String(row.id))
    const result = await syncApprovedEmail(vault, { connection, remote, actor, attempt: 1 }, ids)
    // B11: the items of a pull's exception are the sources; reprocessing sends them through the processor.
    await reportFailures(
      vault,
      connection,
      {
        kind: 'inbound',
        messageId: `approved-email-pull:${randomUUID()}`,
        connectionId: connection.id,
        integrationPoint: INTEGRATION_POINTS.approvedEmailOutbound,
        orderingKey: APPROVED_EMAIL_ORDERING_KEY,
        items: result.failures.map((f) => f.key),
        attributes: {},
      },
      ids.length,
      result.failures,
    )
    read += page.length
    synced += result.synced
    const newest = page.reduce<string | null>(
      (max, row) => (max === null || String(row.modified_date__v) > max ? String(row.modified_date__v) : max),
      null,
    )
    watermark = await db.transaction().execute(async (trx) => {
      await holdRecord(trx, 'integration_point__sys', point.id)
      const saved = await trx
        .selectFrom('integration_point__sys')
        .select('last_successful_run_time__sys')
        .where('id', '=', point.id)
        .executeTakeFirst()
      const current =
        saved?.last_successful_run_time__sys == null ? null : String(saved.last_successful_run_time__sys)
      if (newest === null || (current !== null && current >= newest)) return current
      await vault.records.updateIn(trx, actor, 'integration_point__sys', [
        { id: point.id, values: { last_successful_run_time__sys: newest } },
      ])
      return newest
    })
  }
  return { mode: 'pulled', read, synced, watermark }
}

/**
 * Which pulled sources belong to this CRM: those it already shows (their changes, an expiry), and
 * those whose countries (Global included) its Connection Settings filter covers, as Medical routes them.
 */
async function routedHere(
  vault: FlowVault,
  connection: ConnectionInfo,
  remote: ReturnType<FlowVault['messaging']['remote']>,
): Promise<(row: Readonly<Record<string, unknown>>) => boolean> {
  const settings = await vault.storage.db
    .selectFrom('connection_settings__v')
    .select('country_filter__v')
    .where((eb) => eb.or([eb('connection__sys', 'is', null), eb('connection__sys', '=', connection.id)]))
    .where('status__v', '=', 'active__v')
    .execute()
  const codes = new Set(
    settings.flatMap((s) =>
      String(s.country_filter__v ?? '')
        .split(',')
        .filter((c) => c !== ''),
    ),
  )
  const { data } = await remote.query('SELECT id, abbreviation__v FROM country__v')
  const covered = new Set<string>()
  for (const row of data) {
    const abbreviation = String(row.abbreviation__v ?? '')
    if (abbreviation === 'GLOBAL' || codes.has(`${abbreviation.toLowerCase()}__v`))
      covered.add(String(row.id))
  }
  const shown = new Set(
    (
      await vault.storage.db
        .selectFrom('approved_document__v')
        .select('link__v')
        .where('link__v', 'like', `${connection.remoteVaultId}\\_%`)
        .execute()
    ).map((r) => String(r.link__v).slice(String(connection.remoteVaultId).length + 1)),
  )
  return (row) => {
    if (shown.has(String(row.id))) return true
    const countries = Array.isArray(row.country__v) ? row.country__v.map(String) : []
    return countries.some((c) => covered.has(c))
  }
}

/**
 * B19: Approved Documents are the connection's alone: a person (an admin included) reads them but
 * never changes or deletes them; the fields are `editableBy: 'connection'`, and this guard keeps
 * people off their status too.
 */
export const approvedDocumentGuard: RecordGuard = (_row, change, actor) =>
  actor.connection !== undefined || actor.securityProfile === 'system'
    ? undefined
    : `Approved Documents are written by the Medical-CRM connection from the Medical Vault's Approved Email content; ${change.operation === 'delete' ? 'deleting' : 'changing'} one here is not allowed. Change the source document in the Medical Vault instead.`

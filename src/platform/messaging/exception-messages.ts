import type { Kysely, Transaction } from 'kysely'
import { LiaisonError } from '../errors/index.js'
import type { RecordActor, RecordService } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'
import type { InboundMessage, MessageAttributes, OutboundMessage } from './messaging-types.js'

/** `exception_message__sys.error_message__sys` holds at most this many characters. */
const ERROR_MESSAGE_MAX = 1_500
const ITEMS_PER_WRITE = 500

/** What `message_body_json__sys` holds: enough to send or process the message again. */
export interface ExceptionMessageBody {
  /** `outbound`: this vault could not deliver it; `inbound`: this vault could not process (or refused) it. */
  readonly kind: 'outbound' | 'inbound'
  readonly messageId: string
  readonly connectionId: string
  readonly integrationPoint: string
  readonly orderingKey: string
  readonly items: readonly string[]
  readonly attributes: MessageAttributes
  /** Set when the message was refused before it was stored (B3): it cannot be reprocessed here. */
  readonly refused?: boolean
}

/** One record of a message that failed, when not every item failed for the same reason. */
export interface FailedItem {
  /** The source record id. */
  readonly key: string
  readonly errorCode: string
  readonly message: string
}

export interface ExceptionDraft {
  readonly body: ExceptionMessageBody
  /** The Liaison error code (`OPERATION_NOT_ALLOWED`). */
  readonly errorCode: string
  readonly errorMessage: string
  /** The items that failed, each with its reason (a processor isolates records, B11). (Default: every item, for the message's reason) */
  readonly failedItems?: readonly FailedItem[]
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** The actor that writes exceptions: the vault itself, naming the connection and message (B22). */
export function messagingActor(
  connectionApiName: string | undefined,
  messageId: string | undefined,
): RecordActor {
  return {
    userId: 'system',
    userName: 'System',
    securityProfile: 'system',
    ...(connectionApiName === undefined ? {} : { connection: connectionApiName }),
    ...(messageId === undefined ? {} : { messageId }),
  }
}

/**
 * Writes a User Exception Message and one item per message item in the caller's transaction
 * (B11). The integration point record is linked when the connection has one of that name.
 */
export async function recordException(
  db: Transaction<VaultDb>,
  records: RecordService,
  connectionApiName: string | undefined,
  draft: ExceptionDraft,
): Promise<string> {
  const { body } = draft
  const point = await db
    .selectFrom('integration_point__sys')
    .select(['id', 'integration__sys'])
    .where('connection__sys', '=', body.connectionId)
    .where('integration_point_api_name__sys', '=', body.integrationPoint)
    .executeTakeFirst()
  const connectionExists = await db
    .selectFrom('connection__sys')
    .select('id')
    .where('id', '=', body.connectionId)
    .executeTakeFirst()
  const actor = messagingActor(connectionApiName, body.messageId)
  const errorMessage = clip(draft.errorMessage, ERROR_MESSAGE_MAX)
  const [created] = await records.createIn(db, actor, 'exception_message__sys', [
    {
      connection__sys: connectionExists === undefined ? null : body.connectionId,
      integration_point__sys: point === undefined ? null : String(point.id),
      integration__sys:
        point?.integration__sys === undefined ? null : (point.integration__sys as string | null),
      error_type__sys: clip(draft.errorCode, 64),
      error_message__sys: errorMessage,
      message_id__sys: body.messageId,
      message_body_json__sys: JSON.stringify(body),
      message_items_received__sys: body.items.length,
      message_items_failed__sys: draft.failedItems?.length ?? body.items.length,
      reprocess_count__sys: 0,
    },
  ])
  if (created?.id === undefined)
    throw new LiaisonError(
      'INTERNAL',
      `The User Exception Message for message ${body.messageId} could not be written: ${created?.errors?.map((e) => e.message).join(' ') ?? 'no result'}`,
    )
  const exceptionId = created.id
  const failed =
    draft.failedItems ?? body.items.map((key) => ({ key, errorCode: draft.errorCode, message: errorMessage }))
  const items = failed.map((item) => ({
    exception_message__sys: exceptionId,
    item_key__sys: clip(item.key, 100),
    error_status__sys: 'failure__sys',
    error_type__sys: clip(item.errorCode, 64),
    error_message__sys: clip(item.message, ERROR_MESSAGE_MAX),
  }))
  for (let i = 0; i < items.length; i += ITEMS_PER_WRITE) {
    const results = await records.createIn(
      db,
      actor,
      'exception_item__sys',
      items.slice(i, i + ITEMS_PER_WRITE),
    )
    const failed = results.find((r) => r.id === undefined)
    if (failed !== undefined)
      throw new LiaisonError(
        'INTERNAL',
        `A User Exception Item of message ${body.messageId} could not be written: ${failed.errors?.map((e) => e.message).join(' ')}`,
      )
  }
  return exceptionId
}

/** The message's exceptions still open now (open or being reprocessed). */
export async function openExceptionIds(db: Kysely<VaultDb>, messageId: string): Promise<string[]> {
  const open = await db
    .selectFrom('exception_message__sys')
    .select('id')
    .where('message_id__sys', '=', messageId)
    .where('state__v', 'in', ['open__sys', 'reprocessing__sys'])
    .execute()
  return open.map((r) => String(r.id))
}

/**
 * Resolves the exceptions a message had before it went through (given, or read now). Exceptions a
 * processor writes while it runs (item failures) are newer and stay open.
 */
export async function resolveExceptions(
  db: Kysely<VaultDb>,
  records: RecordService,
  messageId: string,
  ids?: readonly string[],
): Promise<void> {
  const open = ids ?? (await openExceptionIds(db, messageId))
  if (open.length === 0) return
  await records.runAction(
    messagingActor(undefined, messageId),
    'exception_message__sys',
    [...open],
    'resolve__sys',
  )
}

/** Reads and checks `message_body_json__sys` of an exception. */
export function parseExceptionBody(text: unknown, exceptionId: string): ExceptionMessageBody {
  const fail = () =>
    new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `User Exception Message ${exceptionId} does not hold a message Liaison can send again (message_body_json__sys is missing or not a Liaison message).`,
    )
  if (typeof text !== 'string' || text === '') throw fail()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw fail()
  }
  if (typeof value !== 'object' || value === null) throw fail()
  const v = value as Record<string, unknown>
  if (
    (v.kind !== 'outbound' && v.kind !== 'inbound') ||
    typeof v.messageId !== 'string' ||
    typeof v.connectionId !== 'string' ||
    typeof v.integrationPoint !== 'string' ||
    typeof v.orderingKey !== 'string' ||
    !Array.isArray(v.items) ||
    !v.items.every((i) => typeof i === 'string') ||
    typeof v.attributes !== 'object' ||
    v.attributes === null
  )
    throw fail()
  return {
    kind: v.kind,
    messageId: v.messageId,
    connectionId: v.connectionId,
    integrationPoint: v.integrationPoint,
    orderingKey: v.orderingKey,
    items: v.items as string[],
    attributes: v.attributes as MessageAttributes,
    ...(v.refused === true ? { refused: true } : {}),
  }
}

/** The body of a User Exception Message about one message, with what reprocessing it needs. */
export function exceptionBodyOf(
  kind: 'outbound' | 'inbound',
  message: OutboundMessage | InboundMessage,
): ExceptionMessageBody {
  return {
    kind,
    messageId: message.id,
    connectionId: message.connectionId,
    integrationPoint: message.integrationPoint,
    orderingKey: message.orderingKey,
    items: message.items,
    attributes: message.attributes,
  }
}

import type { Kysely } from 'kysely'
import type { RecordActor, RecordService } from '../../platform/records/index.js'
import type { VaultDb } from '../../platform/storage/index.js'

export interface ExceptionItemDraft {
  /** The source record id. */
  readonly key: string
  readonly errorType: string
  readonly message: string
}

export interface ExceptionDraft {
  readonly connectionId: string
  readonly integrationPoint: string
  readonly errorType: string
  readonly errorMessage: string
  readonly messageId?: string
  /** Enough to process the message again (B11): what arrived, as JSON. */
  readonly messageBody: unknown
  readonly itemsReceived: number
  readonly items: readonly ExceptionItemDraft[]
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/**
 * Writes a User Exception Message with one item per failed record, in the caller's transaction,
 * so that an admin sees what failed and can reprocess it (B11).
 */
export async function recordException(
  db: Kysely<VaultDb>,
  records: RecordService,
  actor: RecordActor,
  draft: ExceptionDraft,
): Promise<string> {
  const point = await db
    .selectFrom('integration_point__sys')
    .select(['id', 'integration__sys'])
    .where('connection__sys', '=', draft.connectionId)
    .where('integration_point_api_name__sys', '=', draft.integrationPoint)
    .executeTakeFirst()
  const [message] = await records.createIn(db, actor, 'exception_message__sys', [
    {
      connection__sys: draft.connectionId,
      integration_point__sys: point?.id ?? null,
      integration__sys: point?.integration__sys ?? null,
      error_type__sys: draft.errorType,
      error_message__sys: clip(draft.errorMessage, 1500),
      message_id__sys: draft.messageId ?? null,
      message_body_json__sys: clip(JSON.stringify(draft.messageBody), 32_000),
      message_items_received__sys: draft.itemsReceived,
      message_items_failed__sys: draft.items.length,
    },
  ])
  const id = message?.id
  if (id === undefined)
    throw new Error(`The exception could not be recorded: ${JSON.stringify(message?.errors)}`)
  if (draft.items.length > 0)
    await records.createIn(
      db,
      actor,
      'exception_item__sys',
      draft.items.map((item) => ({
        exception_message__sys: id,
        item_key__sys: item.key,
        error_type__sys: item.errorType,
        error_message__sys: clip(item.message, 1500),
      })),
    )
  return id
}

import { LiaisonError } from '../errors/index.js'
import type { VaultRow } from '../storage/index.js'
import { MESSAGE_ATTRIBUTES_MAX_BYTES, MESSAGE_ITEMS_MAX, MESSAGE_KEY_MAX_LENGTH } from './defaults.js'
import {
  INBOUND_STATES,
  type InboundMessage,
  type InboundState,
  type MessageAttributes,
  type MessageAttributeValue,
  OUTBOUND_STATES,
  type OutboundDraft,
  type OutboundMessage,
  type OutboundState,
} from './messaging-types.js'

/** What the sender posts to the receiver's inbound endpoint (after Vault Spark's envelope). */
export interface WireMessage {
  readonly message_id: string
  readonly vault_id: string
  readonly vault_name: string
  readonly integration_point: string
  readonly ordering_key: string
  readonly enter_queue_timestamp: string
  readonly send_message_timestamp: string
  readonly send_attempt: number
  readonly message: { readonly items: readonly string[]; readonly attributes: MessageAttributes }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function key(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MESSAGE_KEY_MAX_LENGTH)
    throw new LiaisonError(
      'FIELD_TYPE',
      `${what} must be a non-empty string of at most ${MESSAGE_KEY_MAX_LENGTH} characters, got ${JSON.stringify(value)?.slice(0, 80)}.`,
    )
  return value
}

/** Checks items: 1 to 500 non-empty ids; repeats are dropped, order kept. */
export function parseItems(value: unknown, what = 'items'): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new LiaisonError('FIELD_TYPE', `${what} must be a non-empty array of record ids.`)
  if (value.length > MESSAGE_ITEMS_MAX)
    throw new LiaisonError(
      'TOO_MANY_RECORDS',
      `A message carries at most ${MESSAGE_ITEMS_MAX} items, got ${value.length}; split them across messages.`,
    )
  return [...new Set(value.map((item, i) => key(item, `${what}[${i}]`)))]
}

/** Checks attributes: a flat object of strings, numbers, booleans and nulls, at most 4 KB of JSON. */
export function parseAttributes(value: unknown): MessageAttributes {
  if (value === undefined || value === null) return {}
  if (!isPlainObject(value)) throw new LiaisonError('FIELD_TYPE', 'attributes must be a JSON object.')
  const out: Record<string, MessageAttributeValue> = {}
  for (const [name, v] of Object.entries(value)) {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw new LiaisonError(
        'FIELD_TYPE',
        `Attribute ${name} must be a string, number, boolean or null: messages carry ids and small values, the receiver calls back for data.`,
      )
    out[name] = v
  }
  const size = Buffer.byteLength(JSON.stringify(out))
  if (size > MESSAGE_ATTRIBUTES_MAX_BYTES)
    throw new LiaisonError(
      'FIELD_TOO_LONG',
      `Message attributes take ${size} bytes of JSON; at most ${MESSAGE_ATTRIBUTES_MAX_BYTES} are allowed. Send ids and let the receiver call back for data.`,
    )
  return Object.freeze(out)
}

/** Checks a draft before it is queued. */
export function parseOutboundDraft(draft: OutboundDraft): Required<OutboundDraft> {
  const items = parseItems(draft.items)
  return {
    connectionId: key(draft.connectionId, 'connectionId'),
    integrationPoint: key(draft.integrationPoint, 'integrationPoint'),
    items,
    orderingKey: draft.orderingKey === undefined ? items[0]! : key(draft.orderingKey, 'orderingKey'),
    attributes: parseAttributes(draft.attributes),
  }
}

/** Checks a posted message; BODY_MALFORMED names what is wrong. */
export function parseWireMessage(value: unknown): WireMessage {
  const bad = (what: string) =>
    new LiaisonError('BODY_MALFORMED', `The message is not a Liaison message: ${what}.`)
  if (!isPlainObject(value)) throw bad('the body must be a JSON object')
  if (typeof value.message_id !== 'string' || !UUID_RE.test(value.message_id))
    throw bad('message_id must be a UUID')
  if (!isPlainObject(value.message)) throw bad('message must be an object with items and attributes')
  try {
    return {
      message_id: value.message_id.toLowerCase(),
      vault_id: String(value.vault_id ?? ''),
      vault_name: typeof value.vault_name === 'string' ? value.vault_name : '',
      integration_point: key(value.integration_point, 'integration_point'),
      ordering_key: key(value.ordering_key, 'ordering_key'),
      enter_queue_timestamp:
        typeof value.enter_queue_timestamp === 'string' ? value.enter_queue_timestamp : '',
      send_message_timestamp:
        typeof value.send_message_timestamp === 'string' ? value.send_message_timestamp : '',
      send_attempt: typeof value.send_attempt === 'number' ? value.send_attempt : 1,
      message: {
        items: parseItems(value.message.items, 'message.items'),
        attributes: parseAttributes(value.message.attributes),
      },
    }
  } catch (error) {
    if (error instanceof LiaisonError) throw bad(error.message)
    throw error
  }
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value)
}

function optionalText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

function jsonArray(value: unknown): string[] {
  try {
    const parsed = JSON.parse(text(value)) as unknown
    return Array.isArray(parsed) ? parsed.map(String) : []
  } catch {
    return []
  }
}

function jsonObject(value: unknown): MessageAttributes {
  try {
    const parsed = JSON.parse(text(value)) as unknown
    return isPlainObject(parsed) ? (parsed as MessageAttributes) : {}
  } catch {
    return {}
  }
}

export function toOutboundMessage(row: VaultRow): OutboundMessage {
  const state = text(row.state)
  return {
    id: text(row.id),
    connectionId: text(row.connection_id),
    integrationPoint: text(row.integration_point),
    orderingKey: text(row.ordering_key),
    items: jsonArray(row.items),
    attributes: jsonObject(row.attributes),
    state: (OUTBOUND_STATES as readonly string[]).includes(state) ? (state as OutboundState) : 'dead',
    attempts: Number(row.attempts ?? 0),
    lastError: optionalText(row.last_error),
    lastErrorCode: optionalText(row.last_error_code),
    createdDate: text(row.created_date),
    deliveredDate: optionalText(row.delivered_date),
  }
}

export function toInboundMessage(row: VaultRow): InboundMessage {
  const state = text(row.state)
  return {
    id: text(row.message_id),
    connectionId: text(row.connection_id),
    integrationPoint: text(row.integration_point),
    orderingKey: text(row.ordering_key),
    items: jsonArray(row.items),
    attributes: jsonObject(row.attributes),
    state: (INBOUND_STATES as readonly string[]).includes(state) ? (state as InboundState) : 'failed',
    attempts: Number(row.attempts ?? 0),
    receivedDate: text(row.received_date),
    enqueuedDate: optionalText(row.enqueued_date),
  }
}

/** A job payload `{ messageId }`, checked: an older release or another process may have written it. */
export function assertMessageIdPayload(payload: unknown): { messageId: string } {
  if (!isPlainObject(payload) || typeof payload.messageId !== 'string' || payload.messageId === '')
    throw new LiaisonError(
      'FIELD_TYPE',
      `A messaging job payload must be {"messageId": "…"}, got ${JSON.stringify(payload)?.slice(0, 120)}.`,
    )
  return { messageId: payload.messageId }
}

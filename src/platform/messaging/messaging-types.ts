import type { Transaction } from 'kysely'
import type { ErrorCode, LiaisonError } from '../errors/index.js'
import type { SecurityProfile } from '../metadata/index.js'
import type { RecordActor } from '../records/index.js'
import type { VaultDb } from '../storage/index.js'

/**
 * Messaging glossary.
 * - connection: a `connection__sys` record naming one remote vault, its public key and the users
 *   through which each side calls the other. Only an active connection carries traffic (B1).
 * - message: a small, signed notice that records changed: an id (UUID), an integration point,
 *   up to 500 item ids and a few attributes. Never the data itself: the receiver calls back for it.
 * - item: one record id inside a message.
 * - integration point: the name (`integration_point_api_name__sys`) of one direction of a business
 *   use case; the receiver dispatches a message to the processor registered for it.
 * - ordering key: messages with the same key (usually the source record id) are delivered and
 *   processed one at a time, in the order they were enqueued.
 * - outbound queue: the sender's table of messages, written in the transaction of the change
 *   (transactional outbox); delivery posts them to the remote inbound endpoint.
 * - inbound queue: the receiver's table of accepted messages, unique by message id, so a repeat
 *   is acknowledged and ignored.
 * - attempt: one try to deliver (or process) a message; retryable failures back off
 *   (1 s, 2 s, 4 s … 5 min, ±20 %).
 * - dead: an outbound message that used up its attempts or that the remote refused outright
 *   ("not allowed"); it becomes a User Exception Message that an admin can reprocess.
 * - callback: a signed request from a processor to the remote vault's REST API, run there as the
 *   remote's authorised integration user (B2).
 */

export const CONNECTION_STATUSES = ['pending__sys', 'active__v', 'inactive__v'] as const
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number]

export const REMOTE_ENVIRONMENTS = ['production', 'sandbox'] as const
export type RemoteEnvironment = (typeof REMOTE_ENVIRONMENTS)[number]

/** A connection as code sees it. Remote fields are empty strings while the connection is pending. */
export interface ConnectionInfo {
  /** `connection__sys` record id in this vault. */
  readonly id: string
  readonly name: string
  /** `api_name__sys`, unique within the vault (`medical_crm__v`). */
  readonly apiName: string
  readonly status: ConnectionStatus
  readonly remoteVaultId: string
  /** The remote vault's origin, e.g. `http://127.0.0.1:4101`. */
  readonly remoteUrl: string
  /** The remote vault's name, e.g. `crm-na`. */
  readonly remoteName: string
  /** B3: a production vault refuses data from a sandbox. (Default while pending: production) */
  readonly remoteEnvironment: RemoteEnvironment
  /** PEM of the remote vault's Ed25519 public key. */
  readonly remotePublicKey: string
  /** Username of the remote integration user through which this vault calls back. */
  readonly remoteIntegrationUser: string
  /** `user__sys` id of the local integration user the remote vault calls back as. */
  readonly localIntegrationUserId: string
  /** Username of that local integration user. */
  readonly localIntegrationUserName: string
  readonly establishedDate: string | null
}

export type MessageAttributeValue = string | number | boolean | null
export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>

/** What a flow writes to the outbound queue. */
export interface OutboundDraft {
  /** `connection__sys` id of the connection to send through. */
  readonly connectionId: string
  /** The integration point (`integration_point_api_name__sys`) the receiver dispatches on. */
  readonly integrationPoint: string
  /** Record ids, 1 to 500. */
  readonly items: readonly string[]
  /** Messages with the same key go out one at a time in order. (Default: the first item) */
  readonly orderingKey?: string
  /** Small values only (at most 4 KB of JSON). */
  readonly attributes?: MessageAttributes
}

export const OUTBOUND_STATES = ['pending', 'delivered', 'dead'] as const
export type OutboundState = (typeof OUTBOUND_STATES)[number]

export interface OutboundMessage {
  readonly id: string
  readonly connectionId: string
  readonly integrationPoint: string
  readonly orderingKey: string
  readonly items: readonly string[]
  readonly attributes: MessageAttributes
  readonly state: OutboundState
  readonly attempts: number
  readonly lastError: string | null
  readonly lastErrorCode: string | null
  readonly createdDate: string
  readonly deliveredDate: string | null
}

export const INBOUND_STATES = ['received', 'processed', 'failed'] as const
export type InboundState = (typeof INBOUND_STATES)[number]

export interface InboundMessage {
  /** The sender's message id; unique in the inbound queue. */
  readonly id: string
  /** Local `connection__sys` id the message arrived through. */
  readonly connectionId: string
  readonly integrationPoint: string
  readonly orderingKey: string
  readonly items: readonly string[]
  readonly attributes: MessageAttributes
  readonly state: InboundState
  readonly attempts: number
  readonly receivedDate: string
  /** When the sender wrote it to its outbound queue. */
  readonly enqueuedDate: string | null
}

/** A VQL response read from a remote vault: all pages, followed to the end. */
export interface RemoteQueryResult {
  readonly data: Record<string, unknown>[]
  readonly queryDescribe?: unknown
  readonly responseDetails: Readonly<Record<string, unknown>>
}

/** One page of a VQL response, as the remote answered it: `responseDetails.next_page` is set when more follow. */
export interface RemoteQueryPage {
  readonly data: Record<string, unknown>[]
  readonly queryDescribe?: unknown
  readonly responseDetails: Readonly<Record<string, unknown>>
}

/**
 * The REST API of the vault at the other end of a connection. Every call is signed with this
 * vault's key and runs there as the remote's authorised integration user (B2).
 */
export interface RemoteVault {
  readonly connection: ConnectionInfo
  /**
   * Runs VQL and follows next_page to the end, holding every row: for results of a few pages at
   * most (`id CONTAINS (…)` of one message's items). next_page pages by offset, so a result that
   * changes between pages throws (retry: backoff) rather than skip a row. Remote failures throw a
   * LiaisonError.
   */
  query(q: string, options?: { readonly describe?: boolean }): Promise<RemoteQueryResult>
  /**
   * Runs VQL and yields its pages one at a time, following next_page while the caller reads on:
   * only one page is held. Stop early to leave the rest unread. Remote failures throw a LiaisonError.
   */
  queryPages(q: string, options?: { readonly describe?: boolean }): AsyncIterable<RemoteQueryPage>
  /**
   * Any API call. `path` is absolute (`/api/v25.2/…`) or relative to the API version (`/vobjects/…`).
   * A plain object or array is sent as JSON, URLSearchParams as a form, a string as CSV. Answers
   * the response envelope, whatever its responseStatus; only transport failures throw.
   */
  request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Record<string, unknown>>
  /** Downloads a file (a document's). A failure envelope throws its LiaisonError, as in query. */
  download(path: string): Promise<RemoteFile>
  /**
   * Downloads the files of several document versions (version ids `{id}_{major}_{minor}`, at most
   * the remote's per-call limit, 50) in one signed call of its batch file route. Answers each
   * version's file or, when the remote could not read that one, its error (a LiaisonError as
   * `download` would have thrown); a call refused whole, unreachable or unreadable throws.
   */
  downloadFiles(versionIds: readonly string[]): Promise<Map<string, RemoteFile | LiaisonError>>
}

/** A file read from a remote vault. */
export interface RemoteFile {
  readonly bytes: Uint8Array
  readonly name: string
  readonly mime: string
  /** The SHA-256 the remote states for the bytes (batch downloads). */
  readonly sha256?: string
}

/** What a processor gets besides the message. */
export interface ProcessorContext {
  readonly connection: ConnectionInfo
  readonly remote: RemoteVault
  /** The local integration user, naming the connection and message for the audit trail (B22). */
  readonly actor: RecordActor
}

/**
 * Handles one inbound message. Throw a LiaisonError whose code retries `never` for data and rule
 * errors (the message fails at once, B11) and anything else for errors worth retrying.
 */
export type MessageProcessor = (message: InboundMessage, context: ProcessorContext) => Promise<void>

/** Runs in the transaction that marks an outbound message dead (B11: tell the source record). */
export type DeadMessageHandler = (
  trx: Transaction<VaultDb>,
  message: OutboundMessage,
  failure: { readonly code: ErrorCode; readonly message: string },
) => Promise<void>

/** Runs in the transaction that activates a connection (seed its integration configuration). */
export type ConnectionEstablishedHandler = (
  trx: Transaction<VaultDb>,
  connection: ConnectionInfo,
) => Promise<void>

/** A signed request as the receiver sees it. */
export interface IncomingSignedRequest {
  readonly method: string
  /** Path with query string, exactly as requested. */
  readonly path: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Uint8Array
}

/** The user a verified callback runs as. */
export interface CallbackIdentity {
  readonly connection: ConnectionInfo
  /** B3: the caller is a sandbox and this vault is production, so it reads only what this vault sends it. */
  readonly sandboxIntoProduction: boolean
  readonly user: {
    readonly userId: string
    readonly username: string
    readonly securityProfile: SecurityProfile
  }
}

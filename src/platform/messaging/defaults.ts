// Messaging defaults from DESIGN.md "Messaging in detail". Change them with a measured reason.

/** Most record ids one message may carry (Vault Spark's limit). */
export const MESSAGE_ITEMS_MAX = 500
/** Largest JSON of a message's attributes: messages carry ids and small attributes only. */
export const MESSAGE_ATTRIBUTES_MAX_BYTES = 4_096
/** Longest item id or ordering key. */
export const MESSAGE_KEY_MAX_LENGTH = 255
/** A signed request whose timestamp is further than this from the receiver's clock is refused. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000
/** How often (at most) a vault prunes its accepted request ids. */
export const SEEN_REQUEST_PRUNE_INTERVAL_MS = 60_000
/** Attempts before an outbound message is dead (1 s, 2 s, 4 s … capped at 5 min, ±20 %). */
export const DELIVERY_MAX_ATTEMPTS = 12
/** Attempts to process an inbound message whose processor fails with a retryable error. */
export const PROCESSING_MAX_ATTEMPTS = 12
/** Time allowed for one HTTP call to a remote vault (delivery or callback). */
export const REMOTE_CALL_TIMEOUT_MS = 30_000
/** The API version used for calls to a remote vault. */
export const REMOTE_API_VERSION = 'v25.2'

/** Header names of a signed request (B2). Node lower-cases incoming header names. */
export const SIGNATURE_HEADERS = Object.freeze({
  vaultId: 'x-liaison-vault-id',
  recipientId: 'x-liaison-recipient-id',
  timestamp: 'x-liaison-timestamp',
  messageId: 'x-liaison-message-id',
  signature: 'x-liaison-signature',
} as const)

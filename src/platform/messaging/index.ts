export { describeConnectionStatus, ENVIRONMENT_VALUES, environmentOf } from './connection-directory.js'
export { DELIVERY_MAX_ATTEMPTS, MESSAGE_ITEMS_MAX } from './defaults.js'
export {
  type ExceptionDraft,
  type ExceptionMessageBody,
  exceptionBodyOf,
  type FailedItem,
  recordException,
} from './exception-messages.js'
export type { WireMessage } from './message-codec.js'
export { Messaging, type MessagingOptions } from './messaging.js'
export {
  type MessagingEventMap,
  type MessagingEventName,
  MessagingEvents,
  type MessagingListener,
} from './messaging-events.js'
export {
  type CallbackIdentity,
  CONNECTION_STATUSES,
  type ConnectionEstablishedHandler,
  type ConnectionInfo,
  type ConnectionStatus,
  type DeadMessageHandler,
  INBOUND_STATES,
  type InboundMessage,
  type InboundState,
  type IncomingSignedRequest,
  type MessageAttributes,
  type MessageAttributeValue,
  type MessageProcessor,
  OUTBOUND_STATES,
  type OutboundDraft,
  type OutboundMessage,
  type OutboundState,
  type ProcessorContext,
  REMOTE_ENVIRONMENTS,
  type RemoteEnvironment,
  type RemoteFile,
  type RemoteQueryPage,
  type RemoteQueryResult,
  type RemoteVault,
} from './messaging-types.js'
export { INBOUND_PATH } from './outbound-delivery.js'
export {
  QUEUE_TYPES,
  type QueueDetail,
  type QueuePointStatistics,
  type QueueSummary,
  type QueueType,
  queueName,
} from './queue-directory.js'
export {
  type HttpMethod,
  HttpRemoteVault,
  isSuccess,
  remoteFailure,
  type SignedResponse,
  sendSigned,
} from './remote-vault.js'
export type { ReprocessResult } from './reprocessing.js'
export {
  claimedVaultId,
  isSignedRequest,
  type RequestSigner,
  type RequestToSign,
  type SignedHeaders,
  signRequest,
  type VerifiedRequest,
} from './request-signing.js'

import type { Messaging } from './messaging.js'
import type { ConnectionInfo } from './messaging-types.js'
import type { ReprocessResult } from './reprocessing.js'

/** Anything that holds a vault's messaging (the Vault itself). */
export interface MessagingHost {
  readonly messaging: Messaging
}

/** Every connection of a vault. */
export function listConnections(vault: MessagingHost): Promise<ConnectionInfo[]> {
  return vault.messaging.listConnections()
}

/** Sends a dead message again (or processes a failed one again) from its User Exception Message. */
export function reprocessException(vault: MessagingHost, exceptionId: string): Promise<ReprocessResult> {
  return vault.messaging.reprocessException(exceptionId)
}

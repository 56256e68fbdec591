export { connectionGuard } from './connection-guard.js'
export {
  CONNECTION_FILE_FORMAT,
  type ConnectionFile,
  encodeConnectionToken,
  hashSecret,
  parseConnectionFile,
} from './connection-token.js'
export {
  type AcceptInput,
  acceptConnectionToken,
  completeHandshake,
  connectServedVaults,
  createPendingConnection,
  DEFAULT_CONNECTION_API_NAME,
  HANDSHAKE_PATH,
  type HandshakeAnswer,
  type PendingConnection,
  type PendingConnectionInput,
  type ServedVaultRef,
} from './establish-connection.js'
export { ensureIntegrationUser, type IntegrationUser } from './integration-user.js'

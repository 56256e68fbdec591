export { installConnectionGuard } from './connection-guard.js'
export type { ConnectionFile } from './connection-token.js'
export { CONNECTION_TOKEN_LIFETIME_MS } from './defaults.js'
export {
  type AcceptInput,
  acceptConnectionToken,
  completeHandshake,
  connectServedVaults,
  createPendingConnection,
  type HandshakeAnswer,
  type PendingConnection,
  type PendingConnectionInput,
  type ServedVaultRef,
} from './establish-connection.js'
export { integrationUsername, separateIntegrationUsers } from './integration-user.js'

export { installConnectionGuard } from './connection-guard.js'
export type { ConnectionFile } from './connection-token.js'
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

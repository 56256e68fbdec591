import type { Logger } from 'pino'
import type { Vault } from '../platform/vault/index.js'

/**
 * Logs each step of a message's life in this process (delivery attempts, delivered, dead; received,
 * processed, failed), one JSON line each carrying the message id, the connection and the integration
 * point, so an operator follows one message with one filter. Items are counted, never listed: the
 * ids of records are not the log's business. Answers the function that stops logging.
 */
export function logMessageLife(vault: Vault, logger: Logger): () => void {
  const names = new Map<string, string>()
  const refresh = () =>
    vault.messaging
      .listConnections()
      .then((list) => {
        for (const c of list) names.set(c.id, c.apiName)
      })
      .catch(() => {})
  void refresh()
  const connection = (id: string) => {
    if (!names.has(id)) void refresh()
    return names.get(id) ?? id
  }
  const fields = (m: {
    readonly id: string
    readonly connectionId: string
    readonly integrationPoint: string
    readonly items: readonly string[]
  }) => ({
    messageId: m.id,
    connection: connection(m.connectionId),
    integrationPoint: m.integrationPoint,
    items: m.items.length,
  })
  const log = logger.child({ component: 'messaging' })
  const events = vault.messaging.events
  const stops = [
    events.on('delivery:attempt', ({ message, attempt, error }) => {
      if (error === undefined) return
      log.warn(
        { ...fields(message), attempt, code: error.code, retry: error.retry, err: error.message },
        `delivery attempt ${attempt} failed`,
      )
    }),
    events.on('delivery:delivered', ({ message }) =>
      log.info({ ...fields(message), attempts: message.attempts }, 'message delivered'),
    ),
    events.on('delivery:dead', ({ message, error, exceptionId }) =>
      log.error(
        { ...fields(message), code: error.code, err: error.message, exceptionId },
        'message dead: not delivered; a User Exception Message records it',
      ),
    ),
    events.on('inbound:received', ({ message, duplicate }) =>
      log.info({ ...fields(message), duplicate }, duplicate ? 'message received again' : 'message received'),
    ),
    events.on('inbound:processed', ({ message }) => log.info(fields(message), 'message processed')),
    events.on('inbound:failed', ({ message, messageId, error, exceptionId }) =>
      log.error(
        {
          ...(message === undefined ? { messageId } : fields(message)),
          code: error.code,
          err: error.message,
          exceptionId,
        },
        'message failed: not processed; a User Exception Message records it',
      ),
    ),
  ]
  return () => {
    for (const stop of stops) stop()
  }
}

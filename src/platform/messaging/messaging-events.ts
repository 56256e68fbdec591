import type { InboundMessage, OutboundMessage } from './messaging-types.js'

/** Everything messaging reports, in one map (like graphile-worker's WorkerEventMap). */
export interface MessagingEventMap {
  /** One try to post an outbound message; `error` is set when it failed. */
  'delivery:attempt': {
    readonly message: OutboundMessage
    readonly attempt: number
    readonly error?: { readonly code: string; readonly message: string; readonly retry: boolean }
  }
  /** The remote vault accepted the message. */
  'delivery:delivered': { readonly message: OutboundMessage }
  /** The message will not be sent again unless an admin reprocesses its exception. */
  'delivery:dead': {
    readonly message: OutboundMessage
    readonly error: { readonly code: string; readonly message: string }
    readonly exceptionId: string
  }
  /** A signed message was stored in the inbound queue (`duplicate`: it was there already). */
  'inbound:received': { readonly message: InboundMessage; readonly duplicate: boolean }
  /** A processor handled the message. */
  'inbound:processed': { readonly message: InboundMessage }
  /** Processing failed for good (or a sandbox message was refused); an exception records it. */
  'inbound:failed': {
    readonly message: InboundMessage | undefined
    readonly messageId: string
    readonly error: { readonly code: string; readonly message: string }
    readonly exceptionId: string | undefined
  }
}

export type MessagingEventName = keyof MessagingEventMap
export type MessagingListener<K extends MessagingEventName> = (event: MessagingEventMap[K]) => void

/** A small typed emitter. Listeners run synchronously; one that throws does not stop the others. */
export class MessagingEvents {
  readonly #listeners = new Map<MessagingEventName, Set<(event: never) => void>>()

  on<K extends MessagingEventName>(name: K, listener: MessagingListener<K>): () => void {
    const set = this.#listeners.get(name) ?? new Set()
    set.add(listener as (event: never) => void)
    this.#listeners.set(name, set)
    return () => this.off(name, listener)
  }

  off<K extends MessagingEventName>(name: K, listener: MessagingListener<K>): void {
    this.#listeners.get(name)?.delete(listener as (event: never) => void)
  }

  emit<K extends MessagingEventName>(name: K, event: MessagingEventMap[K]): void {
    for (const listener of this.#listeners.get(name) ?? []) {
      try {
        ;(listener as MessagingListener<K>)(event)
      } catch {
        // An observer must not break delivery.
      }
    }
  }
}

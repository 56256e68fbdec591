import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import type { DocumentChange, DocumentChangeHook } from './document-types.js'

/** The hooks told of every document change, in the writing transaction, in the order they were added. */
export class DocumentChangeHooks {
  readonly #hooks: DocumentChangeHook[] = []

  add(hook: DocumentChangeHook): void {
    this.#hooks.push(hook)
  }

  /** Tells every hook; a hook that throws rolls the change back. */
  async notify(trx: Transaction<VaultDb>, change: DocumentChange): Promise<void> {
    for (const hook of this.#hooks) await hook(trx, change)
  }
}

import type { Transaction } from 'kysely'
import type { VaultDb } from '../storage/index.js'
import type {
  ChangeHook,
  GuardedChange,
  ObjectAction,
  RecordActor,
  RecordChange,
  RecordGuard,
  StoredRow,
} from './record-types.js'

/** Guards, object actions and change hooks that higher layers add to objects, kept by object name. */
export class RecordExtensions {
  readonly #guards = new Map<string, RecordGuard[]>()
  readonly #objectActions = new Map<string, Map<string, ObjectAction>>()
  readonly #changeHooks = new Map<string, ChangeHook[]>()

  addGuard(objectName: string, guard: RecordGuard): void {
    this.#guards.set(objectName, [...(this.#guards.get(objectName) ?? []), guard])
  }

  addObjectAction(objectName: string, action: ObjectAction): void {
    const actions = this.#objectActions.get(objectName) ?? new Map<string, ObjectAction>()
    actions.set(action.name, action)
    this.#objectActions.set(objectName, actions)
  }

  addChangeHook(objectName: string, hook: ChangeHook): void {
    this.#changeHooks.set(objectName, [...(this.#changeHooks.get(objectName) ?? []), hook])
  }

  /** The first guard's refusal of a change, or undefined when every guard allows it. */
  refusal(objectName: string, row: StoredRow, change: GuardedChange, actor: RecordActor): string | undefined {
    for (const guard of this.#guards.get(objectName) ?? []) {
      const message = guard(row, change, actor)
      if (message !== undefined) return message
    }
    return undefined
  }

  objectAction(objectName: string, actionName: string): ObjectAction | undefined {
    return this.#objectActions.get(objectName)?.get(actionName)
  }

  objectActions(objectName: string): readonly ObjectAction[] {
    return [...(this.#objectActions.get(objectName)?.values() ?? [])]
  }

  /** Tells the object's change hooks of a change, in the writing transaction; a change of no ids is not told. */
  async notify(trx: Transaction<VaultDb>, change: RecordChange): Promise<void> {
    if (change.ids.length === 0) return
    for (const hook of this.#changeHooks.get(change.objectName) ?? []) await hook(trx, change)
  }
}

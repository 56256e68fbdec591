import { LiaisonError } from '../errors/index.js'
import type { ObjectAccess } from '../metadata/index.js'
import type { RecordActor, RemoteCaller } from './record-types.js'

/**
 * What a connected vault's signed calls may do with one object or target (B2, finding 2): only what
 * its integration points need, and only its own connection's records. Nothing is granted unless a
 * higher layer grants it, so a new object is closed to connected vaults by default.
 */
export interface ConnectionGrant {
  /** Read only, today: every flow sends record ids and the receiver reads them back. */
  readonly access: readonly ObjectAccess[]
  /**
   * A VQL condition on the object's own fields that picks the records of the calling connection;
   * none: every record (reference data such as countries and products).
   */
  readonly scope?: (caller: RemoteCaller) => string
  /** B3: whether a sandbox may read it in a production vault (the content the vault sends sandboxes). */
  readonly sandbox?: boolean
}

/** Connection grants by object (or VQL target) name. */
export class ConnectionGrants {
  readonly #grants = new Map<string, ConnectionGrant>()

  grant(objectName: string, grant: ConnectionGrant): void {
    this.#grants.set(objectName, grant)
  }

  /** Whether a signed call may have this access; undefined when the actor is not a connected vault. */
  allows(actor: RecordActor, objectName: string, access: ObjectAccess): boolean | undefined {
    const caller = actor.remote
    if (caller === undefined) return undefined
    const grant = this.#grants.get(objectName)
    if (grant === undefined || !grant.access.includes(access)) return false
    return !caller.sandboxIntoProduction || grant.sandbox === true
  }

  /** The VQL condition that limits a signed call to its connection's records; undefined: no limit. */
  scope(actor: RecordActor, objectName: string): string | undefined {
    const caller = actor.remote
    if (caller === undefined) return undefined
    return this.#grants.get(objectName)?.scope?.(caller)
  }

  /** Why a signed call may not have the access, in words its admin can act on. */
  refusal(actor: RecordActor, objectName: string, access: ObjectAccess): LiaisonError {
    const caller = actor.remote
    const connection = actor.connection ?? caller?.connectionId ?? '(unknown)'
    const grant = this.#grants.get(objectName)
    if (caller?.sandboxIntoProduction === true && grant?.access.includes(access) === true)
      return new LiaisonError(
        'ACCESS_DENIED',
        `Connection ${connection} is with a sandbox and this vault is production: a sandbox reads only the content this vault sends it, not ${objectName} records (B3).`,
        { details: { reason: 'SANDBOX_TO_PRODUCTION', object: objectName, access } },
      )
    return new LiaisonError(
      'ACCESS_DENIED',
      `Connection ${connection} may not ${access} ${objectName} records: a connected vault may only ${grant === undefined ? 'use the objects its integration points need' : grant.access.join(' and ')} (B2).`,
      { details: { connection, object: objectName, access } },
    )
  }
}

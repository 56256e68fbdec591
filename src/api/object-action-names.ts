import { LiaisonError } from '../platform/errors/index.js'
import type { AvailableAction } from '../platform/records/index.js'

const OBJECT_ACTION_PREFIX = 'Objectaction'
const LIFECYCLE_ACTION_PREFIX = 'Objectlifecyclestateuseraction'

/**
 * Vault's name of an action a record offers: `Objectaction.{object}.{action}`, or for a lifecycle
 * action `Objectlifecyclestateuseraction.{object}.{state}.{action}` (the state it starts from).
 */
export function vaultActionName(object: string, action: AvailableAction): string {
  return action.type === 'object_action' || action.state === undefined
    ? `${OBJECT_ACTION_PREFIX}.${object}.${action.name}`
    : `${LIFECYCLE_ACTION_PREFIX}.${object}.${action.state}.${action.name}`
}

/** Vault's `type` of an action: `object_action`, or `state_change` for a lifecycle action. */
export function vaultActionType(action: AvailableAction): string {
  return action.type === 'object_action' ? 'object_action' : 'state_change'
}

/**
 * The short action name (`start__v`) from either form a client may send: the short name itself or
 * Vault's long name. A long name of another object is refused, so it never runs on this one.
 */
export function shortActionName(object: string, name: string): string {
  const parts = name.split('.')
  const prefix = parts[0]
  if (parts.length === 1 || (prefix !== OBJECT_ACTION_PREFIX && prefix !== LIFECYCLE_ACTION_PREFIX))
    return name
  const expected = prefix === OBJECT_ACTION_PREFIX ? 3 : 4
  const named = parts[1]
  const short = parts[parts.length - 1]
  if (parts.length !== expected || named === undefined || short === undefined || short === '')
    throw new LiaisonError(
      'ACTION_UNKNOWN',
      `"${name}" is not an action name: send the short name (start__v) or Vault's form ${prefix}.${object}.${prefix === OBJECT_ACTION_PREFIX ? '' : '{state}.'}{action}.`,
    )
  if (named !== object)
    throw new LiaisonError(
      'ACTION_UNKNOWN',
      `The action "${name}" belongs to object ${named}, not ${object}. List this record's actions with GET …/vobjects/${object}/{id}/actions.`,
    )
  return short
}

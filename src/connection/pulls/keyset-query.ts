import { LiaisonError } from '../../platform/errors/index.js'
import { vqlString } from '../../platform/vql/index.js'
import type { PullRow } from './pull-types.js'

/** What a keyset read asks the remote vault for. */
export interface KeysetRead {
  /** The remote object read. */
  readonly object: string
  /** Fields read; `id` and the keys are added. */
  readonly fields: readonly string[]
  /** VQL conditions every row meets, ANDed (each in parentheses). (Default: none) */
  readonly filter?: readonly string[]
  /** The order and the keyset. It ends in `id`, so no two rows share a position. (Default: ['id']) */
  readonly keys?: readonly [...string[], 'id']
  /** Rows per page. (Default: PULL_BATCH_SIZE) */
  readonly pageSize?: number
}

/** Where a page ended: the keys' values of its last row, in key order. */
export type KeysetPosition = readonly string[]

/** `k1 > v1 OR (k1 = v1 AND (k2 > v2 OR …))`: the rows strictly after `after` in key order. */
function afterCondition(keys: readonly string[], after: KeysetPosition): string {
  const [key, ...rest] = keys
  const [value, ...restValues] = after
  const greater = `${key} > ${vqlString(value!)}`
  if (rest.length === 0) return greater
  const inner = afterCondition(rest, restValues)
  return `${greater} OR (${key} = ${vqlString(value!)} AND ${rest.length === 1 ? inner : `(${inner})`})`
}

/**
 * The VQL of one page: the first without `after`, else the page after that position.
 * `SELECT … WHERE (filter) AND (k1 > v1 OR (k1 = v1 AND id > v2)) ORDER BY k1 ASC, id ASC MAXROWS n`.
 * MAXROWS rather than LIMIT: in VQL LIMIT is a page size, whose full pages the remote counts
 * and keeps a next_page cursor for; MAXROWS ends the result there.
 */
export function keysetQuery(read: KeysetRead, pageSize: number, after?: KeysetPosition): string {
  const keys = read.keys ?? ['id']
  const fields = [...new Set(['id', ...keys, ...read.fields])]
  const conditions = [...(read.filter ?? []), ...(after === undefined ? [] : [afterCondition(keys, after)])]
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.map((c) => `(${c})`).join(' AND ')}`
  const order = keys.map((key) => `${key} ASC`).join(', ')
  return `SELECT ${fields.join(', ')} FROM ${read.object}${where} ORDER BY ${order} MAXROWS ${pageSize}`
}

/** The position of a page's last row; every key must have a value, or the next page is unknown. */
export function positionOf(row: PullRow, read: Pick<KeysetRead, 'object' | 'keys'>): KeysetPosition {
  return (read.keys ?? ['id']).map((key) => {
    const value = row[key]
    if (value === null || value === undefined || value === '' || typeof value === 'object')
      throw new LiaisonError(
        'INTERNAL',
        `A ${read.object} row read by keyset (${String(row.id)}) has no single value for ${key}, so the next page cannot start after it. Give the row a ${key}, or read by another field.`,
        { details: { reason: 'KEYSET_VALUE_MISSING', object: read.object, field: key } },
      )
    return String(value)
  })
}

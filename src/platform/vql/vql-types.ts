/**
 * VQL glossary.
 * - target: what follows FROM (an object, later `documents`, `binders`, …); see query-targets.ts.
 * - lookup: an outbound relationship read with a dot (`case__vr.name__v`); a LEFT JOIN.
 * - subquery: an inbound relationship read with `(SELECT … FROM case_requests__vr)`; nested rows.
 * - cursor: a stored query behind next_page / previous_page links (table vql_cursor).
 * - page: `pagesize` rows from `pageoffset`, inside the rows MAXROWS and SKIP leave.
 */

import type { Clock } from '../clock/index.js'
import type { CompiledMetadata } from '../metadata/index.js'
import type { Storage } from '../storage/index.js'
import type { VqlTargetProvider } from './query-targets.js'

export interface VqlContext {
  readonly storage: Storage
  /** May change between calls (custom fields); read per call. */
  readonly metadata: CompiledMetadata
  /** TODAY, LAST_DAYS:n and cursor expiry use it. */
  readonly clock: Clock
  readonly userId: string
  /** Whether the user may read records of this object (or other target). */
  canRead(objectName: string): boolean
  /**
   * A VQL condition on the target's own fields that every row it answers must also meet: a
   * connected vault reads only its connection's records. Undefined: no limit.
   */
  recordScope?(objectName: string): string | undefined
  /** Why the user may not read the target (canRead said no), in words they can act on. */
  readRefusal?(objectName: string): Error | undefined
  /** Targets beyond the objects (documents, binders, …), when their modules exist. */
  readonly targetProviders?: readonly VqlTargetProvider[]
}

export interface VqlRequest {
  readonly q: string
  readonly apiVersion: string
  /** X-VaultAPI-DescribeQuery: true. */
  readonly describe?: boolean
  readonly pagesize?: number
  readonly pageoffset?: number
}

export interface VqlPageRequest {
  readonly apiVersion: string
  readonly pagesize?: number
  readonly pageoffset?: number
  readonly describe?: boolean
}

export interface VqlResponseDetails {
  pagesize: number
  pageoffset: number
  size: number
  total: number
  previous_page?: string
  next_page?: string
}

export interface VqlDescribedField {
  readonly name: string
  readonly label: string
  readonly type: string
  readonly required?: boolean
  readonly unique?: boolean
  readonly max_length?: number
  readonly picklist?: string
  readonly multi_value?: boolean
  readonly object?: string
  readonly function?: string
  readonly alias?: string
}

export interface VqlQueryDescribe {
  readonly type?: string
  readonly object: { readonly name: string; readonly label: string; readonly label_plural: string }
  readonly fields: readonly VqlDescribedField[]
  readonly subqueries?: readonly (VqlQueryDescribe & { readonly relationship: string })[]
}

export interface VqlWarning {
  readonly warning_type: string
  readonly message: string
}

/** The JSON body of a query answer, without headers. */
export interface VqlResponse {
  responseStatus: 'SUCCESS' | 'WARNING'
  responseDetails: VqlResponseDetails
  data: Record<string, unknown>[]
  queryDescribe?: VqlQueryDescribe
  warnings?: VqlWarning[]
}

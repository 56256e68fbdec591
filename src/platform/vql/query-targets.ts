import type { RawBuilder } from 'kysely'
import {
  type CompiledMetadata,
  type CompiledObject,
  type FieldType,
  type PicklistDefinition,
  searchColumnsOf,
} from '../metadata/index.js'
import type { FromOption } from './ast.js'

/**
 * Query targets: what may follow FROM. Every object of the vault is one; `documents`,
 * `ALLVERSIONS documents`, `binders` and `relationships` plug in later through a
 * VqlTargetProvider that declares its own table, fields and state types.
 */

export interface TargetField {
  readonly name: string
  readonly label: string
  readonly type: FieldType
  /** The SQL column holding the value. */
  readonly column: string
  readonly required: boolean
  readonly unique: boolean
  readonly maxLength?: number
  readonly picklist?: PicklistDefinition
  readonly multiValue: boolean
  /** Referenced target, for Object fields. */
  readonly object?: string
  /** The database has an index on it (unique, declared indexed, or a reference). */
  readonly indexed: boolean
  /** Always has a value (id, created and modified dates), so sorting needs no NULLS clause. */
  readonly neverNull: boolean
}

const NEVER_NULL_FIELDS = new Set(['id', 'created_date__v', 'modified_date__v'])

export interface TargetRelationship {
  readonly name: string
  /** outbound: many-to-one, dot lookups; inbound: one-to-many, subqueries. */
  readonly direction: 'outbound' | 'inbound'
  /** The target at the other end. */
  readonly target: string
  /** outbound: this target's column holding the other's id; inbound: the other's column holding this id. */
  readonly column: string
}

/** Document status functions (STEADYSTATE() …) and the state types they stand for. */
export const STATUS_FUNCTIONS = {
  STEADYSTATE: 'steady_state__v',
  OBSOLETESTATE: 'obsolete_state__v',
  SUPERSEDEDSTATE: 'superseded_state__v',
  DELETEDSTATE: 'deleted_state__v',
} as const
export type StatusFunction = keyof typeof STATUS_FUNCTIONS

export interface QueryTarget {
  readonly name: string
  readonly label: string
  readonly labelPlural: string
  readonly table: string
  /**
   * A derived table read instead of `table` when the target's rows are assembled from several
   * tables or a JSON column (documents: `document` joined with `document_version`), per FROM
   * option (`ALLVERSIONS documents` reads every version). Its columns are the fields' `column`
   * names; values in it are bound parameters like every other value.
   */
  source?(option: FromOption | undefined): RawBuilder<unknown>
  /** The name permissions are checked against (`ctx.canRead`). */
  readonly securedAs: string
  readonly fields: readonly TargetField[]
  readonly fieldByName: ReadonlyMap<string, TargetField>
  readonly relationships: ReadonlyMap<string, TargetRelationship>
  /** The column that identifies a row, used for stable order and subquery joins. */
  readonly idColumn: string
  /** Object lifecycles: state name → state type (STATETYPE()), and state labels (TOLABEL(state__v)). */
  readonly lifecycle?: {
    readonly field: string
    readonly typeOf: ReadonlyMap<string, string>
    readonly labelOf: ReadonlyMap<string, string>
  }
  /**
   * Document lifecycles: the status field (labels), the field with the state's name that TONAME()
   * of the status field reads, and which status values each state type covers.
   */
  readonly statusStates?: {
    readonly field: string
    readonly nameField?: string
    readonly valuesOf: Readonly<Partial<Record<StatusFunction, readonly string[]>>>
  }
  /** FIND is allowed (and CONTENT is a scope when `findContentColumn` is set). */
  readonly supportsFind: boolean
  /**
   * The columns the table's full-text index covers, in index order (`StorageDialect.fullText`):
   * what FIND searches with SCOPE PROPERTIES. `findContentColumn` must be one of them.
   */
  readonly searchColumns: readonly string[]
  readonly findContentColumn?: string
  /**
   * The full-text table FIND searches when it is not the target's own (documents: their rows are
   * assembled from versions, the text is kept per document). `key` is its column of the target's id.
   */
  readonly findTable?: { readonly table: string; readonly key: string }
  /** FROM options this target accepts (ALLVERSIONS documents, …). */
  readonly fromOptions: readonly FromOption[]
  /** Rows a plain FROM hides (older document versions); `alias` is the table alias. */
  rowFilter?(option: FromOption | undefined, alias: string): RawBuilder<unknown> | undefined
}

/** Supplies targets that are not objects (documents, binders, …). */
export interface VqlTargetProvider {
  /** The target named `name`, if this provider has it. */
  target(name: string, metadata: CompiledMetadata): QueryTarget | undefined
  /** Every target this provider has (SHOW TARGETS). */
  targets(metadata: CompiledMetadata): readonly QueryTarget[]
}

/**
 * Targets are derived from immutable compiled metadata, so they are memoised per compiled object:
 * a pure cache (new metadata brings new objects), not shared state between vaults.
 */
const OBJECT_TARGETS = new WeakMap<CompiledObject, QueryTarget>()

/** The query target of one object. */
export function objectTarget(object: CompiledObject, metadata: CompiledMetadata): QueryTarget {
  const cached = OBJECT_TARGETS.get(object)
  if (cached !== undefined) return cached
  const target = buildObjectTarget(object, metadata)
  OBJECT_TARGETS.set(object, target)
  return target
}

function buildObjectTarget(object: CompiledObject, metadata: CompiledMetadata): QueryTarget {
  const fields: TargetField[] = object.fields.map((f) => {
    const picklist = f.picklist === undefined ? undefined : metadata.picklistByName.get(f.picklist)
    return Object.freeze({
      name: f.name,
      label: f.label,
      type: f.type,
      column: f.name,
      required: f.required === true,
      unique: f.unique === true,
      multiValue: f.multiValue === true,
      indexed: f.name === 'id' || f.unique === true || f.indexed === true || f.type === 'Object',
      neverNull: NEVER_NULL_FIELDS.has(f.name),
      ...(f.maxLength === undefined ? {} : { maxLength: f.maxLength }),
      ...(picklist === undefined ? {} : { picklist }),
      ...(f.object === undefined ? {} : { object: f.object }),
    })
  })
  const relationships = new Map<string, TargetRelationship>()
  for (const r of object.outbound)
    relationships.set(r.relationship_name, {
      name: r.relationship_name,
      direction: 'outbound',
      target: r.object,
      column: r.field,
    })
  for (const r of object.inbound)
    relationships.set(r.relationship_name, {
      name: r.relationship_name,
      direction: 'inbound',
      target: r.object,
      column: r.field,
    })
  const lifecycle = object.lifecycle
  return Object.freeze({
    name: object.name,
    label: object.label,
    labelPlural: object.definition.labelPlural,
    table: object.name,
    securedAs: object.name,
    fields,
    fieldByName: new Map(fields.map((f) => [f.name, f])),
    relationships,
    idColumn: 'id',
    ...(lifecycle === undefined
      ? {}
      : {
          lifecycle: {
            field: 'state__v',
            typeOf: new Map(
              lifecycle.states.filter((s) => s.stateType !== undefined).map((s) => [s.name, s.stateType!]),
            ),
            labelOf: new Map(lifecycle.states.map((s) => [s.name, s.label])),
          },
        }),
    supportsFind: true,
    searchColumns: Object.freeze(searchColumnsOf(object)),
    fromOptions: [],
  })
}

/** Finds targets by name: objects first, then the providers'. */
export class TargetRegistry {
  readonly #metadata: CompiledMetadata
  readonly #providers: readonly VqlTargetProvider[]
  readonly #cache = new Map<string, QueryTarget | undefined>()

  constructor(metadata: CompiledMetadata, providers: readonly VqlTargetProvider[]) {
    this.#metadata = metadata
    this.#providers = providers
  }

  get(name: string): QueryTarget | undefined {
    if (this.#cache.has(name)) return this.#cache.get(name)
    const object = this.#metadata.objectByName.get(name)
    let target = object === undefined ? undefined : objectTarget(object, this.#metadata)
    for (const p of this.#providers) {
      if (target !== undefined) break
      target = p.target(name, this.#metadata)
    }
    this.#cache.set(name, target)
    return target
  }

  all(): QueryTarget[] {
    return [
      ...this.#metadata.objects.map((o) => this.get(o.name)!),
      ...this.#providers.flatMap((p) => p.targets(this.#metadata)),
    ]
  }
}

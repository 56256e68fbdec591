import type { DocumentQueryTarget } from '../documents/index.js'
import type { FromOption } from './ast.js'
import type { QueryTarget, StatusFunction, TargetField, VqlTargetProvider } from './query-targets.js'

/** The name permissions are checked against: documents, binders and relationships read as documents. */
const DOCUMENTS_SECURED_AS = 'documents'

const ALL_VERSIONS: readonly FromOption[] = Object.freeze(['ALLVERSIONS'])
const NO_OPTIONS: readonly FromOption[] = Object.freeze([])

/** Which document state type each status function stands for. */
const STATE_TYPE_OF: Readonly<Record<StatusFunction, string>> = {
  STEADYSTATE: 'steady_state__sys',
  OBSOLETESTATE: 'obsolete_state__sys',
  SUPERSEDEDSTATE: 'superseded_state__sys',
  // No document lifecycle has a deleted state type yet, so DELETEDSTATE() matches nothing.
  DELETEDSTATE: 'deleted_state__sys',
}

function toQueryTarget(spec: DocumentQueryTarget): QueryTarget {
  const fields: TargetField[] = spec.fields.map((f) =>
    Object.freeze({
      name: f.name,
      label: f.label,
      type: f.type,
      column: f.name,
      required: false,
      // Only relationship ids are unique per row: a document id repeats across its versions.
      unique: spec.source === undefined && f.name === 'id',
      multiValue: f.multiValue,
      indexed: f.name === 'id',
      neverNull: f.neverNull,
      ...(f.maxLength === undefined ? {} : { maxLength: f.maxLength }),
      ...(f.object === undefined ? {} : { object: f.object }),
    }),
  )
  const states = spec.states
  const { source, allVersionsSource } = spec
  return Object.freeze({
    name: spec.name,
    label: spec.label,
    labelPlural: spec.labelPlural,
    table: spec.table,
    ...(source === undefined
      ? {}
      : {
          // A plain FROM shows each document's latest version; ALLVERSIONS shows every version.
          source: (option: FromOption | undefined) =>
            option === 'ALLVERSIONS' && allVersionsSource !== undefined ? allVersionsSource : source,
        }),
    securedAs: DOCUMENTS_SECURED_AS,
    fields,
    fieldByName: new Map(fields.map((f) => [f.name, f])),
    relationships: new Map(),
    idColumn: 'id',
    ...(states === undefined
      ? {}
      : {
          statusStates: {
            field: states.field,
            nameField: states.nameField,
            valuesOf: Object.fromEntries(
              (Object.keys(STATE_TYPE_OF) as StatusFunction[]).map((fn) => [
                fn,
                (states.valuesOf as Readonly<Record<string, readonly string[]>>)[STATE_TYPE_OF[fn]] ?? [],
              ]),
            ) as Record<StatusFunction, readonly string[]>,
          },
        }),
    // FIND searches a document's latest version (with ALLVERSIONS too): its text is kept per document.
    supportsFind: spec.search !== undefined,
    searchColumns: spec.search === undefined ? [] : [spec.search.properties, spec.search.content],
    ...(spec.search === undefined
      ? {}
      : {
          findContentColumn: spec.search.content,
          findTable: { table: spec.search.table, key: spec.search.key },
        }),
    fromOptions: allVersionsSource === undefined ? NO_OPTIONS : ALL_VERSIONS,
  })
}

/** The VQL targets `documents` (and `ALLVERSIONS documents`), `binders` and `relationships`. */
export function documentTargetProvider(specs: readonly DocumentQueryTarget[]): VqlTargetProvider {
  // Built once: document targets come from the profile, which does not change while a vault runs.
  const targets = specs.map(toQueryTarget)
  const byName = new Map(targets.map((t) => [t.name, t]))
  return Object.freeze({
    target: (name: string) => byName.get(name),
    targets: () => targets,
  })
}

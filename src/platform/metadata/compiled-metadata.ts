import type { ColumnType } from '../storage/index.js'
import { systemFieldsFor } from './system-fields.js'
import {
  type FieldDefinition,
  type FieldType,
  type LifecycleActionDefinition,
  type LifecycleDefinition,
  type LifecycleStateDefinition,
  LONG_TEXT_MAX_LENGTH_LIMIT,
  type ObjectDefinition,
  type PicklistDefinition,
  type ProfileDefinition,
  type RelationshipMetadata,
  TEXT_MAX_LENGTH_DEFAULT,
} from './types.js'

export interface CompiledField extends FieldDefinition {
  readonly column: ColumnType
  readonly maxLength?: number
  readonly custom: boolean
  /** The outbound relationship name (`case__vr`), for Object fields. */
  readonly relationshipName?: string
}

export interface CompiledLifecycle extends LifecycleDefinition {
  readonly initialState: LifecycleStateDefinition
  readonly stateByName: ReadonlyMap<string, LifecycleStateDefinition>
  readonly actionByName: ReadonlyMap<string, LifecycleActionDefinition>
}

export interface CompiledObject {
  readonly definition: ObjectDefinition
  readonly name: string
  readonly label: string
  readonly prefix: string
  readonly fields: readonly CompiledField[]
  readonly fieldByName: ReadonlyMap<string, CompiledField>
  readonly lifecycle?: CompiledLifecycle
  readonly outbound: readonly RelationshipMetadata[]
  readonly inbound: readonly RelationshipMetadata[]
}

export interface CompiledMetadata {
  readonly profile: string
  readonly objects: readonly CompiledObject[]
  readonly objectByName: ReadonlyMap<string, CompiledObject>
  readonly picklistByName: ReadonlyMap<string, PicklistDefinition>
}

export interface MetadataIssue {
  readonly path: string
  readonly message: string
}

const COLUMN_OF: Record<FieldType, ColumnType> = {
  ID: 'text',
  String: 'text',
  LongText: 'text',
  Number: 'real',
  Boolean: 'integer',
  Date: 'text',
  DateTime: 'text',
  Picklist: 'text',
  Object: 'text',
  Document: 'integer',
}

/** `case__v` → `case__vr`, `x__c` → `x__cr`, `x__sys` → `x__sysr`. */
export function outboundRelationshipName(fieldName: string): string {
  return `${fieldName}r`
}

function suffixOf(name: string): string {
  const match = /__(v|c|sys)$/.exec(name)
  return match ? match[1]! : 'v'
}

export function compileField(field: FieldDefinition, custom: boolean): CompiledField {
  const maxLength =
    field.type === 'String'
      ? (field.maxLength ?? TEXT_MAX_LENGTH_DEFAULT)
      : field.type === 'LongText'
        ? (field.maxLength ?? LONG_TEXT_MAX_LENGTH_LIMIT)
        : undefined
  return Object.freeze({
    ...field,
    column: COLUMN_OF[field.type],
    custom,
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(field.type === 'Object' ? { relationshipName: outboundRelationshipName(field.name) } : {}),
  })
}

function compileLifecycle(
  lifecycle: LifecycleDefinition,
  path: string,
  issues: MetadataIssue[],
): CompiledLifecycle {
  const stateByName = new Map(lifecycle.states.map((s) => [s.name, s]))
  const actionByName = new Map(lifecycle.actions.map((a) => [a.name, a]))
  const initial = lifecycle.states.find((s) => s.stateType === 'initial_state__sys') ?? lifecycle.states[0]
  if (initial === undefined)
    issues.push({ path: `${path}.states`, message: 'a lifecycle needs at least one state' })
  lifecycle.actions.forEach((action, i) => {
    for (const from of [...action.from, action.to])
      if (!stateByName.has(from))
        issues.push({
          path: `${path}.actions[${i}]`,
          message: `action ${action.name} names unknown state ${from}`,
        })
  })
  return Object.freeze({ ...lifecycle, initialState: initial!, stateByName, actionByName })
}

/**
 * Compiles a profile plus the admins' custom fields into the metadata a vault runs on. Returns
 * every issue with its path; a vault refuses to start on a definition with issues.
 */
export function compileMetadata(
  profile: ProfileDefinition,
  customFields: readonly { readonly objectName: string; readonly field: FieldDefinition }[],
): { metadata: CompiledMetadata; issues: MetadataIssue[] } {
  const issues: MetadataIssue[] = []
  const picklistByName = new Map(profile.picklists.map((p) => [p.name, p]))
  const prefixes = new Map<string, string>()
  const customByObject = new Map<string, FieldDefinition[]>()
  for (const { objectName, field } of customFields) {
    const list = customByObject.get(objectName) ?? []
    list.push(field)
    customByObject.set(objectName, list)
  }
  const draft = profile.objects.map((object, i) => {
    const path = `objects[${i}] ${object.name}`
    const owner = prefixes.get(object.prefix)
    if (owner !== undefined)
      issues.push({ path, message: `prefix ${object.prefix} is already used by ${owner}` })
    if (object.prefix.length !== 3)
      issues.push({ path, message: `prefix ${object.prefix} must have 3 characters` })
    prefixes.set(object.prefix, object.name)
    if (object.objectTypes !== undefined)
      picklistByName.set(`${object.name}.object_type__v`, {
        name: `${object.name}.object_type__v`,
        label: `${object.label} Object Type`,
        values: object.objectTypes,
      })
    const declared = [...object.fields, ...(customByObject.get(object.name) ?? [])]
    const fields = [
      ...systemFieldsFor(object).map((f) => compileField(f, false)),
      ...declared.map((f) => compileField(f, f.name.endsWith('__c'))),
    ]
    const fieldByName = new Map<string, CompiledField>()
    for (const field of fields) {
      if (fieldByName.has(field.name))
        issues.push({ path: `${path}.${field.name}`, message: 'field declared twice' })
      fieldByName.set(field.name, field)
    }
    return { object, path, fields, fieldByName }
  })
  const names = new Set(profile.objects.map((o) => o.name))
  const inboundByObject = new Map<string, RelationshipMetadata[]>()
  const compiled: CompiledObject[] = []
  for (const { object, fields, path } of draft) {
    for (const field of fields) {
      if (field.type === 'Picklist' && (field.picklist === undefined || !picklistByName.has(field.picklist)))
        issues.push({
          path: `${path}.${field.name}`,
          message: `unknown picklist ${field.picklist ?? '(none)'}`,
        })
      if (field.type === 'Object') {
        if (field.object === undefined || !names.has(field.object)) {
          issues.push({
            path: `${path}.${field.name}`,
            message: `unknown referenced object ${field.object ?? '(none)'}`,
          })
          continue
        }
        const child = object
        const inboundName = field.inboundRelationship ?? `${child.plural}__${suffixOf(field.name)}r`
        const list = inboundByObject.get(field.object) ?? []
        if (list.some((r) => r.relationship_name === inboundName))
          issues.push({
            path: `${path}.${field.name}`,
            message: `inbound relationship ${inboundName} is declared twice`,
          })
        list.push({
          relationship_name: inboundName,
          relationship_type: 'reference_inbound',
          object: child.name,
          field: field.name,
        })
        inboundByObject.set(field.object, list)
      }
    }
  }
  for (const { object, fields, fieldByName, path } of draft) {
    const outbound: RelationshipMetadata[] = fields
      .filter((f) => f.type === 'Object' && f.relationshipName !== undefined)
      .map((f) => ({
        relationship_name: f.relationshipName!,
        relationship_type: 'reference_outbound' as const,
        object: f.object!,
        field: f.name,
      }))
    compiled.push(
      Object.freeze({
        definition: object,
        name: object.name,
        label: object.label,
        prefix: object.prefix,
        fields: Object.freeze(fields),
        fieldByName,
        ...(object.lifecycle
          ? { lifecycle: compileLifecycle(object.lifecycle, `${path}.lifecycle`, issues) }
          : {}),
        outbound,
        inbound: inboundByObject.get(object.name) ?? [],
      }),
    )
  }
  const metadata: CompiledMetadata = Object.freeze({
    profile: profile.name,
    objects: compiled,
    objectByName: new Map(compiled.map((o) => [o.name, o])),
    picklistByName,
  })
  return { metadata, issues }
}

import { useQueries, useQuery } from '@tanstack/react-query'
import { useSession } from '../app/session'
import { vqlName } from './vql'

/** A field as GET /metadata/vobjects/{object} describes it. */
export interface FieldMeta {
  readonly name: string
  readonly label: string
  readonly type: string
  readonly required: boolean
  readonly editable: boolean
  readonly system_managed: boolean
  readonly max_length?: number
  readonly picklist?: string
  readonly multi_value?: boolean
  readonly object?: string
  readonly relationship_name?: string
}

export interface LifecycleMeta {
  readonly name: string
  readonly label: string
  readonly states: readonly { name: string; label: string; state_type?: string | null }[]
  readonly actions: readonly { name: string; label: string; from: readonly string[]; to: string }[]
}

export interface RelationshipMeta {
  readonly relationship_name: string
  readonly relationship_type: 'reference_outbound' | 'reference_inbound'
  /** The object at the other end. */
  readonly object: string
  /** The reference field (on the child, for an inbound relationship). */
  readonly field: string
}

export interface ObjectMeta {
  readonly name: string
  readonly label: string
  readonly label_plural?: string
  readonly prefix: string
  readonly fields: readonly FieldMeta[]
  readonly object_types?: readonly { name: string; label: string }[]
  readonly lifecycle?: LifecycleMeta
  readonly relationships?: readonly RelationshipMeta[]
}

export interface ObjectSummary {
  readonly name: string
  readonly label: string
  readonly label_plural?: string
}

export interface PicklistValue {
  readonly name: string
  readonly label: string
}

/** Metadata changes only when an admin adds a field: a minute's cache is plenty. */
const METADATA_STALE_MS = 60_000

export function useObjects() {
  const { client } = useSession()
  return useQuery({
    queryKey: ['objects'],
    staleTime: METADATA_STALE_MS,
    queryFn: async () => (await client.call('GET', '/metadata/vobjects')).objects as ObjectSummary[],
  })
}

export function useObjectMeta(object: string) {
  const { client } = useSession()
  return useQuery({
    queryKey: ['object', object],
    staleTime: METADATA_STALE_MS,
    queryFn: async () =>
      (await client.call('GET', `/metadata/vobjects/${encodeURIComponent(object)}`)).object as ObjectMeta,
  })
}

/** What the signed-in user may do with an object's records (GET /objects/users/me/permissions). */
export interface ObjectPermissions {
  readonly read: boolean
  readonly create: boolean
  readonly edit: boolean
  readonly delete: boolean
}

/**
 * The user's permissions on one object, so a page offers only what the API would allow (it still
 * checks every call). Undefined while loading: the page shows nothing it may not do until known.
 */
export function useObjectPermissions(object: string): ObjectPermissions | undefined {
  const { client } = useSession()
  const answer = useQuery({
    queryKey: ['permissions', object],
    staleTime: METADATA_STALE_MS,
    queryFn: async () => {
      const body = await client.call(
        'GET',
        `/objects/users/me/permissions?filter=${encodeURIComponent(`name__v::object.${object}`)}`,
      )
      const [entry] = body.data as { permissions: ObjectPermissions }[]
      return entry?.permissions ?? { read: true, create: false, edit: false, delete: false }
    },
  })
  return answer.data
}

/** Fields a person reads on a record page: all but the machinery of global ids and links. */
export function visibleFields(meta: ObjectMeta): FieldMeta[] {
  const hidden = new Set(['id', 'global_id__sys', 'link__sys'])
  return meta.fields.filter((f) => !hidden.has(f.name))
}

/** Fields a person fills in: editable ones, never what the vault or the connection manages. */
export function editableFields(meta: ObjectMeta, creating: boolean): FieldMeta[] {
  return meta.fields.filter(
    (f) =>
      f.editable &&
      !['id', 'link__sys'].includes(f.name) &&
      // A new record starts active; its type is chosen once, when it is made.
      (creating ? f.name !== 'status__v' : f.name !== 'object_type__v'),
  )
}

/** The values of every picklist the fields use, by picklist name (filled in as they arrive). */
export function usePicklists(fields: readonly FieldMeta[]): Map<string, readonly PicklistValue[]> {
  const { client } = useSession()
  const names = [...new Set(fields.flatMap((f) => (f.picklist === undefined ? [] : [f.picklist])))]
  const answers = useQueries({
    queries: names.map((name) => ({
      queryKey: ['picklist', name],
      staleTime: METADATA_STALE_MS,
      queryFn: async () =>
        (await client.call('GET', `/objects/picklists/${encodeURIComponent(name)}`))
          .picklistValues as PicklistValue[],
    })),
  })
  const out = new Map<string, readonly PicklistValue[]>()
  names.forEach((name, i) => {
    const data = answers[i]?.data
    if (data !== undefined) out.set(name, data)
  })
  return out
}

/**
 * The outbound relationships this user may follow from an object in VQL (`SHOW RELATIONSHIPS`):
 * metadata lists every reference, but a lookup into an object the user may not read is refused.
 */
export function useRelationships(object: string) {
  const { client } = useSession()
  return useQuery({
    queryKey: ['relationships', object],
    staleTime: METADATA_STALE_MS,
    queryFn: async () => {
      const page = await client.query<{ name: string }>(`SHOW RELATIONSHIPS FROM ${vqlName(object)}`)
      return new Set(page.data.map((r) => r.name))
    },
  })
}

/** States a person still works on (Vault's initial and in-progress state types): an inbox's filter. */
export function openStates(meta: ObjectMeta): string[] {
  return (meta.lifecycle?.states ?? [])
    .filter((s) => s.state_type === 'initial_state__sys' || s.state_type === 'in_progress_state__sys')
    .map((s) => s.name)
}

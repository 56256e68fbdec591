import { useQuery } from '@tanstack/react-query'
import {
  type ObjectMeta,
  type RelationshipMeta,
  useObjectMeta,
  usePicklists,
  useRelationships,
} from '../api/metadata'
import { selectColumns } from '../api/values'
import { vqlName, vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { useSession } from '../app/session'
import { listColumns } from './list-columns'
import { RecordsTable } from './RecordsTable'

const RELATED_MAX = 25
const RELATED_COLUMNS = 5

/** One inbound relationship's records (a Case's Case Requests, a message's items), newest first. */
function RelatedList({
  relationship,
  parentId,
  refetchMs,
}: {
  relationship: RelationshipMeta
  parentId: string
  refetchMs?: number
}) {
  const { client } = useSession()
  const child = useObjectMeta(relationship.object)
  const traversable = useRelationships(relationship.object)
  const columns = child.data === undefined ? [] : listColumns(child.data).slice(0, RELATED_COLUMNS)
  const picklists = usePicklists(columns)
  const rows = useQuery({
    queryKey: ['related', relationship.object, relationship.field, parentId],
    enabled: child.data !== undefined && traversable.data !== undefined,
    refetchInterval: refetchMs,
    queryFn: async () =>
      (
        await client.query(
          `SELECT ${['id', ...columns.flatMap((f) => selectColumns(f, traversable.data!))].map(vqlName).join(', ')}` +
            ` FROM ${vqlName(relationship.object)} WHERE ${vqlName(relationship.field)} = ${vqlString(parentId)}` +
            ` ORDER BY created_date__v DESC PAGESIZE ${RELATED_MAX}`,
        )
      ).data,
  })
  if (child.data === undefined) return null
  const title = child.data.label_plural ?? child.data.label
  return (
    <section className="related">
      <h2>{title}</h2>
      <ErrorMessage error={rows.error} />
      <RecordsTable
        label={title}
        meta={child.data}
        columns={columns}
        rows={rows.data ?? []}
        picklists={picklists}
        empty={rows.isFetching ? 'Loading…' : `No ${title.toLowerCase()}.`}
      />
    </section>
  )
}

/**
 * The records that point at this one, one list per inbound relationship the user may follow
 * (SHOW RELATIONSHIPS leaves out objects they may not read).
 */
export function RelatedLists({ meta, id, refetchMs }: { meta: ObjectMeta; id: string; refetchMs?: number }) {
  const traversable = useRelationships(meta.name)
  const inbound = (meta.relationships ?? []).filter(
    (r) => r.relationship_type === 'reference_inbound' && traversable.data?.has(r.relationship_name) === true,
  )
  return (
    <>
      {inbound.map((r) => (
        <RelatedList key={r.relationship_name} relationship={r} parentId={id} refetchMs={refetchMs} />
      ))}
    </>
  )
}

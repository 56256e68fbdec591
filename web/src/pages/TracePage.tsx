import { useQueries, useQuery } from '@tanstack/react-query'
import { Link } from 'react-aria-components'
import { type FieldMeta, useObjectMeta, usePicklists, useRelationships } from '../api/metadata'
import { displayValue, formatDateTime } from '../api/values'
import { vqlName, vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { objectPath } from '../app/router'
import { useSession } from '../app/session'

const REFRESH_MS = 2_000
const CHILDREN_MAX = 20

interface AuditEntry {
  readonly id: string
  readonly timestamp: string
  readonly user_name: string
  readonly action: string
  readonly object_name: string
  readonly record_id: string
  readonly field_name: string | null
  readonly field_label: string | null
  readonly old_value: string | null
  readonly new_value: string | null
  readonly event_description: string
  readonly connection: string | null
  readonly message_id: string | null
}

/**
 * One record's life, step by step, from the audit trail (GET …/audittrail) of the record and of
 * the records that point at it (a Case's requests): who did what and when, which connection and
 * message carried a change, old and new values by their labels. It follows the record live.
 */
export function TracePage({ object, id }: { object: string; id: string }) {
  const { client } = useSession()
  const meta = useObjectMeta(object)
  const traversable = useRelationships(object)
  const picklists = usePicklists(meta.data?.fields ?? [])
  const inbound = (meta.data?.relationships ?? []).filter(
    (r) => r.relationship_type === 'reference_inbound' && traversable.data?.has(r.relationship_name) === true,
  )
  const children = useQuery({
    queryKey: ['trace-children', object, id, inbound.map((r) => r.relationship_name)],
    enabled: meta.data !== undefined && traversable.data !== undefined,
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const found: { object: string; id: string }[] = []
      for (const r of inbound) {
        const page = await client.query<{ id: string }>(
          `SELECT id FROM ${vqlName(r.object)} WHERE ${vqlName(r.field)} = ${vqlString(id)} PAGESIZE ${CHILDREN_MAX}`,
        )
        found.push(...page.data.map((row) => ({ object: r.object, id: String(row.id) })))
      }
      return found
    },
  })
  const records = [{ object, id }, ...(children.data ?? [])]
  const trails = useQueries({
    queries: records.map((r) => ({
      queryKey: ['audit', r.object, r.id],
      refetchInterval: REFRESH_MS,
      queryFn: async () =>
        ((
          await client.call(
            'GET',
            `/vobjects/${encodeURIComponent(r.object)}/${encodeURIComponent(r.id)}/audittrail`,
          )
        ).data ?? []) as AuditEntry[],
    })),
  })
  const entries = trails
    .flatMap((t) => t.data ?? [])
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || Number(a.id) - Number(b.id))
  const error = meta.error ?? children.error ?? trails.find((t) => t.error)?.error

  const valueLabel = (entry: AuditEntry, value: string | null): string => {
    if (value === null || value === '') return '—'
    const field: FieldMeta | undefined =
      entry.object_name === object ? meta.data?.fields.find((f) => f.name === entry.field_name) : undefined
    return field === undefined || meta.data === undefined
      ? value
      : displayValue(
          field,
          { [field.name]: field.type === 'Picklist' ? value.split(',') : value },
          meta.data,
          picklists,
        ) || value
  }

  return (
    <main>
      <p className="breadcrumb">
        <Link href={objectPath(object, id)}>Back to the record</Link>
      </p>
      <h1>
        Trace of {meta.data?.label ?? object} {id}
      </h1>
      <ErrorMessage error={error} />
      <ol className="trace" aria-label="Steps">
        {entries.map((e) => (
          <li key={`${e.object_name}-${e.id}`}>
            <time dateTime={e.timestamp}>{formatDateTime(e.timestamp)}</time>
            <div>
              <strong>{e.event_description}</strong>
              {e.field_name !== null && (
                <span>
                  {' '}
                  ({valueLabel(e, e.old_value)} → {valueLabel(e, e.new_value)})
                </span>
              )}
              <div className="trace-meta">
                by {e.user_name}
                {e.connection !== null && <> · connection {e.connection}</>}
                {e.message_id !== null && <> · message {e.message_id}</>}
              </div>
            </div>
          </li>
        ))}
      </ol>
    </main>
  )
}

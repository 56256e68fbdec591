import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { Button, Form, Link } from 'react-aria-components'
import { LIVE_OBJECTS, LIVE_REFRESH_MS } from '../api/live'
import {
  editableFields,
  type FieldMeta,
  type ObjectMeta,
  useObjectMeta,
  useObjectPermissions,
  usePicklists,
  useRelationships,
  visibleFields,
} from '../api/metadata'
import {
  changedValues,
  type Draft,
  displayValue,
  type Picklists,
  type Row,
  selectColumns,
  toDraft,
} from '../api/values'
import { vqlName, vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { navigate, objectPath } from '../app/router'
import { useSession } from '../app/session'
import { FieldInput } from '../fields/FieldInput'
import { type RecordAction, useRecordActions } from './BulkActions'
import { InquiryStatus } from './InquiryStatus'
import { RelatedLists } from './RelatedLists'
import { RuleDryRun } from './RuleDryRun'

function useRecord(object: string, meta: ObjectMeta | undefined, id: string | undefined, live: boolean) {
  const { client } = useSession()
  const relationships = useRelationships(object)
  const traversable = relationships.data
  return useQuery({
    queryKey: ['record', object, id],
    enabled: meta !== undefined && id !== undefined && traversable !== undefined,
    refetchInterval: live ? LIVE_REFRESH_MS : undefined,
    queryFn: async () => {
      const m = meta!
      const columns = [
        'id',
        ...m.fields.filter((f) => f.name !== 'id').flatMap((f) => selectColumns(f, traversable!)),
      ]
      const page = await client.query(
        `SELECT ${columns.map(vqlName).join(', ')} FROM ${vqlName(m.name)} WHERE id = ${vqlString(id ?? '')}`,
      )
      const [row] = page.data
      if (row === undefined) throw new Error(`No ${m.label} has id ${id}, or you may not see it.`)
      return row as Row
    },
  })
}

/** A field's value; a reference links to its record (a request to its case, a case to its contact). */
function FieldValue({
  field,
  meta,
  row,
  picklists,
}: {
  field: FieldMeta
  meta: ObjectMeta
  row: Row
  picklists: Picklists
}) {
  const text = displayValue(field, row, meta, picklists)
  const target = row[field.name]
  if (text !== '' && typeof target === 'string' && field.type === 'Object' && field.object !== undefined)
    return <Link href={objectPath(field.object, target)}>{text}</Link>
  if (text !== '' && target !== null && target !== undefined && field.type === 'Document')
    return <Link href={`/ui/documents/${encodeURIComponent(String(target))}`}>{text}</Link>
  return <>{text}</>
}

/** A record: read, edit and save it, run its actions; or, without an id, a new one. */
export function RecordPage({ object, id }: { object: string; id?: string }) {
  const { client } = useSession()
  const queryClient = useQueryClient()
  const meta = useObjectMeta(object)
  const permissions = useObjectPermissions(object)
  const creating = id === undefined
  const [editing, setEditing] = useState(creating)
  const live = !editing && LIVE_OBJECTS.has(object)
  const record = useRecord(object, meta.data, id, live)
  const actions = useRecordActions(object, id, live ? LIVE_REFRESH_MS : undefined)
  const picklists = usePicklists(meta.data?.fields ?? [])
  const [drafts, setDrafts] = useState<Record<string, Draft>>({})
  const [error, setError] = useState<unknown>()
  const [status, setStatus] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)

  if (meta.error)
    return (
      <main>
        <ErrorMessage error={meta.error} />
      </main>
    )
  if (meta.data === undefined || (!creating && record.data === undefined && !record.error))
    return (
      <main>
        <p className="loading">Loading…</p>
      </main>
    )
  const m = meta.data
  const row: Row = record.data ?? {}
  const fields = editableFields(m, creating)
  const initial = Object.fromEntries(fields.map((f) => [f.name, toDraft(f, row[f.name])]))
  const draftOf = (name: string): Draft => drafts[name] ?? initial[name] ?? ''

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['record', object, id] }),
      queryClient.invalidateQueries({ queryKey: ['actions', object, id] }),
      queryClient.invalidateQueries({ queryKey: ['list', object] }),
    ])

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    setStatus(undefined)
    try {
      const values = changedValues(fields, initial, { ...initial, ...drafts }, creating)
      if (creating) {
        const newId = await client.writeOne('POST', `/vobjects/${encodeURIComponent(object)}`, values)
        await queryClient.invalidateQueries({ queryKey: ['list', object] })
        navigate(objectPath(object, newId))
        return
      }
      await client.writeOne('PUT', `/vobjects/${encodeURIComponent(object)}`, { id, ...values })
      await refresh()
      setEditing(false)
      setDrafts({})
      setStatus('Saved.')
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  const run = async (action: RecordAction) => {
    setBusy(true)
    setError(undefined)
    setStatus(undefined)
    try {
      await client.call(
        'POST',
        `/vobjects/${encodeURIComponent(object)}/${encodeURIComponent(id ?? '')}/actions/${encodeURIComponent(action.name)}`,
      )
      setStatus(`${action.label}: done.`)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
      await refresh()
    }
  }

  const title = creating
    ? `New ${m.label}`
    : displayValue(m.fields.find((f) => f.name === 'name__v')!, row, m, picklists) || String(id)
  const state = m.fields.find((f) => f.name === 'state__v')
  const shown = visibleFields(m)

  return (
    <main>
      <p className="breadcrumb">
        <Link href={objectPath(object)}>{m.label_plural ?? m.label}</Link>
      </p>
      <div className="page-title">
        <h1>{title}</h1>
        {state !== undefined && !creating && (
          <span className="badge state">{displayValue(state, row, m, picklists)}</span>
        )}
      </div>
      <ErrorMessage error={record.error} />
      {!creating && !editing && (
        <div className="actions">
          {permissions?.edit === true && (
            <Button onPress={() => setEditing(true)} isDisabled={busy}>
              Edit
            </Button>
          )}
          {(actions.data ?? []).map((action) => (
            <Button key={action.name} onPress={() => void run(action)} isDisabled={busy}>
              {action.label}
            </Button>
          ))}
          <Link
            className="trace-link"
            href={`/ui/trace/${encodeURIComponent(object)}/${encodeURIComponent(id ?? '')}`}
          >
            Trace
          </Link>
        </div>
      )}
      {status !== undefined && (
        <p role="status" className="status">
          {status}
        </p>
      )}
      <ErrorMessage error={error} />
      {object === 'medical_inquiry__v' && !creating && (
        <InquiryStatus meta={m} row={row} picklists={picklists} />
      )}
      {editing ? (
        <Form onSubmit={save} className="record-form">
          {fields.map((f) => (
            <FieldInput
              key={f.name}
              field={f}
              meta={m}
              value={draftOf(f.name)}
              picklist={f.picklist === undefined ? undefined : picklists.get(f.picklist)}
              referenceName={
                f.relationship_name === undefined
                  ? undefined
                  : (row[`${f.relationship_name}.name__v`] as string | undefined)
              }
              onChange={(value) => setDrafts((d) => ({ ...d, [f.name]: value }))}
            />
          ))}
          <div className="actions">
            <Button type="submit" isDisabled={busy}>
              Save
            </Button>
            <Button
              onPress={() => {
                if (creating) navigate(objectPath(object))
                setEditing(false)
                setDrafts({})
                setError(undefined)
              }}
            >
              Cancel
            </Button>
          </div>
        </Form>
      ) : (
        <dl className="record-fields">
          {shown.map((f) => (
            <div key={f.name}>
              <dt>{f.label}</dt>
              <dd>
                <FieldValue field={f} meta={m} row={row} picklists={picklists} />
              </dd>
            </div>
          ))}
        </dl>
      )}
      {object === 'integration_rule__sys' && !creating && !editing && <RuleDryRun row={row} />}
      {!creating && !editing && id !== undefined && (
        <RelatedLists meta={m} id={id} refetchMs={live ? LIVE_REFRESH_MS : undefined} />
      )}
    </main>
  )
}

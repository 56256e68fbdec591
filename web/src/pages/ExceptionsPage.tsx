import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Button } from 'react-aria-components'
import { useObjectMeta, usePicklists, useRelationships } from '../api/metadata'
import { type Row, selectColumns } from '../api/values'
import { vqlName } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { useSession } from '../app/session'
import { listColumns } from './list-columns'
import { RecordsTable } from './RecordsTable'

const EXCEPTIONS = 'exception_message__sys'
const REFRESH_MS = 2_000
const SHOWN_MAX = 100

/**
 * User Exception Messages, open ones first, each with the lifecycle actions its state allows
 * (Reprocess on an open message). A message's page lists its items.
 */
export function ExceptionsPage() {
  const { client } = useSession()
  const queryClient = useQueryClient()
  const meta = useObjectMeta(EXCEPTIONS)
  const traversable = useRelationships(EXCEPTIONS)
  const columns = meta.data === undefined ? [] : listColumns(meta.data)
  const picklists = usePicklists(columns)
  const [error, setError] = useState<unknown>()
  const [status, setStatus] = useState<string>()
  const [busy, setBusy] = useState(false)
  const rows = useQuery({
    queryKey: ['list', EXCEPTIONS, 'exceptions-page'],
    enabled: meta.data !== undefined && traversable.data !== undefined,
    refetchInterval: REFRESH_MS,
    placeholderData: keepPreviousData,
    queryFn: async () => {
      const fields = ['id', 'state__v', ...columns.flatMap((f) => selectColumns(f, traversable.data!))]
      const page = await client.query(
        `SELECT ${[...new Set(fields)].map(vqlName).join(', ')} FROM ${EXCEPTIONS} ORDER BY modified_date__v DESC PAGESIZE ${SHOWN_MAX}`,
      )
      const open = (r: Row) => (Array.isArray(r.state__v) ? r.state__v[0] : r.state__v) === 'open__sys'
      return [...page.data.filter(open), ...page.data.filter((r) => !open(r))]
    },
  })

  if (meta.error)
    return (
      <main>
        <ErrorMessage error={meta.error} />
      </main>
    )
  if (meta.data === undefined)
    return (
      <main>
        <p className="loading">Loading…</p>
      </main>
    )
  const m = meta.data

  const run = async (row: Row, action: { name: string; label: string }) => {
    setBusy(true)
    setError(undefined)
    setStatus(undefined)
    try {
      await client.call(
        'POST',
        `/vobjects/${EXCEPTIONS}/${encodeURIComponent(String(row.id))}/actions/${action.name}`,
      )
      setStatus(`${action.label}: ${String(row.name__v ?? row.id)} done.`)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
      await queryClient.invalidateQueries({ queryKey: ['list', EXCEPTIONS] })
    }
  }

  return (
    <main>
      <div className="page-title">
        <h1>User Exception Messages</h1>
      </div>
      {status !== undefined && (
        <p role="status" className="status">
          {status}
        </p>
      )}
      <ErrorMessage error={error ?? rows.error} />
      <RecordsTable
        label="User Exception Messages"
        meta={m}
        columns={columns}
        rows={rows.data ?? []}
        picklists={picklists}
        empty={rows.isFetching ? 'Loading…' : 'No exception messages: nothing failed.'}
        rowActions={(row) => {
          const state = Array.isArray(row.state__v) ? String(row.state__v[0]) : String(row.state__v)
          return (m.lifecycle?.actions ?? [])
            .filter((a) => a.from.includes(state))
            .map((a) => (
              <Button key={a.name} isDisabled={busy} onPress={() => void run(row, a)}>
                {a.label}
              </Button>
            ))
        }}
      />
    </main>
  )
}

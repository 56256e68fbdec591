import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useId, useState } from 'react'
import { Button, Checkbox, Input, Label, Link, SearchField, type Selection } from 'react-aria-components'
import { LIVE_LIST_MAX_ROWS, LIVE_OBJECTS, LIVE_REFRESH_MS } from '../api/live'
import {
  openStates,
  useObjectMeta,
  useObjectPermissions,
  usePicklists,
  useRelationships,
} from '../api/metadata'
import { selectColumns } from '../api/values'
import { listQuery, vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { objectPath } from '../app/router'
import { useSession } from '../app/session'
import { BulkActions } from './BulkActions'
import { listColumns } from './list-columns'
import { RecordsTable } from './RecordsTable'

const PAGE_SIZES = [25, 100, 1000] as const
const SEARCH_DELAY_MS = 300

/** A page of an object's records by VQL, with search (FIND), paging and, where actions exist, selection. */
export function ObjectListPage({ object }: { object: string }) {
  const { client } = useSession()
  const meta = useObjectMeta(object)
  const permissions = useObjectPermissions(object)
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(0)
  const [pageSize, setPageSize] = useState<number>(PAGE_SIZES[0])
  const [openOnly, setOpenOnly] = useState(true)
  const pageSizeId = useId()
  const [selected, setSelected] = useState<Selection>(new Set())

  useEffect(() => {
    const timer = setTimeout(() => {
      setSearch(typed)
      setPage(0)
    }, SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [typed])

  const columns = meta.data === undefined ? [] : listColumns(meta.data)
  const picklists = usePicklists(columns)
  const relationships = useRelationships(object)
  const open = meta.data === undefined ? [] : openStates(meta.data)
  const inbox = open.length > 0 && openOnly
  const rows = useQuery({
    queryKey: ['list', object, search, page, pageSize, inbox],
    enabled: meta.data !== undefined && relationships.data !== undefined,
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_OBJECTS.has(object) && pageSize <= LIVE_LIST_MAX_ROWS ? LIVE_REFRESH_MS : undefined,
    queryFn: () =>
      client.query(
        listQuery({
          object,
          fields: columns.flatMap((f) => selectColumns(f, relationships.data ?? new Set())),
          search,
          pageSize,
          page,
          ...(inbox ? { where: `state__v CONTAINS (${open.map(vqlString).join(', ')})` } : {}),
        }),
      ),
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
  const title = m.label_plural ?? m.label
  const total = rows.data?.total ?? 0
  const first = total === 0 ? 0 : page * pageSize + 1
  const last = Math.min(total, (page + 1) * pageSize)
  const ids =
    selected === 'all' ? (rows.data?.data ?? []).map((r) => String(r.id)) : [...selected].map(String)

  return (
    <main>
      <div className="page-title">
        <h1>{title}</h1>
        {permissions?.create === true && (
          <Link className="button" href={`${objectPath(object)}/new`}>
            New {m.label}
          </Link>
        )}
      </div>
      <div className="toolbar">
        <SearchField value={typed} onChange={setTyped} aria-label={`Search ${title}`}>
          <Label>Search</Label>
          <Input />
        </SearchField>
        {open.length > 0 && (
          <Checkbox
            className="select-box open-only"
            isSelected={openOnly}
            onChange={(on) => {
              setOpenOnly(on)
              setPage(0)
            }}
          >
            {({ isSelected }) => (
              <>
                <span className="box" aria-hidden="true">
                  {isSelected ? '✓' : ''}
                </span>
                Open only
              </>
            )}
          </Checkbox>
        )}
        <BulkActions object={object} ids={ids} onDone={() => setSelected(new Set())} />
      </div>
      <ErrorMessage error={rows.error} />
      <RecordsTable
        label={title}
        meta={m}
        columns={columns}
        rows={rows.data?.data ?? []}
        picklists={picklists}
        empty={rows.isFetching ? 'Loading…' : 'No records.'}
        selection={{ selected, onChange: setSelected }}
      />
      <nav className="pager" aria-label="Pages">
        <Button isDisabled={page === 0} onPress={() => setPage(page - 1)}>
          Previous page
        </Button>
        <span aria-live="polite">
          {first}–{last} of {total}
        </span>
        <Button isDisabled={last >= total} onPress={() => setPage(page + 1)}>
          Next page
        </Button>
        <label htmlFor={pageSizeId}>Rows per page</label>
        <select
          id={pageSizeId}
          value={pageSize}
          onChange={(e) => {
            setPageSize(Number(e.target.value))
            setPage(0)
          }}
        >
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </nav>
    </main>
  )
}

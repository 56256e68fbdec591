import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import {
  Button,
  Cell,
  Checkbox,
  Column,
  Input,
  Label,
  Link,
  Row,
  SearchField,
  type Selection,
  Table,
  TableBody,
  TableHeader,
} from 'react-aria-components'
import { useObjectMeta, usePicklists, useRelationships } from '../api/metadata'
import { displayValue, selectColumns } from '../api/values'
import { listQuery } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { objectPath } from '../app/router'
import { useSession } from '../app/session'
import { BulkActions } from './BulkActions'
import { listColumns } from './list-columns'

const PAGE_SIZE = 25

/** The table's selection checkbox (react-aria names it: Select, Select all), drawn as a box. */
function SelectionBox() {
  return (
    <Checkbox slot="selection" className="select-box">
      {({ isSelected, isIndeterminate }) => (
        <span className="box" aria-hidden="true">
          {isSelected ? '✓' : isIndeterminate ? '–' : ''}
        </span>
      )}
    </Checkbox>
  )
}
const SEARCH_DELAY_MS = 300

/** A page of an object's records by VQL, with search (FIND), paging and, where actions exist, selection. */
export function ObjectListPage({ object }: { object: string }) {
  const { client } = useSession()
  const meta = useObjectMeta(object)
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(0)
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
  const rows = useQuery({
    queryKey: ['list', object, search, page],
    enabled: meta.data !== undefined && relationships.data !== undefined,
    placeholderData: keepPreviousData,
    queryFn: () =>
      client.query(
        listQuery({
          object,
          fields: columns.flatMap((f) => selectColumns(f, relationships.data ?? new Set())),
          search,
          pageSize: PAGE_SIZE,
          page,
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
  const first = total === 0 ? 0 : page * PAGE_SIZE + 1
  const last = Math.min(total, (page + 1) * PAGE_SIZE)
  const ids =
    selected === 'all' ? (rows.data?.data ?? []).map((r) => String(r.id)) : [...selected].map(String)

  return (
    <main>
      <div className="page-title">
        <h1>{title}</h1>
        <Link className="button" href={`${objectPath(object)}/new`}>
          New {m.label}
        </Link>
      </div>
      <div className="toolbar">
        <SearchField value={typed} onChange={setTyped} aria-label={`Search ${title}`}>
          <Label>Search</Label>
          <Input />
        </SearchField>
        <BulkActions object={object} ids={ids} onDone={() => setSelected(new Set())} />
      </div>
      <ErrorMessage error={rows.error} />
      <Table
        aria-label={title}
        selectionMode="multiple"
        selectedKeys={selected}
        onSelectionChange={setSelected}
        className="records"
      >
        <TableHeader>
          <Column width={40}>
            <SelectionBox />
          </Column>
          {columns.map((f, i) => (
            <Column key={f.name} id={f.name} isRowHeader={i === 0}>
              {f.label}
            </Column>
          ))}
        </TableHeader>
        <TableBody
          items={rows.data?.data ?? []}
          renderEmptyState={() => (rows.isFetching ? 'Loading…' : 'No records.')}
        >
          {(row) => (
            <Row id={String(row.id)}>
              <Cell>
                <SelectionBox />
              </Cell>
              {columns.map((f, i) => (
                <Cell key={f.name}>
                  {i === 0 ? (
                    <Link href={objectPath(object, String(row.id))}>
                      {displayValue(f, row, m, picklists) || String(row.id)}
                    </Link>
                  ) : (
                    displayValue(f, row, m, picklists)
                  )}
                </Cell>
              ))}
            </Row>
          )}
        </TableBody>
      </Table>
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
      </nav>
    </main>
  )
}

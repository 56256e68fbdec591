import { type MouseEvent, type ReactNode, useDeferredValue, useEffect, useState } from 'react'
import {
  Cell,
  Checkbox,
  Column,
  Link,
  Row,
  type Selection,
  Table,
  TableBody,
  TableHeader,
} from 'react-aria-components'
import type { FieldMeta, ObjectMeta } from '../api/metadata'
import { displayValue, type Picklists, type Row as RecordRow } from '../api/values'
import { navigate, objectPath } from '../app/router'

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

interface RecordsTableProps {
  readonly label: string
  readonly meta: ObjectMeta
  readonly columns: readonly FieldMeta[]
  readonly rows: readonly RecordRow[]
  readonly picklists: Picklists
  readonly empty: string
  readonly selection?: { readonly selected: Selection; onChange(selection: Selection): void }
  /** Buttons at the end of each row (e.g. the lifecycle actions of its state). */
  readonly rowActions?: (row: RecordRow) => ReactNode
}

/**
 * Records as a react-aria grid: the first column links to the record, values as a person reads
 * them (labels, names), optional selection and per-row actions.
 */
/**
 * Above this many rows, the page is a plain HTML table (natively accessible: a checkbox labelled
 * per record, links, header cells), which renders 1,000 rows within the 200 ms budget where the
 * react-aria grid takes seconds.
 */
const GRID_MAX_ROWS = 100

export function RecordsTable(props: RecordsTableProps) {
  // A new page renders in the background, in slices, so typing and clicks stay answered meanwhile.
  const rows = useDeferredValue(props.rows)
  return rows.length <= GRID_MAX_ROWS ? (
    <RecordsGrid {...props} rows={rows} />
  ) : (
    <PlainRecordsTable {...props} rows={rows} />
  )
}

function selectedIds(selection: Selection, rows: readonly RecordRow[]): Set<string> {
  return selection === 'all' ? new Set(rows.map((r) => String(r.id))) : new Set([...selection].map(String))
}

/** Rows added to the page per task: each commit stays far below the 200 ms budget. */
const ROWS_PER_SLICE = 100

/** The first rows at once, the rest a slice per task: a long page never holds the main thread. */
function useProgressiveRows(rows: readonly RecordRow[]): readonly RecordRow[] {
  const [state, setState] = useState({ rows, shown: ROWS_PER_SLICE })
  const current = state.rows === rows ? state : { rows, shown: ROWS_PER_SLICE }
  if (current !== state) setState(current)
  useEffect(() => {
    if (current.shown >= rows.length) return
    const timer = setTimeout(() => setState((s) => ({ ...s, shown: s.shown + ROWS_PER_SLICE })), 0)
    return () => clearTimeout(timer)
  }, [current.shown, rows.length])
  return rows.slice(0, current.shown)
}

function PlainRecordsTable(props: RecordsTableProps) {
  const { meta, columns, picklists, selection, rowActions } = props
  const rows = useProgressiveRows(props.rows)
  const chosen = selection === undefined ? new Set<string>() : selectedIds(selection.selected, rows)
  const toggle = (id: string, on: boolean) => {
    if (selection === undefined) return
    const next = new Set(chosen)
    if (on) next.add(id)
    else next.delete(id)
    selection.onChange(next)
  }
  return (
    <table aria-label={props.label} className="records plain">
      <thead>
        <tr>
          {selection !== undefined && (
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select all"
                checked={rows.length > 0 && chosen.size === rows.length}
                onChange={(e) => selection.onChange(e.target.checked ? 'all' : new Set())}
              />
            </th>
          )}
          {columns.map((f) => (
            <th key={f.name} scope="col">
              {f.label}
            </th>
          ))}
          {rowActions !== undefined && <th scope="col">Actions</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const id = String(row.id)
          const name = (columns[0] === undefined ? '' : displayValue(columns[0], row, meta, picklists)) || id
          return (
            <tr key={id}>
              {selection !== undefined && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${name}`}
                    checked={chosen.has(id)}
                    onChange={(e) => toggle(id, e.target.checked)}
                  />
                </td>
              )}
              {columns.map((f, i) =>
                i === 0 ? (
                  <th key={f.name} scope="row">
                    <a
                      href={objectPath(meta.name, id)}
                      onClick={(e) => followLink(e, objectPath(meta.name, id))}
                    >
                      {name}
                    </a>
                  </th>
                ) : (
                  <td key={f.name}>{displayValue(f, row, meta, picklists)}</td>
                ),
              )}
              {rowActions !== undefined && <td>{rowActions(row)}</td>}
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

function RecordsGrid(props: RecordsTableProps & { readonly virtual?: boolean }) {
  const { meta, columns, picklists, selection, rowActions } = props
  return (
    <Table
      aria-label={props.label}
      className={props.virtual === true ? 'records virtual' : 'records'}
      {...(selection === undefined
        ? {}
        : {
            selectionMode: 'multiple' as const,
            selectedKeys: selection.selected,
            onSelectionChange: selection.onChange,
          })}
    >
      <TableHeader>
        {selection !== undefined && (
          <Column width={40}>
            <SelectionBox />
          </Column>
        )}
        {columns.map((f, i) => (
          <Column key={f.name} id={f.name} isRowHeader={i === 0}>
            {f.label}
          </Column>
        ))}
        {rowActions !== undefined && <Column id="row-actions">Actions</Column>}
      </TableHeader>
      <TableBody items={props.rows} renderEmptyState={() => props.empty}>
        {(row) => (
          <Row id={String(row.id)}>
            {selection !== undefined && (
              <Cell>
                <SelectionBox />
              </Cell>
            )}
            {columns.map((f, i) => (
              <Cell key={f.name}>
                {i === 0 ? (
                  <Link href={objectPath(meta.name, String(row.id))}>
                    {displayValue(f, row, meta, picklists) || String(row.id)}
                  </Link>
                ) : (
                  displayValue(f, row, meta, picklists)
                )}
              </Cell>
            ))}
            {rowActions !== undefined && <Cell>{rowActions(row)}</Cell>}
          </Row>
        )}
      </TableBody>
    </Table>
  )
}

/** A plain link that moves within the app (no reload) unless a modifier asks for a new tab. */
function followLink(event: MouseEvent<HTMLAnchorElement>, to: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  navigate(to)
}

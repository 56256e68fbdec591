import type { ReactNode } from 'react'
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
import { objectPath } from '../app/router'

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
export function RecordsTable(props: RecordsTableProps) {
  const { meta, columns, picklists, selection, rowActions } = props
  return (
    <Table
      aria-label={props.label}
      className="records"
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

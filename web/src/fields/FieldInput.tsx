import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import {
  Button,
  Checkbox,
  ComboBox,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  TextArea,
  TextField,
} from 'react-aria-components'
import type { FieldMeta, ObjectMeta, PicklistValue } from '../api/metadata'
import type { Draft } from '../api/values'
import { vqlName, vqlString } from '../api/vql'
import { useSession } from '../app/session'

interface FieldInputProps {
  readonly field: FieldMeta
  readonly meta: ObjectMeta
  readonly value: Draft
  /** The referenced record's name, for a reference field being edited. */
  readonly referenceName?: string
  readonly picklist?: readonly PicklistValue[]
  onChange(value: Draft): void
}

/** Picklists are the browser's own select: labelled, keyboard- and screen-reader-ready, testable. */
function PicklistInput({
  field,
  value,
  options,
  onChange,
}: {
  field: FieldMeta
  value: Draft
  options: readonly PicklistValue[]
  onChange(value: Draft): void
}) {
  const id = useId()
  const multiple = Array.isArray(value)
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      <select
        id={id}
        multiple={multiple}
        required={field.required}
        value={multiple ? value : String(value)}
        size={multiple ? Math.min(8, options.length) : undefined}
        onChange={(e) =>
          onChange(multiple ? [...e.target.selectedOptions].map((o) => o.value) : e.target.value)
        }
      >
        {!multiple && <option value="">—</option>}
        {options.map((o) => (
          <option key={o.name} value={o.name}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  )
}

const REFERENCE_CHOICES = 20

/** A reference: type part of a name, choose the record (VQL on the referenced object's names). */
function ReferenceInput({ field, value, referenceName, onChange }: FieldInputProps) {
  const { client } = useSession()
  const [text, setText] = useState(referenceName ?? (typeof value === 'string' ? value : ''))
  // A Document field chooses among the vault's documents; an Object field among its object's records.
  const target = field.type === 'Document' ? 'documents' : (field.object ?? '')
  const choices = useQuery({
    queryKey: ['choices', target, text],
    queryFn: async () => {
      const where = text.trim() === '' ? '' : ` WHERE name__v LIKE ${vqlString(`${text.trim()}%`)}`
      const page = await client.query<{ id: string; name__v: string }>(
        `SELECT id, name__v FROM ${vqlName(target)}${where} ORDER BY name__v PAGESIZE ${REFERENCE_CHOICES}`,
      )
      // Document ids are numbers; the combo box keys are text.
      return page.data.map((r) => ({ id: String(r.id), name__v: r.name__v }))
    },
  })
  return (
    <ComboBox
      className="field"
      selectedKey={typeof value === 'string' && value !== '' ? value : null}
      inputValue={text}
      onInputChange={(t) => {
        setText(t)
        if (t === '') onChange('')
      }}
      onSelectionChange={(key) => onChange(key === null ? '' : String(key))}
      items={choices.data ?? []}
      isRequired={field.required}
      allowsEmptyCollection
      menuTrigger="focus"
    >
      <Label>{field.label}</Label>
      <div className="combo">
        <Input />
        <Button aria-label={`Choose ${field.label}`}>▾</Button>
      </div>
      <Popover>
        <ListBox<{ id: string; name__v: string }> renderEmptyState={() => <p className="empty">No match.</p>}>
          {(item) => <ListBoxItem id={item.id}>{item.name__v || item.id}</ListBoxItem>}
        </ListBox>
      </Popover>
    </ComboBox>
  )
}

/** One field of a form, labelled with its metadata label, the input its type calls for. */
export function FieldInput(props: FieldInputProps) {
  const { field, meta, value, onChange } = props
  if (field.name === 'object_type__v' && meta.object_types !== undefined)
    return <PicklistInput field={field} value={value} options={meta.object_types} onChange={onChange} />
  if (field.type === 'Picklist')
    return <PicklistInput field={field} value={value} options={props.picklist ?? []} onChange={onChange} />
  if (field.type === 'Object' || field.type === 'Document') return <ReferenceInput {...props} />
  if (field.type === 'Boolean')
    return (
      <Checkbox className="field checkbox" isSelected={value === true} onChange={onChange}>
        {field.label}
      </Checkbox>
    )
  const text = typeof value === 'string' ? value : ''
  if (field.type === 'LongText')
    return (
      <TextField className="field" value={text} onChange={onChange} isRequired={field.required}>
        <Label>{field.label}</Label>
        <TextArea rows={4} maxLength={field.max_length} />
      </TextField>
    )
  const type =
    field.type === 'Number'
      ? 'number'
      : field.type === 'Date'
        ? 'date'
        : field.type === 'DateTime'
          ? 'datetime-local'
          : 'text'
  return (
    <TextField className="field" type={type} value={text} onChange={onChange} isRequired={field.required}>
      <Label>{field.label}</Label>
      <Input maxLength={field.max_length} />
    </TextField>
  )
}

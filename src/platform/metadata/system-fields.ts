import type { FieldDefinition, ObjectDefinition } from './types.js'

export const NAME_MAX_LENGTH = 128

/** The fields every record has (spec/data-model.md), in the order the API lists them. */
export function systemFieldsFor(object: ObjectDefinition): FieldDefinition[] {
  const fields: FieldDefinition[] = [
    { name: 'id', label: 'ID', type: 'ID', system: true, unique: true },
    {
      name: 'name__v',
      label: 'Name',
      type: 'String',
      maxLength: NAME_MAX_LENGTH,
      required: object.numbering === undefined,
      unique: object.uniqueName === true,
      indexed: true,
    },
  ]
  if (object.objectTypes !== undefined)
    fields.push({
      name: 'object_type__v',
      label: 'Object Type',
      type: 'Picklist',
      picklist: `${object.name}.object_type__v`,
    })
  if (object.lifecycle !== undefined)
    fields.push({
      name: 'state__v',
      label: 'Lifecycle State',
      type: 'String',
      system: true,
      maxLength: 128,
      indexed: true,
    })
  fields.push(
    {
      name: 'status__v',
      label: 'Status',
      type: 'Picklist',
      picklist: object.statusPicklist ?? 'status__v',
    },
    { name: 'external_id__v', label: 'External ID', type: 'String', unique: true, maxLength: 255 },
    { name: 'created_date__v', label: 'Created Date', type: 'DateTime', system: true },
    { name: 'created_by__v', label: 'Created By', type: 'String', system: true, maxLength: 64 },
    { name: 'modified_date__v', label: 'Last Modified Date', type: 'DateTime', system: true, indexed: true },
    { name: 'modified_by__v', label: 'Last Modified By', type: 'String', system: true, maxLength: 64 },
    { name: 'global_id__sys', label: 'Global ID', type: 'String', system: true, maxLength: 128 },
    { name: 'link__sys', label: 'Link', type: 'String', unique: true, maxLength: 128 },
  )
  return fields
}

export const SYSTEM_FIELD_NAMES = new Set([
  'id',
  'name__v',
  'object_type__v',
  'state__v',
  'status__v',
  'external_id__v',
  'created_date__v',
  'created_by__v',
  'modified_date__v',
  'modified_by__v',
  'global_id__sys',
  'link__sys',
])

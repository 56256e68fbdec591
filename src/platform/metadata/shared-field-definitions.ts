import type { FieldDefinition, ObjectAccess } from './types.js'

/**
 * Field blocks that both profiles declare alike. The connection copies values field for field
 * between them (addresses into Person Information, CLM metrics from CRM into Medical), so each
 * block is defined once.
 */

export const TEXT_SHORT_MAX_LENGTH = 128
export const LINK_MAX_LENGTH = 1500
export const NOTES_MAX_LENGTH = 32_000

/** Street address lines, city, state and postal code; the country field differs per profile. */
export const ADDRESS_FIELDS: readonly FieldDefinition[] = Object.freeze([
  { name: 'address_line_1__v', label: 'Address Line 1', type: 'String', maxLength: 255 },
  { name: 'address_line_2__v', label: 'Address Line 2', type: 'String', maxLength: 255 },
  { name: 'city__v', label: 'City', type: 'String', maxLength: 128 },
  { name: 'state_province__v', label: 'State/Province', type: 'String', maxLength: 128 },
  { name: 'postal_code__v', label: 'Postal Code', type: 'String', maxLength: 32 },
])

/** Statistics a CRM calculates per presentation or slide and country (B21), the same in both vaults. */
export const CLM_METRIC_FIELDS: readonly FieldDefinition[] = Object.freeze([
  { name: 'times_shown__v', label: 'Times Shown', type: 'Number', scale: 0 },
  { name: 'total_duration_seconds__v', label: 'Total Duration (seconds)', type: 'Number', scale: 0 },
  { name: 'average_duration_seconds__v', label: 'Average Duration (seconds)', type: 'Number', scale: 2 },
  { name: 'times_sent_as_link__v', label: 'Times Sent as Link', type: 'Number', scale: 0 },
  { name: 'link_click_rate__v', label: 'Link Click Rate', type: 'Number', scale: 4 },
  { name: 'custom_presentation_uses__v', label: 'Custom Presentation Uses', type: 'Number', scale: 0 },
  { name: 'previews__v', label: 'Previews', type: 'Number', scale: 0 },
  { name: 'average_view_order__v', label: 'Average View Order', type: 'Number', scale: 2 },
  { name: 'reactions_positive__v', label: 'Positive Reactions', type: 'Number', scale: 0 },
  { name: 'reactions_neutral__v', label: 'Neutral Reactions', type: 'Number', scale: 0 },
  { name: 'reactions_negative__v', label: 'Negative Reactions', type: 'Number', scale: 0 },
  { name: 'last_calculated__v', label: 'Last Calculated', type: 'DateTime' },
])

/** The fields as only the connection may edit them (`editableBy: 'connection'`); people read them. */
export function writtenByConnection(fields: readonly FieldDefinition[]): readonly FieldDefinition[] {
  return fields.map((field) => ({ ...field, editableBy: 'connection' as const }))
}

/** Grants used in permission tables. */
export const READ_EDIT: readonly ObjectAccess[] = Object.freeze(['read', 'edit'])
export const CREATE_EDIT: readonly ObjectAccess[] = Object.freeze(['read', 'create', 'edit'])
export const CREATE_EDIT_DELETE: readonly ObjectAccess[] = Object.freeze(['read', 'create', 'edit', 'delete'])

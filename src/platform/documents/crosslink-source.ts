import { LiaisonError } from '../errors/index.js'
import { type DocumentTypeDefinition, SOURCE_BINDING_RULES } from '../metadata/index.js'
import { CROSSLINK_SOURCE_FIELDS, type CrossLinkSource, numberOrNull, textOrNull } from './document-rows.js'

/** Throws unless documents of the type may be CrossLinks in this vault. */
export function assertCrossLinkType(type: DocumentTypeDefinition): void {
  if (type.crosslink !== true)
    throw new LiaisonError(
      'OPERATION_NOT_ALLOWED',
      `Document type ${type.name} cannot hold CrossLinks in this vault.`,
    )
}

/**
 * The CrossLink source a client sends with a new document, checked: undefined when it sends none;
 * otherwise both the source vault and document, a known binding rule (default: the latest steady
 * state) and, for a specific version, that version.
 */
export function parseCrossLinkSource(
  type: DocumentTypeDefinition,
  input: Readonly<Record<string, unknown>>,
): CrossLinkSource | undefined {
  const given = CROSSLINK_SOURCE_FIELDS.filter((f) => input[f] !== undefined && input[f] !== '')
  if (given.length === 0) return undefined
  assertCrossLinkType(type)
  const vault = textOrNull(input.source_vault_id__v)
  const document = textOrNull(input.source_document_id__v)
  if (vault === null || document === null)
    throw new LiaisonError(
      'FIELD_REQUIRED',
      'A CrossLink needs both source_vault_id__v and source_document_id__v.',
    )
  const rule = textOrNull(input.source_binding_rule__v) ?? 'latest_steady_state__v'
  if (!(SOURCE_BINDING_RULES as readonly string[]).includes(rule))
    throw new LiaisonError(
      'PICKLIST_VALUE_UNKNOWN',
      `source_binding_rule__v must be one of ${SOURCE_BINDING_RULES.join(', ')}, got "${rule}".`,
    )
  const major = numberOrNull(input.bound_source_major_version__v)
  const minor = numberOrNull(input.bound_source_minor_version__v)
  if (rule === 'specific_version__v' && (major === null || minor === null || Number.isNaN(major + minor)))
    throw new LiaisonError(
      'FIELD_REQUIRED',
      'A CrossLink bound to a specific version needs bound_source_major_version__v and bound_source_minor_version__v.',
    )
  return {
    source_vault_id__v: vault,
    source_document_id__v: document,
    source_binding_rule__v: rule,
    bound_source_major_version__v: major,
    bound_source_minor_version__v: minor,
  }
}

import type { Kysely } from 'kysely'
import { LiaisonError } from '../../../platform/errors/index.js'
import type { VaultDb } from '../../../platform/storage/index.js'
import { DOCUMENT_TRANSFER_GROUP } from '../../rules/index.js'
import type { FlowVault } from '../flow-ports.js'

function multiValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '')
  if (typeof value === 'string' && value !== '') return value.split(',')
  return []
}

/** The document types the connection transfers: the `medical_crm_connection__v` type group's. */
export async function transferredTypes(db: Kysely<VaultDb>): Promise<Set<string>> {
  const group = await db
    .selectFrom('document_type_group__v')
    .select('document_types__v')
    .where('api_name__v', '=', DOCUMENT_TRANSFER_GROUP)
    .where('status__v', '=', 'active__v')
    .executeTakeFirst()
  return new Set(multiValues(group?.document_types__v))
}

/** The types the transfer group starts with; CLM and Approved Email content travel on their own. */
export const DOCUMENT_TRANSFER_GROUP_TYPES = ['reference_document__v'] as const

/**
 * Seeds the Medical-CRM Connection document type group once (spec/data-model.md): an admin edits
 * its types afterwards, and a group an admin changed or made inactive is left as it is.
 */
export async function ensureDocumentTransferGroup(vault: FlowVault): Promise<void> {
  await vault.storage.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('document_type_group__v')
      .select('id')
      .where('api_name__v', '=', DOCUMENT_TRANSFER_GROUP)
      .executeTakeFirst()
    if (existing !== undefined) return
    const [result] = await vault.records.createIn(
      trx,
      { userId: 'system', userName: 'System', securityProfile: 'system' },
      'document_type_group__v',
      [
        {
          name__v: 'Medical-CRM Connection',
          api_name__v: DOCUMENT_TRANSFER_GROUP,
          document_types__v: [...DOCUMENT_TRANSFER_GROUP_TYPES],
          description__v: 'Document types that the Medical-CRM connection transfers to the connected CRMs.',
        },
      ],
    )
    if (result?.responseStatus !== 'SUCCESS')
      throw new LiaisonError(
        'INTERNAL',
        `The Medical-CRM Connection document type group could not be created: ${result?.errors?.map((e) => e.message).join(' ')}`,
      )
  })
}

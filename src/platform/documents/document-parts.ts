import type { Kysely } from 'kysely'
import type { Clock } from '../clock/index.js'
import type { VaultDb } from '../storage/index.js'
import type { DocumentBlobs } from './document-blobs.js'
import type { DocumentChangeHooks } from './document-change-hooks.js'
import type { DocumentDefinitions } from './document-definitions.js'
import type { DocumentFields } from './document-fields.js'
import type { DocumentWrites } from './document-writes.js'

/**
 * What the parts of DocumentService (edits, lifecycle, CrossLink sync, reads) share: built once per
 * vault by the facade, so every part resolves types alike, writes and audits alike, tells the same
 * change hooks and keeps blobs by the same rules. Each part takes the `Pick` it uses.
 */
export interface DocumentParts {
  /** The vault's database, for reads outside a write's transaction. */
  readonly db: Kysely<VaultDb>
  readonly clock: Clock
  readonly vaultId: number
  readonly definitions: DocumentDefinitions
  readonly fields: DocumentFields
  readonly writes: DocumentWrites
  readonly hooks: DocumentChangeHooks
  readonly blobs: DocumentBlobs
}

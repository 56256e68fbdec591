import type { ConnectionGrant, RecordService } from '../platform/records/index.js'
import { vqlString } from '../platform/vql/index.js'
import type { ConnectionSide } from './rules/index.js'

const READ = ['read'] as const

/** Records that name their connection in `connection__sys`: only the calling connection's. */
const OWN_CONNECTION: ConnectionGrant = {
  access: READ,
  scope: (caller) => `connection__sys = ${vqlString(caller.connectionId)}`,
}

/**
 * What the other side's signed calls read here, object by object (B2, finding 2): the objects its
 * flows, field rules and dry runs query, and of those only its own connection's records. A sandbox
 * calling into production reads only what this vault sends it: documents and their reference data (B3).
 */
export const CONNECTION_GRANTS: Readonly<Record<ConnectionSide, Readonly<Record<string, ConnectionGrant>>>> =
  {
    // Read by the Medical Vault: inquiries it is sent, their accounts, the country settings, and CLM metrics.
    crm: {
      medical_inquiry__v: { access: READ },
      account__v: { access: READ },
      product__v: { access: READ },
      country__v: { access: READ },
      connection__sys: {
        access: READ,
        sandbox: true,
        scope: (caller) => `id = ${vqlString(caller.connectionId)}`,
      },
      connection_settings__v: { ...OWN_CONNECTION, sandbox: true },
      // B21: the figures calculated for it, with the key message or presentation each is about.
      clm_content_metrics__v: OWN_CONNECTION,
      key_message__v: { access: READ },
      clm_presentation__v: { access: READ },
    },
    // Read by a CRM: the case requests of its own inquiries, why its transfers failed, and documents
    // (B17; B19 reads `ALLVERSIONS documents` and `relationships`, which are secured as documents).
    medical: {
      case_request__v: OWN_CONNECTION,
      case__v: OWN_CONNECTION,
      exception_message__sys: OWN_CONNECTION,
      exception_item__sys: {
        access: READ,
        scope: (caller) =>
          `exception_message__sys IN (SELECT id FROM exception_message__sys WHERE connection__sys = ${vqlString(caller.connectionId)})`,
      },
      // Also binders and binder_node__sys (read as documents): CLM reads a presentation's nodes (B18).
      documents: { access: READ, sandbox: true },
      product__v: { access: READ, sandbox: true },
      country__v: { access: READ, sandbox: true },
    },
  }

/** Opens to the connected vaults exactly what `CONNECTION_GRANTS` lists for this side. */
export function grantConnectionReads(
  records: Pick<RecordService, 'grantConnections'>,
  side: ConnectionSide,
): void {
  for (const [objectName, grant] of Object.entries(CONNECTION_GRANTS[side]))
    records.grantConnections(objectName, grant)
}

import { assertNever } from '../platform/errors/index.js'
import type { ConnectionInfo } from '../platform/messaging/index.js'
import type { RecordActor } from '../platform/records/index.js'
import {
  applyTransferResults,
  connectionActor,
  type FlowVault,
  failTransfersOfDeadMessage,
  nudgeCaseStatus,
  processTransferredInquiries,
  pullCaseRequests,
  transferredInquiryGuard,
  transferToMedicalAction,
} from './flows/index.js'
import { type ConnectionSide, INTEGRATION_POINTS, seedConnectionConfiguration } from './rules/index.js'

/** The vault itself writes a connection's standard configuration; the integration user may not. */
function configurationActor(connection: ConnectionInfo): RecordActor {
  return { userId: 'system', userName: 'System', securityProfile: 'system', connection: connection.apiName }
}

/**
 * Installs the Medical-CRM connection's behaviour on one side: object actions, guards, change
 * hooks, message processors, the scheduled pull and the seeding of each new connection's standard
 * configuration (B4). Called once per vault by the composition root.
 */
export function installMedicalCrmConnection(vault: FlowVault, side: ConnectionSide): void {
  const { messaging, records } = vault
  messaging.onConnectionEstablished(async (trx, connection) => {
    await seedConnectionConfiguration(trx, records, configurationActor(connection), connection, side)
  })
  switch (side) {
    case 'crm':
      records.addObjectAction('medical_inquiry__v', transferToMedicalAction(vault))
      records.addGuard('medical_inquiry__v', transferredInquiryGuard)
      messaging.registerProcessor(INTEGRATION_POINTS.inquiryResultOutbound, applyTransferResults(vault))
      messaging.registerProcessor(
        INTEGRATION_POINTS.caseRequestOutbound,
        async (_message, { connection }) => {
          await pullCaseRequests(vault, connection)
        },
      )
      messaging.registerPullRunner(INTEGRATION_POINTS.caseRequestInbound, async (connection) => ({
        ...(await pullCaseRequests(vault, connection)),
      }))
      messaging.onDeadMessage(INTEGRATION_POINTS.inquiryOutbound, failTransfersOfDeadMessage(vault))
      return
    case 'medical':
      messaging.registerProcessor(INTEGRATION_POINTS.inquiryOutbound, processTransferredInquiries(vault))
      records.addChangeHook('case_request__v', nudgeCaseStatus(vault))
      return
    default:
      assertNever(side, 'connection side')
  }
}

/** Seeds the standard configuration of active connections that lack it (connections made before an upgrade). */
export async function ensureConnectionConfiguration(vault: FlowVault, side: ConnectionSide): Promise<void> {
  for (const connection of await vault.messaging.listConnections()) {
    if (connection.status !== 'active__v') continue
    await vault.storage.db
      .transaction()
      .execute((trx) =>
        seedConnectionConfiguration(trx, vault.records, connectionActor(connection), connection, side),
      )
  }
}

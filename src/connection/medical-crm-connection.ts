import { assertNever } from '../platform/errors/index.js'
import type { ConnectionInfo } from '../platform/messaging/index.js'
import {
  applyTransferResults,
  type FlowVault,
  nudgeCaseStatus,
  processTransferredInquiries,
  pullCaseRequests,
  transferredInquiryGuard,
  transferToMedicalAction,
} from './flows/index.js'
import { type ConnectionSide, INTEGRATION_POINTS, seedConnectionConfiguration } from './rules/index.js'

/**
 * Installs the Medical-CRM connection's behaviour on one side: object actions, guards, change
 * hooks and message processors. Called once per vault by the composition root.
 */
export function installMedicalCrmConnection(vault: FlowVault, side: ConnectionSide): void {
  switch (side) {
    case 'crm':
      vault.records.addObjectAction('medical_inquiry__v', transferToMedicalAction(vault))
      vault.records.addGuard('medical_inquiry__v', transferredInquiryGuard)
      vault.registerProcessor(INTEGRATION_POINTS.inquiryResultOutbound, applyTransferResults(vault))
      vault.registerProcessor(INTEGRATION_POINTS.caseRequestOutbound, async (_message, { connection }) => {
        await pullCaseRequests(vault, connection)
      })
      return
    case 'medical':
      vault.registerProcessor(INTEGRATION_POINTS.inquiryOutbound, processTransferredInquiries(vault))
      vault.records.addChangeHook('case_request__v', nudgeCaseStatus(vault))
      return
    default:
      assertNever(side, 'connection side')
  }
}

/** Seeds the standard integration configuration of every active connection that lacks it (B4). */
export async function ensureConnectionConfiguration(vault: FlowVault, side: ConnectionSide): Promise<void> {
  for (const connection of await vault.connections()) {
    if (connection.status !== 'active__v') continue
    await vault.storage.db
      .transaction()
      .execute((trx) =>
        seedConnectionConfiguration(trx, vault.records, vault.connectionActor(connection), connection, side),
      )
  }
}

/** Runs one scheduled pull now (admin "run" action, and the schedule). */
export async function runIntegrationPoint(
  vault: FlowVault,
  connection: ConnectionInfo,
  integrationPoint: string,
): Promise<{ read: number; applied: number; watermark: string | null }> {
  if (integrationPoint === INTEGRATION_POINTS.caseRequestInbound) return pullCaseRequests(vault, connection)
  throw new Error(`Integration point ${integrationPoint} has no scheduled pull.`)
}

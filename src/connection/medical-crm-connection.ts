import { assertNever } from '../platform/errors/index.js'
import type { ErrorLogger, JobQueue, JobTask, TaskHandler } from '../platform/jobs/index.js'
import type { ConnectionInfo } from '../platform/messaging/index.js'
import type { RecordActor } from '../platform/records/index.js'
import type { Vault } from '../platform/vault/index.js'
import { grantConnectionReads } from './connection-grants.js'
import { CLM_RESEND_WINDOW_MS, FIRST_COUNTRY_PULL_DELAY_MS, SCHEDULED_PULL_INTERVAL_MS } from './defaults.js'
import {
  ACTIVITY_LINES,
  applyTransferResults,
  approvedDocumentGuard,
  CALL_KEY_MESSAGES,
  calculateClmMetrics,
  clmMetricsJob,
  ensureDocumentTransferGroup,
  type FlowVault,
  failTransfersOfDeadMessage,
  nudgeCaseStatus,
  nudgeConnectionCountries,
  processTransferredInquiries,
  pullAccounts,
  pullApprovedEmail,
  pullCaseRequests,
  queueApprovedEmailChange,
  queueClmActivity,
  queueClmChange,
  queueClmMetricsOfPublished,
  queueDocumentChange,
  queueDocumentsOfNewCountries,
  queueDocumentsOfTransferGroup,
  queuePresentationsOfNewCountries,
  receiveApprovedEmail,
  receiveClm,
  receiveClmMetrics,
  receiveDocuments,
  republishOnMetricsSwitchedOn,
  resendApprovedEmailOfNewCountries,
  resendApprovedEmailOnSwitchOn,
  resendOnClmSwitchedOn,
  resendOnTransferSwitchedOn,
  resendRecentPresentations,
  routeDocumentsJob,
  syncConnectionCountries,
  transferredInquiryGuard,
  transferToMedicalAction,
} from './flows/index.js'
import { installConnectionGuard } from './handshake/index.js'
import { CLM_METRICS_TASK, PULL_WATERMARK_TASK, ROUTE_DOCUMENTS_TASK } from './job-tasks/index.js'
import { type ConnectionSide, INTEGRATION_POINTS, seedConnectionConfiguration } from './rules/index.js'
import {
  logPullFailure,
  type PullFailure,
  type PullSchedule,
  pullWatermarkJob,
  reportPullFailure,
  type ScheduledPull,
  scheduleActiveConnections,
  schedulePulls,
} from './scheduled-pulls.js'

/** What installing the connection needs beyond the flows' port: the vault's jobs, for scheduled pulls. */
export interface ConnectionVault extends FlowVault {
  /** The vault's durable job queue; scheduled pulls are `pull-watermark` jobs on it. */
  readonly jobs: Pick<JobQueue, 'enqueue' | 'nudge'>
  /** Registers one of the connection's job tasks (the vault's jobs do not start until it has a handler). */
  registerJobTask(task: JobTask): void
  /** Sets the handler of one job task (the vault dispatches to it). */
  handleJobs<P extends object>(task: JobTask<P>, handler: TaskHandler<P>): void
}

export interface ConnectionOptions {
  /** Time between two scheduled pulls of one integration point. (Default: SCHEDULED_PULL_INTERVAL_MS, 1 minute) */
  readonly pullIntervalMs?: number
  /** Hears a scheduled pull that failed (it runs again at the next interval). (Default: one line on stderr) */
  readonly onPullError?: (failure: PullFailure) => void
  /** Where failed scheduled pulls are reported when onPullError is not given. (Default: stderr) */
  readonly logger?: ErrorLogger
}

/** The connection's view of a vault (the composition root passes it to installMedicalCrmConnection). */
export function connectionVaultOf(vault: Vault): ConnectionVault {
  return {
    vaultId: vault.id,
    environment: vault.environment,
    storage: vault.storage,
    records: vault.records,
    documents: vault.documents,
    clock: vault.clock,
    messaging: vault.messaging,
    jobs: vault.jobs,
    registerJobTask: (task) => vault.registerJobTask(task),
    handleJobs: (task, handler) => vault.handleJobs(task, handler),
  }
}

/** The connection's job tasks on each side (a side whose code enqueues a task must register it here). */
const JOB_TASKS: Readonly<Record<ConnectionSide, readonly JobTask[]>> = {
  crm: [PULL_WATERMARK_TASK, CLM_METRICS_TASK],
  medical: [PULL_WATERMARK_TASK, ROUTE_DOCUMENTS_TASK],
}

/** The vault itself writes a connection's standard configuration; the integration user may not. */
function configurationActor(connection: ConnectionInfo): RecordActor {
  return { userId: 'system', userName: 'System', securityProfile: 'system', connection: connection.apiName }
}

/** The pulls each side runs on a schedule, by integration point (B6, B12, B15). */
export function scheduledPulls(vault: FlowVault, side: ConnectionSide): Map<string, ScheduledPull> {
  switch (side) {
    case 'crm':
      return new Map<string, ScheduledPull>([
        [
          INTEGRATION_POINTS.caseRequestInbound,
          async (connection) => ({ ...(await pullCaseRequests(vault, connection)) }),
        ],
        // B19's safety net: Approved Email content changed since the last run, for a missed notice.
        [
          INTEGRATION_POINTS.approvedEmailInbound,
          async (connection) => ({ ...(await pullApprovedEmail(vault, connection)) }),
        ],
        // B21's safety net: activity a missed job left in the feed is folded and sent within a minute.
        [INTEGRATION_POINTS.clmMetricsOutbound, async () => ({ ...(await calculateClmMetrics(vault)) })],
      ])
    case 'medical':
      return new Map<string, ScheduledPull>([
        [
          INTEGRATION_POINTS.accountInbound,
          async (connection) => ({ ...(await pullAccounts(vault, connection)) }),
        ],
        // B15's safety net: a missed nudge or a deleted settings record is caught at the next run.
        [
          INTEGRATION_POINTS.connectionSettingsInbound,
          async (connection) => ({ ...(await syncConnectionCountries(vault, connection)) }),
        ],
        // B18's safety net: presentations changed lately go again (the change hook is the fast path).
        [
          INTEGRATION_POINTS.clmOutbound,
          async (connection) => ({
            ...(await resendRecentPresentations(vault, connection.id, CLM_RESEND_WINDOW_MS)),
          }),
        ],
      ])
    default:
      return assertNever(side, 'connection side')
  }
}

/**
 * Installs the Medical-CRM connection's behaviour on one side: its job tasks, object actions,
 * guards, change hooks, message processors, the scheduled pulls (started for the active connections now and for
 * each connection when it is established) and the seeding of each new connection's standard
 * configuration (B4). Called once per vault by the composition root, before the vault's jobs start.
 */
export async function installMedicalCrmConnection(
  vault: ConnectionVault,
  side: ConnectionSide,
  options: ConnectionOptions = {},
): Promise<void> {
  const { messaging, records } = vault
  for (const task of JOB_TASKS[side]) vault.registerJobTask(task)
  installConnectionGuard(records)
  grantConnectionReads(records, side)
  const schedule: PullSchedule = {
    pulls: scheduledPulls(vault, side),
    intervalMs: options.pullIntervalMs ?? SCHEDULED_PULL_INTERVAL_MS,
    onError:
      options.onPullError ??
      (options.logger === undefined ? reportPullFailure : logPullFailure(options.logger)),
  }
  messaging.onConnectionEstablished(async (trx, connection) => {
    await seedConnectionConfiguration(trx, records, configurationActor(connection), connection, side)
    // The points were seeded just above, in the same transaction: their first pulls commit with them.
    // B15: Medical reads a new CRM's country filter soon, not a whole interval later: a sandbox
    // never nudges a production Medical Vault (B3), so until then its documents would not route.
    await schedulePulls(
      trx,
      vault,
      schedule,
      connection.id,
      side === 'medical'
        ? { points: [INTEGRATION_POINTS.connectionSettingsInbound], delayMs: FIRST_COUNTRY_PULL_DELAY_MS }
        : undefined,
    )
  })
  vault.handleJobs(PULL_WATERMARK_TASK, pullWatermarkJob(vault, schedule))
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
      messaging.onDeadMessage(INTEGRATION_POINTS.inquiryOutbound, failTransfersOfDeadMessage(vault))
      records.addChangeHook('connection_settings__v', nudgeConnectionCountries(vault))
      // B17, B20: the Medical Vault's document notices become CrossLinks here.
      messaging.registerProcessor(INTEGRATION_POINTS.documentTransferOutbound, receiveDocuments(vault))
      // B19: Approved Email notices become CrossLinks and Approved Documents, written by the connection only.
      messaging.registerProcessor(INTEGRATION_POINTS.approvedEmailOutbound, receiveApprovedEmail(vault))
      records.addGuard('approved_document__v', approvedDocumentGuard)
      // B18: the Medical Vault's CLM notices become presentations, key messages and slide order here.
      messaging.registerProcessor(INTEGRATION_POINTS.clmOutbound, receiveClm(vault))
      // B21: calls and email activity become CLM Content Metrics for the Medical Vaults.
      records.addChangeHook(CALL_KEY_MESSAGES, queueClmActivity(vault))
      records.addChangeHook(ACTIVITY_LINES, queueClmActivity(vault))
      records.addChangeHook('key_message__v', queueClmMetricsOfPublished(vault))
      records.addChangeHook('clm_presentation__v', queueClmMetricsOfPublished(vault))
      records.addChangeHook('integration_point__sys', republishOnMetricsSwitchedOn(vault))
      vault.handleJobs(CLM_METRICS_TASK, clmMetricsJob(vault))
      break
    case 'medical':
      messaging.registerProcessor(INTEGRATION_POINTS.inquiryOutbound, processTransferredInquiries(vault))
      records.addChangeHook('case_request__v', nudgeCaseStatus(vault))
      // B15: a CRM's nudge that its country filter changed runs the country sync now.
      messaging.registerProcessor(
        INTEGRATION_POINTS.connectionSettingsOutbound,
        async (_message, { connection }) => {
          await syncConnectionCountries(vault, connection)
        },
      )
      // B16: document changes are queued in their transaction and routed by country.
      await ensureDocumentTransferGroup(vault)
      vault.documents.addChangeHook(queueDocumentChange(vault))
      records.addChangeHook('connection_country__v', queueDocumentsOfNewCountries(vault))
      records.addChangeHook('document_type_group__v', queueDocumentsOfTransferGroup(vault))
      records.addChangeHook('integration_point__sys', resendOnTransferSwitchedOn(vault))
      vault.handleJobs(ROUTE_DOCUMENTS_TASK, routeDocumentsJob(vault))
      // B19: Approved Email changes go to the outbound queue in their own transaction.
      vault.documents.addChangeHook(queueApprovedEmailChange(vault))
      records.addChangeHook('connection_country__v', resendApprovedEmailOfNewCountries(vault))
      records.addChangeHook('integration_point__sys', resendApprovedEmailOnSwitchOn(vault))
      // B18: presentation and slide changes notify the routed CRMs in their own transaction.
      vault.documents.addChangeHook(queueClmChange(vault))
      records.addChangeHook('connection_country__v', queuePresentationsOfNewCountries(vault))
      records.addChangeHook('integration_point__sys', resendOnClmSwitchedOn(vault))
      // B21: the CRMs' CLM Content Metrics, against this vault's presentations and slides.
      messaging.registerProcessor(INTEGRATION_POINTS.clmMetricsOutbound, receiveClmMetrics(vault))
      break
    default:
      assertNever(side, 'connection side')
  }
  // Connections made by an older release lack the points and rules added since; seeding is idempotent.
  await ensureConnectionConfiguration(vault, side)
  await scheduleActiveConnections(vault, schedule)
}

/** Seeds the standard configuration of active connections that lack it (connections made before an upgrade). */
async function ensureConnectionConfiguration(vault: FlowVault, side: ConnectionSide): Promise<void> {
  for (const connection of await vault.messaging.listConnections()) {
    if (connection.status !== 'active__v') continue
    await vault.storage.db
      .transaction()
      .execute((trx) =>
        seedConnectionConfiguration(trx, vault.records, configurationActor(connection), connection, side),
      )
  }
}

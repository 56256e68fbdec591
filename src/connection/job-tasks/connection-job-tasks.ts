import { LiaisonError } from '../../platform/errors/index.js'
import { defineJobTask } from '../../platform/jobs/index.js'

/**
 * The job tasks the connection owns. The platform knows none of them: the connection registers
 * them with each vault it is installed in (installMedicalCrmConnection), and enqueues and handles
 * them through these handles.
 */

/** A `pull-watermark` payload checked: it may have been written by an older release. */
function assertPullPayload(payload: unknown): { readonly integrationPointId: string } {
  const id =
    typeof payload === 'object' && payload !== null
      ? (payload as Record<string, unknown>).integrationPointId
      : undefined
  if (typeof id !== 'string' || id === '')
    throw new LiaisonError(
      'INTERNAL',
      `A pull-watermark job needs {"integrationPointId": "…"}, not ${JSON.stringify(payload)}.`,
    )
  return { integrationPointId: id }
}

/** Run a scheduled watermark pull of one integration point (B12's safety net). */
export const PULL_WATERMARK_TASK = defineJobTask('pull-watermark', assertPullPayload)

/** Route the queued document changes to the connections that receive them (B16). */
export const ROUTE_DOCUMENTS_TASK = defineJobTask(
  'route-documents',
  // The router reads its work from the document_change queue, never from its payload.
  (): Readonly<Record<string, never>> => ({}),
)

/** Fold new CRM activity into CLM Content Metrics and send the changed figures (B21). */
export const CLM_METRICS_TASK = defineJobTask(
  'clm-metrics',
  // The job reads its work from the activity feed, never from its payload.
  (): Readonly<Record<string, never>> => ({}),
)

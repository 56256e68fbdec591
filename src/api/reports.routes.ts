import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import {
  calculateClmMetrics,
  clmMetricsReport,
  connectionSideOf,
  connectionVaultOf,
  FIGURE_FIELDS,
  REPORT_GROUPINGS,
  type ReportGrouping,
} from '../connection/index.js'
import { LiaisonError } from '../platform/errors/index.js'
import { sendCsv, wantsCsv } from './audit-window.js'
import { send } from './envelope.js'
import { envelopeResponse, NULLABLE_TEXT, openObject } from './envelope-schema.js'
import type { RoutePermission } from './fastify-types.js'
import { pathParams } from './request-schemas.js'

/** Recalculating from scratch is a repair: the System Administrator's. */
const RECALCULATE: RoutePermission = { kind: 'admin', to: 'recalculate CLM Content Metrics' }

/** Whoever reads CLM Content Metrics records reads their report (content managers, marketers). */
const READ_METRICS: RoutePermission = { kind: 'object', object: 'clm_content_metrics__v', access: 'read' }

const FIGURE_COLUMNS = [...FIGURE_FIELDS, 'crm_count', 'last_calculated__v'] as const

const GROUP_COLUMNS: Readonly<Record<ReportGrouping, readonly string[]>> = {
  none: [],
  crm: ['crm_org__v', 'crm_name', 'connection__sys', 'connection_name'],
  country: ['country__v', 'country_name', 'country_abbreviation'],
}

const REPORT_QUERY = Type.Object({
  document_id: Type.Integer({ minimum: 1, description: 'The presentation binder or slide document.' }),
  group_by: Type.Optional(
    Type.String({
      enum: ['crm', 'country'],
      description: 'One row per CRM or per country; without it, one row for all CRMs and countries.',
    }),
  ),
  format_result: Type.Optional(Type.String({ enum: ['csv'], description: 'csv: the rows as a CSV file.' })),
})

const REPORT_ROW = openObject({
  times_shown__v: Type.Number(),
  total_duration_seconds__v: Type.Number(),
  average_duration_seconds__v: Type.Number(),
  custom_presentation_uses__v: Type.Number(),
  average_view_order__v: Type.Union([Type.Number(), Type.Null()]),
  reactions_positive__v: Type.Number(),
  reactions_neutral__v: Type.Number(),
  reactions_negative__v: Type.Number(),
  previews__v: Type.Number(),
  times_sent_as_link__v: Type.Number(),
  link_click_rate__v: Type.Number(),
  crm_count: Type.Integer(),
  last_calculated__v: NULLABLE_TEXT,
})

/** B21's report: a document's CLM Content Metrics added across CRMs, in the envelope or as CSV. */
export async function reportRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.get(
    '/reports/clm_content_metrics',
    {
      config: { permission: READ_METRICS },
      schema: {
        summary: 'CLM Content Metrics of a presentation or slide, added across CRMs',
        description:
          'Sums the CLM Content Metrics the CRMs sent for one Medical document (B21): counts and totals added, averages and the click rate weighted by what they average. `Accept: text/csv` or `format_result=csv` answers CSV.',
        tags: ['reports'],
        params: pathParams({}),
        querystring: REPORT_QUERY,
        response: envelopeResponse(
          {
            responseDetails: openObject({
              document_id: Type.Integer(),
              object_type__v: NULLABLE_TEXT,
              group_by: Type.String(),
            }),
            data: Type.Array(REPORT_ROW),
          },
          {
            responseStatus: 'SUCCESS',
            responseDetails: { document_id: 12, object_type__v: 'pres_level_metrics__v', group_by: 'none' },
            data: [{ times_shown__v: 3, total_duration_seconds__v: 155, average_duration_seconds__v: 51.67 }],
          },
        ),
      },
    },
    async (request, reply) => {
      const { document_id: documentId, group_by: groupBy, format_result: format } = request.query
      if (connectionSideOf(app.vault.profile.name) !== 'medical')
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          'CLM Content Metrics reports are kept by the Medical Vault: ask its report for the Medical document.',
        )
      // A document that does not exist answers as GET /objects/documents/{id} does.
      await app.vault.documents.get(documentId)
      const grouping: ReportGrouping = (REPORT_GROUPINGS as readonly string[]).includes(groupBy ?? '')
        ? (groupBy as ReportGrouping)
        : 'none'
      const report = await clmMetricsReport(app.vault.storage.db, documentId, grouping)
      if (wantsCsv(request, format))
        return sendCsv(
          reply,
          `clm_content_metrics_${documentId}${grouping === 'none' ? '' : `_by_${grouping}`}.csv`,
          [...GROUP_COLUMNS[grouping], ...FIGURE_COLUMNS],
          report.rows as unknown as Record<string, unknown>[],
        )
      return send(reply, {
        responseStatus: 'SUCCESS',
        responseDetails: {
          document_id: documentId,
          object_type__v: report.objectType ?? null,
          group_by: grouping,
        },
        data: report.rows,
      })
    },
  )
}

/** B21's repair on a CRM: every sum made again from the activity, and what changed sent. */
export async function recalculateRoutes(base: FastifyInstance): Promise<void> {
  const app = base.withTypeProvider<TypeBoxTypeProvider>()
  app.post(
    '/reports/clm_content_metrics/actions/recalculate',
    {
      config: { permission: RECALCULATE },
      schema: {
        summary: 'Recalculate CLM Content Metrics from all activity (CRM)',
        description:
          'Makes every CLM Content Metrics sum again from the call key messages and activity lines, writes the records whose figures differ and sends them to the Medical Vaults. The incremental job gives the same figures; this is for repair.',
        tags: ['reports'],
        params: pathParams({}),
        response: envelopeResponse(
          {
            data: openObject({
              folded: Type.Integer(),
              recalculated: Type.Boolean(),
              records: Type.Integer(),
              messages: Type.Integer(),
            }),
          },
          { responseStatus: 'SUCCESS', data: { folded: 0, recalculated: true, records: 12, messages: 1 } },
        ),
      },
    },
    async (_request, reply) => {
      if (connectionSideOf(app.vault.profile.name) !== 'crm')
        throw new LiaisonError(
          'OPERATION_NOT_ALLOWED',
          'CLM Content Metrics are calculated by each CRM: recalculate on the CRM vault.',
        )
      const data = await calculateClmMetrics(connectionVaultOf(app.vault), { recalculate: true })
      return send(reply, { responseStatus: 'SUCCESS', data })
    },
  )
}

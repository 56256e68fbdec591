import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuditEntry } from '../platform/audit/index.js'
import { ERROR_CODES, type ErrorCode, type LiaisonError } from '../platform/errors/index.js'
import type { RecordResult } from '../platform/records/index.js'

export type ResponseStatus = 'SUCCESS' | 'WARNING' | 'FAILURE' | 'EXCEPTION'

/** Any answer of the API: Vault's envelope, whatever else it carries. */
export interface Envelope {
  readonly responseStatus: ResponseStatus
}

/** Vault's failure body for a LiaisonError. `EXCEPTION` marks system errors, `FAILURE` user errors. */
export function failureBody(error: LiaisonError): Envelope & {
  readonly errors: readonly { readonly type: string; readonly message: string }[]
} {
  const status: ResponseStatus = error.spec.vaultType === 'UNEXPECTED_ERROR' ? 'EXCEPTION' : 'FAILURE'
  return { responseStatus: status, errors: [{ type: error.vaultType, message: error.message }] }
}

/** HTTP 200 as Vault answers, unless the client asked for real statuses with X-Liaison-Http-Status. */
export function httpStatusFor(request: FastifyRequest, code: ErrorCode): number {
  return request.headers['x-liaison-http-status'] === 'true' ? ERROR_CODES[code].http : 200
}

/** The bulk answer: results in input order; WARNING at the top when any record warned. */
export function bulkBody(
  results: readonly RecordResult[],
  urlOf: (id: string) => string,
): Envelope & { readonly data: readonly Record<string, unknown>[] } {
  const anyWarning = results.some((r) => r.responseStatus === 'WARNING')
  return {
    responseStatus: anyWarning ? 'WARNING' : 'SUCCESS',
    ...(anyWarning
      ? { warnings: [{ warning_type: 'NO_DATA_CHANGES', message: 'One or more records had no changes.' }] }
      : {}),
    data: results.map((r) => {
      if (r.responseStatus === 'FAILURE')
        return {
          responseStatus: 'FAILURE',
          errors: r.errors ?? [],
          // A failed item names its record, so a caller of a bulk call knows which one to fix.
          ...(r.id === undefined && r.idParamValue === undefined
            ? {}
            : {
                data: {
                  ...(r.id === undefined ? {} : { id: r.id }),
                  ...(r.idParamValue === undefined ? {} : { id_param_value: r.idParamValue }),
                },
              }),
        }
      return {
        responseStatus: r.responseStatus,
        ...(r.warnings === undefined ? {} : { warnings: r.warnings }),
        data: {
          id: r.id,
          url: urlOf(r.id ?? ''),
          ...(r.event === undefined ? {} : { event: r.event }),
          ...(r.idParamValue === undefined ? {} : { id_param_value: r.idParamValue }),
        },
      }
    }),
  }
}

/** Sets X-VaultAPI-Status from the body and sends it. */
export function send<T extends Envelope>(reply: FastifyReply, body: T): FastifyReply {
  void reply.header('X-VaultAPI-Status', body.responseStatus)
  return reply.send(body)
}

/** Sends Vault's failure body for an error, with the HTTP status the request asked for, plus `extra`. */
export function sendFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  error: LiaisonError,
  extra: Readonly<Record<string, unknown>> = {},
): FastifyReply {
  return send(reply.status(httpStatusFor(request, error.code)), { ...failureBody(error), ...extra })
}

/** The fields of one audit trail entry every audit trail answer has (records and documents). */
export function auditEntryBody(e: AuditEntry): Record<string, unknown> {
  return {
    id: String(e.id),
    timestamp: e.timestamp,
    user_id: e.user_id,
    user_name: e.user_name,
    action: e.action,
    object_name: e.object_name,
    field_name: e.field_name,
    old_value: e.old_value,
    new_value: e.new_value,
    event_description: e.event_description,
    grouping_id: e.grouping_id,
    connection: e.connection,
    message_id: e.message_id,
  }
}

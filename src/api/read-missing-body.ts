import type { FastifyRequest } from 'fastify'

/**
 * `preValidation` hook: a request without a body, to a route whose body is an object of
 * parameters, reads as an empty form, as Vault reads a POST without parameters. So a missing body
 * is answered as its missing parameters (PARAMETER_REQUIRED, naming the first), and a route whose
 * parameters are all optional may be called without one.
 */
export async function readMissingBody(request: FastifyRequest): Promise<void> {
  if (request.body !== undefined && request.body !== null) return
  const schema = request.routeOptions.schema?.body
  if (typeof schema === 'object' && schema !== null && 'type' in schema && schema.type === 'object')
    request.body = {}
}

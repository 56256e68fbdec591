/** The HTTP server of one vault, as the CLI and tests hold it. */
export type { FastifyInstance as ApiServer } from 'fastify'
export { type AppOptions, BODY_LIMIT_BYTES, buildApp } from './app.js'
export type { RequestSession } from './fastify-types.js'
export { parsePublicUrl } from './public-origin.js'

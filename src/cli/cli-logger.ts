import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { type Logger, pino } from 'pino'

/**
 * The process's JSON log (pino, as Fastify's own): stdout, or a file only its owner reads
 * (`liaison up`, whose terminal shows the world table). Every unexpected error lands here with the
 * execution id its client was given.
 */
export function createCliLogger(file?: string): Logger {
  if (file === undefined) return pino()
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  // The log holds request URLs and error details: created 0600, and narrowed if it already existed.
  closeSync(openSync(file, 'a', 0o600))
  chmodSync(file, 0o600)
  return pino(pino.destination({ dest: file, append: true, sync: true }))
}

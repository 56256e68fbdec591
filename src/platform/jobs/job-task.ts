import type { JobContext } from './job-queue.js'

/**
 * A kind of job: its name and the check its payload passes before a handler sees it. The same
 * handle enqueues and handles, so a misspelt task or a payload of the wrong shape does not compile.
 */
export interface JobTask<P extends object = object> {
  /** Stored with each job (`deliver-outbound`); unique within a vault. */
  readonly name: string
  /** Throws when a stored payload is not a P: an older release or another process may have written it. */
  readonly assertPayload: (payload: unknown) => P
}

/** A task's handler: it gets the payload its task's assertion checked. */
export type TaskHandler<P extends object> = (payload: P, context: JobContext) => Promise<void>

/** Declares a job task (the layer that owns it declares it; the platform knows only its own). */
export function defineJobTask<P extends object>(
  name: string,
  assertPayload: (payload: unknown) => P,
): JobTask<P> {
  return Object.freeze({ name, assertPayload })
}

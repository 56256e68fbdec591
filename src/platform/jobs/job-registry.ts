import { LiaisonError } from '../errors/index.js'
import type { JobHandler, JobHandlers } from './job-queue.js'
import type { JobTask, TaskHandler } from './job-task.js'

interface Registration {
  readonly task: JobTask
  handler: JobHandler | undefined
}

/**
 * The job tasks of one vault and their handlers: the platform registers its own, later layers
 * (the connection) theirs. The runner starts with one handler per registered task, and not at all
 * while a registered task has none, so no job of a registered task waits unclaimed.
 */
export class JobRegistry {
  readonly #registrations = new Map<string, Registration>()

  /** Declares a task this vault runs; a handler must be set before the runner starts. */
  register(task: JobTask): void {
    this.#registration(task)
  }

  /** Registers a task and sets (or replaces) its handler, which gets the payload the task checked. */
  handle<P extends object>(task: JobTask<P>, handler: TaskHandler<P>): void {
    this.#registration(task).handler = (payload, context) => handler(task.assertPayload(payload), context)
  }

  /**
   * The runner's handlers, one per registered task. Each looks its handler up when a job runs, so
   * a handler replaced later is the one that runs. Refuses while a registered task has no handler.
   */
  runnerHandlers(vaultName: string): JobHandlers {
    const unhandled = [...this.#registrations.values()].filter((r) => r.handler === undefined)
    if (unhandled.length > 0)
      throw new LiaisonError(
        'INTERNAL',
        `Vault ${vaultName} registers the job task${unhandled.length === 1 ? '' : 's'} ${unhandled.map((r) => r.task.name).join(', ')} without a handler; set each with handleJobs before the vault's jobs start.`,
      )
    const handlers: Record<string, JobHandler> = {}
    for (const [name, registration] of this.#registrations)
      handlers[name] = async (payload, context) => {
        await registration.handler?.(payload, context)
      }
    return handlers
  }

  #registration(task: JobTask): Registration {
    const existing = this.#registrations.get(task.name)
    if (existing !== undefined && existing.task !== task)
      throw new LiaisonError(
        'INTERNAL',
        `Two job tasks are named ${task.name}; each task is declared once, with defineJobTask, and that one handle is shared.`,
      )
    const registration = existing ?? { task, handler: undefined }
    this.#registrations.set(task.name, registration)
    return registration
  }
}

import { LiaisonError } from '../errors/index.js'
import type { EnqueueOptions } from './job-queue.js'

/** Refuses options no adapter can honour; both adapters call it so they refuse the same things. */
export function assertEnqueueOptions(options: EnqueueOptions): void {
  const { maxAttempts, runAt, queueName, jobKey } = options
  if (
    maxAttempts !== undefined &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 32_767)
  )
    throw new LiaisonError(
      'INTERNAL',
      `A job's maxAttempts must be a whole number from 1 to 32767, not ${maxAttempts}.`,
    )
  if (runAt !== undefined && Number.isNaN(runAt.getTime()))
    throw new LiaisonError('INTERNAL', "A job's runAt is not a valid date.")
  // graphile-worker refuses longer queue names; the embedded runner refuses them too, to behave alike.
  if (queueName !== undefined && (queueName.length === 0 || queueName.length > 128))
    throw new LiaisonError('INTERNAL', `A job's queueName must be 1 to 128 characters long: "${queueName}".`)
  if (jobKey !== undefined && jobKey.length === 0)
    throw new LiaisonError('INTERNAL', "A job's jobKey may not be empty.")
}

/**
 * graphile-worker (0.17) writes a job's completion or failure without awaiting it: when the
 * database connection is cut at that moment, the write's rejection reaches nobody (an unhandled
 * rejection of the process). The job stays locked by a pool that no longer runs it; the lease
 * sweep (graphile-runner-leases) frees it. This tells such a rejection from any other.
 */
export function isLostJobWrite(reason: unknown): boolean {
  const stack = reason instanceof Error ? (reason.stack ?? '') : ''
  return /graphile-worker[\\/].*(completeJobs|failJobs)/s.test(stack)
}

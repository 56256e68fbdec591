// Job defaults from DESIGN.md "Messaging in detail": 1 s, 2 s, 4 s … capped at 5 minutes, ±20 %,
// 12 attempts. Change them with a measured reason.

/** Delay before the second attempt; it doubles each attempt after that. */
export const JOB_RETRY_BASE_MS = 1_000
/** Longest delay between two attempts, before jitter. */
export const JOB_RETRY_CAP_MS = 5 * 60_000
/** Each delay is moved at random by up to this fraction either way, so failed jobs do not retry in step. */
export const JOB_RETRY_JITTER = 0.2
/** Attempts before a job is dead. */
export const JOB_MAX_ATTEMPTS = 12
/** How often an idle embedded runner looks for due jobs; `nudge()` wakes it sooner. */
export const JOB_POLL_INTERVAL_MS = 250
/** Jobs one runner runs at a time. */
export const JOB_CONCURRENCY = 4
/**
 * A running job whose lock is older than this belongs to a runner that died; another runner takes
 * it back. Live runners renew their locks every quarter of it, so a long handler is never stolen.
 * 45 s: a killed process's work runs again within a minute (the next maintenance, a quarter later).
 */
export const JOB_LOCK_TIMEOUT_MS = 45_000

export interface RetryPolicy {
  readonly baseMs: number
  readonly capMs: number
  readonly jitter: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseMs: JOB_RETRY_BASE_MS,
  capMs: JOB_RETRY_CAP_MS,
  jitter: JOB_RETRY_JITTER,
})

/**
 * Delay before the attempt after failed attempt number `attempt` (1-based):
 * min(base · 2^(attempt−1), cap), then ± jitter. `random` returns a number in [0, 1).
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52)
  const capped = Math.min(policy.baseMs * 2 ** exponent, policy.capMs)
  return Math.max(0, Math.round(capped * (1 + policy.jitter * (2 * random() - 1))))
}

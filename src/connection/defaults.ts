// Connection defaults from DESIGN.md "Messaging in detail". Change them with a measured reason.

/**
 * How long after one scheduled pull of an integration point the next one runs (B12's safety net;
 * nudge messages make the common case near-real-time). (Default: 1 minute)
 */
export const SCHEDULED_PULL_INTERVAL_MS = 60_000

/**
 * How long a connection token may be accepted after it is issued; a leaked token is useless after
 * that. The issuing vault checks it against its pending connection's creation. (Default: 24 hours)
 */
export const CONNECTION_TOKEN_LIFETIME_MS = 24 * 3_600_000

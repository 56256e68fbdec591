// Connection defaults from DESIGN.md "Messaging in detail". Change them with a measured reason.

/**
 * How long after one scheduled pull of an integration point the next one runs (B12's safety net;
 * nudge messages make the common case near-real-time). (Default: 1 minute)
 */
export const SCHEDULED_PULL_INTERVAL_MS = 60_000

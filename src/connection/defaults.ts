// Connection defaults from DESIGN.md "Messaging in detail". Change them with a measured reason.

/**
 * How long after one scheduled pull of an integration point the next one runs (B12's safety net;
 * nudge messages make the common case near-real-time). (Default: 1 minute)
 */
export const SCHEDULED_PULL_INTERVAL_MS = 60_000

/**
 * B15: how soon after a connection is established the Medical Vault first reads the CRM's country
 * filter. Not at once: the accepting CRM makes its side active only after Medical answered the
 * handshake, and refuses signed calls until then.
 */
export const FIRST_COUNTRY_PULL_DELAY_MS = 3_000

/**
 * B18's safety net: each scheduled run of `clm_outbound__v` sends a connection again the
 * presentations changed within this window (ten runs at the default interval), so a notice lost
 * on the way is made good even if a run or two fail. (Default: 10 minutes)
 */
export const CLM_RESEND_WINDOW_MS = 10 * 60_000

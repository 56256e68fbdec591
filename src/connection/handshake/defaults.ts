// Handshake defaults (B1). Change them with a measured reason.

/**
 * How long a connection token may be accepted after it is issued; a leaked token is useless after
 * that. The issuing vault checks it against its pending connection's creation. (Default: 24 hours)
 */
export const CONNECTION_TOKEN_LIFETIME_MS = 24 * 3_600_000

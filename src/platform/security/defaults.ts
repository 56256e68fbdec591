/** Tunables of users, sessions and rate limits. Units are in the names. */

/** A session ends after this long without a request; the clock restarts after each request. */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60 * 1000
/** No session lives longer than this, however busy (Vault's fixed 48 h maximum). */
export const SESSION_MAX_LIFETIME_MS = 48 * 60 * 60 * 1000
/** `last_used_date` is written at most this often per session, so a request is not a write. */
export const SESSION_TOUCH_INTERVAL_MS = 5_000
/** How long a process trusts its cached view of a session; keeps logouts elsewhere visible quickly. */
export const SESSION_CACHE_TTL_MS = 2_000
/** Sessions one process keeps in its cache; the least recently used are dropped first. */
export const SESSION_CACHE_MAX_ENTRIES = 10_000
/** Random bytes in a session id (hex-encoded, so twice as many characters). */
export const SESSION_ID_BYTES = 32

/** Failed logins of one username from one address before each further attempt must wait. */
export const LOGIN_THROTTLE_MAX_FAILURES = 5
/** The wait after the last of those failures; it doubles with each further failure. */
export const LOGIN_BACKOFF_BASE_MS = 1_000
/** The longest wait, however many failures: a slowdown of one address, never a lock of the user. */
export const LOGIN_BACKOFF_MAX_MS = 15 * 60 * 1000
/** The sliding window in which failed logins count; older failures are forgotten. */
export const LOGIN_THROTTLE_WINDOW_MS = 24 * 60 * 60 * 1000
/** How often a process deletes login attempts older than the window. */
export const LOGIN_ATTEMPT_PRUNE_INTERVAL_MS = 60 * 1000

/**
 * scrypt cost parameter N of new hashes (CPU and memory cost, a power of two). With r and p below
 * this is one of OWASP's equivalent scrypt settings (N=2^15, r=8, p=3; the Password Storage Cheat
 * Sheet lists N=2^17 p=1 … N=2^13 p=10 as one strength): 32 MiB per derivation, about 350 ms on one
 * core of the 2-core reference machine. N=2^17 takes 128 MiB and 800 ms there; PASSWORD_SCRYPT_
 * CONCURRENCY_MAX of them at once, in every vault process, is what the lower N saves.
 */
export const PASSWORD_SCRYPT_COST_N = 32_768
/** scrypt block size r of new hashes. */
export const PASSWORD_SCRYPT_BLOCK_SIZE_R = 8
/** scrypt parallelisation p of new hashes (Node runs the p lanes one after another, in N's memory). */
export const PASSWORD_SCRYPT_PARALLELISM_P = 3
export const PASSWORD_SALT_BYTES = 16
export const PASSWORD_KEY_BYTES = 64
/** scrypt derivations one process runs at once (libuv's pool has 4 threads; leave room for I/O). */
export const PASSWORD_SCRYPT_CONCURRENCY_MAX = 2
/** Stored hashes with a larger N are refused, so a forged row cannot make a login eat the memory. */
export const PASSWORD_SCRYPT_COST_N_MAX = 1 << 17

/** API calls per vault per burst window (Vault's default). */
export const API_BURST_LIMIT_CALLS = 2_000
/**
 * API calls per connection per burst window: a connected vault's signed calls have a budget of
 * their own, so a busy connection neither waits behind people nor spends their budget.
 */
export const API_BURST_LIMIT_CONNECTION_CALLS = 100_000
/** The fixed burst window. */
export const API_BURST_WINDOW_MS = 5 * 60 * 1000
/** Delay of every call over the burst limit until the window ends (Vault since v21.1). */
export const API_BURST_DELAY_MS = 500

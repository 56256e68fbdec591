// Pull defaults from DESIGN.md "Messaging in detail" (watermark pulls). Change them with a measured reason.

/** Late commits in the source may carry a modified date up to this much older than the watermark. (Default: 60 s) */
export const WATERMARK_OVERLAP_MS = 60_000

/** Rows per page: one remote query, one transaction, one watermark move. (Default: 500) */
export const PULL_BATCH_SIZE = 500

/** The field a watermark pull follows unless its definition names another. */
export const DEFAULT_WATERMARK_FIELD = 'modified_date__v'

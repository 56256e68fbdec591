export { DEFAULT_WATERMARK_FIELD, PULL_BATCH_SIZE, WATERMARK_OVERLAP_MS } from './defaults.js'
export { keysetPages } from './keyset-pages.js'
export type { KeysetRead } from './keyset-query.js'
export { findPullPoint } from './pull-point.js'
export type {
  PageOutcome,
  PullCheckpoint,
  PullOptions,
  PullPoint,
  PullResult,
  PullRow,
  PullVault,
  WatermarkPullDefinition,
} from './pull-types.js'
export { runWatermarkPull } from './watermark-pull.js'

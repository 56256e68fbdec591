export { CLM_METRICS_TASK, PULL_WATERMARK_TASK, ROUTE_DOCUMENTS_TASK } from './connection-job-tasks.js'

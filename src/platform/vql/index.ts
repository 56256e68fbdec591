export type * from './ast.js'
export { documentTargetProvider } from './document-targets.js'
export { runVql, runVqlPage } from './executor.js'
export { parseVql } from './parser.js'
export { printVql } from './printer.js'
export {
  objectTarget,
  type QueryTarget,
  STATUS_FUNCTIONS,
  type StatusFunction,
  type TargetField,
  type TargetRelationship,
  type VqlTargetProvider,
} from './query-targets.js'
export type {
  VqlContext,
  VqlDescribedField,
  VqlPageRequest,
  VqlQueryDescribe,
  VqlRequest,
  VqlResponse,
  VqlResponseDetails,
  VqlWarning,
} from './vql-types.js'

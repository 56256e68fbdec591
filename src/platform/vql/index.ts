export type { FromOption } from './ast.js'
export { documentTargetProvider } from './document-targets.js'
export { runVql, runVqlPage } from './executor.js'
export { parseVql } from './parser.js'
export type {
  QueryTarget,
  StatusFunction,
  TargetField,
  TargetRelationship,
  VqlTargetProvider,
} from './query-targets.js'
export { vqlString, vqlStringList } from './vql-literal.js'
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

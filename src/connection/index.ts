export type { FlowVault } from './flows/index.js'
export {
  ensureConnectionConfiguration,
  installMedicalCrmConnection,
} from './medical-crm-connection.js'
export { type ConnectionSide, INTEGRATION_POINTS, loadRuleSet } from './rules/index.js'

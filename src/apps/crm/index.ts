export { seedCrmDemoData } from './crm-demo-data.js'
export { crmProfile } from './crm-profile.js'

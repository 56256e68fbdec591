export { type DemoAccount, type DemoCall, type DemoPresentation, demoCalls } from './crm-demo-activity.js'
export { seedCrmDemoData } from './crm-demo-data.js'
export { crmProfile } from './crm-profile.js'

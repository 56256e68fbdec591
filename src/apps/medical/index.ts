export { caseClosureHook } from './case-closure.js'
export { seedMedicalDemoData } from './medical-demo-data.js'
export { medicalProfile } from './medical-profile.js'

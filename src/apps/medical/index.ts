export { caseClosureHook } from './case-closure.js'
export { seedMedicalDemoData } from './medical-demo-data.js'
export { seedMedicalDemoDocuments } from './medical-demo-documents.js'
export { medicalProfile } from './medical-profile.js'

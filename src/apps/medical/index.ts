export { caseClosureHook } from './case-closure.js'
export {
  CREATE_PRESENTATION_ACTION,
  createPresentationAction,
  PRESENTATION_TYPE,
  presentationNodeGuard,
  SLIDE_TYPE,
  splitPdfPages,
} from './create-presentation.js'
export { seedMedicalDemoData } from './medical-demo-data.js'
export { seedMedicalDemoDocuments, seedMedicalDemoPresentation } from './medical-demo-documents.js'
export { medicalProfile } from './medical-profile.js'

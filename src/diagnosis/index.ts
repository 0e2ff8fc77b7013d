export { modelDiagnosisSchema, diagnosisResultSchema, grammarSchemaOf, DIAGNOSIS_GRAMMAR_SCHEMA } from './result-schema.js';
export type { ModelDiagnosis, DiagnosisResult } from './result-schema.js';
export { parseDiagnoseCommand, DIAGNOSE_USAGE, FAULT_CODE } from './parse-command.js';
export type { DiagnoseCommand } from './parse-command.js';
export { closestMatches, editDistance } from './closest.js';
export {
  upsertAsset, upsertFaultCode, getAsset, listAssetIds, getFaultCode, listFaultCodes, createDiagnosis, finishDiagnosis,
  setDiagnosisOutcome, setDiagnosisFeedback, getDiagnosis, diagnosisHistory, labelledExamples,
} from './asset-store.js';
export type { Asset, FaultCode, DiagnosisRow } from './asset-store.js';
export { validateDiagnoseRequest } from './validate-request.js';
export type { ValidatedRequest } from './validate-request.js';
export { buildDiagnosisPrompt } from './build-diagnosis-prompt.js';
export { diagnosisToMarkdown } from './render-markdown.js';
export { importAssetsFile } from './import-assets.js';
export type { ImportReport } from './import-assets.js';

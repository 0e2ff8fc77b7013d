// Equipment fault diagnosis: the structured result (one zod schema), its grammar, `/diagnose`
// parsing and validation, the asset registry and the diagnoses table. No Block Kit or Adaptive
// Cards here: adapters render the structured result.
export {
  diagnosisResultSchema, diagnosisAnswerSchema, diagnosisViewSchema, diagnosisCauseSchema, diagnosisCheckSchema, sourceRefSchema,
  LIKELIHOODS, SEVERITIES, SEVERITY_LEVELS, OUTCOMES, FEEDBACK_VALUES, DIAGNOSIS_LIMITS, STRUCTURED_DIAGNOSIS,
} from './result-schema.js';
export type {
  DiagnosisResult, DiagnosisAnswer, DiagnosisView, DiagnosisViewInput, DiagnosisCause, DiagnosisCheck, DiagnosisAsset, DiagnosisFault,
  Likelihood, Severity, SeverityLevel, DiagnosisOutcome, DiagnosisFeedback,
} from './result-schema.js';
export { diagnosisJsonSchema, toGbnfJsonSchema } from './json-schema.js';
export { parseDiagnoseCommand, splitFaultCode, FAULT_CODE_RE } from './parse-command.js';
export type { DiagnoseCommand, FaultSplit } from './parse-command.js';
export { editDistance, closestMatches } from './closest-matches.js';
export { SEVERITY_LEVEL_NAMES, SEVERITY_MARKS, severityLevelOf } from './severity.js';
export { diagnosisMarkdown, diagnosisTitle, faultLine, severityLabel, citeMarks, LIKELIHOOD_LABEL } from './diagnosis-markdown.js';
export { toDiagnosisView, titleOf } from './diagnosis-view.js';
export { findAsset, listAssets, listAssetIds, findFaultCode, listFaultCodes, upsertAsset, upsertFaultCode } from './asset-store.js';
export type { Asset, FaultCode, UpsertOutcome } from './asset-store.js';
export {
  startDiagnosis, finishDiagnosis, failDiagnosis, getDiagnosis, getDiagnosisByJobId, getDiagnosisByMessageId, recordOutcome,
  recordDiagnosisFeedback, listDiagnosesForAsset, listLabelledDiagnoses,
} from './diagnosis-store.js';
export type { DiagnosisRow, DiagnosisStatus, StartDiagnosisInput, StoredPrompt } from './diagnosis-store.js';
export { handleDiagnoseCommand, checkDiagnoseRequest, diagnosisJobId, diagnosisEventId, diagnoseUsage } from './diagnose-command.js';
export type { DiagnoseCommandDeps, DiagnoseCommandInput, DiagnoseCommandResult, DiagnoseRequestCheck, RejectReason } from './diagnose-command.js';
export { importRegistryFile, importRegistryFiles, parseRegistryCsv, parseRegistryYaml, registryKindOf, ASSET_COLUMNS, FAULT_CODE_COLUMNS } from './import-registry.js';
export type { ImportSummary, ImportResult, ImportWarning, RegistryIssue, RegistryKind, ParsedRegistry } from './import-registry.js';
export { toTrainingExample, exportLabelledExamples } from './export-examples.js';
export type { TrainingExample } from './export-examples.js';
export { offersFromText, findDiagnoseOffers, MAX_DIAGNOSE_OFFERS } from './offers-from-text.js';
export type { DiagnoseOffer } from './offers-from-text.js';
export { listRecentDiagnoses } from './list-diagnoses.js';
export type { DiagnosisListItem } from './list-diagnoses.js';

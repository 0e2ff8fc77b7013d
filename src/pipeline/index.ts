export { processInference, handleInferenceFailure, parseInferenceJob } from './process-inference.js';
export type { InferenceDeps, InferenceSettings } from './process-inference.js';
export { processDiagnosis, handleDiagnosisFailure, parseDiagnosisJob, parseDiagnosisAnswer, normalizeAnswer } from './process-diagnosis.js';
export type { DiagnosisDeps, DiagnosisSettings } from './process-diagnosis.js';
export { runInferenceJob, handleInferenceJobFailure } from './run-inference-job.js';
export type { InferenceJobDeps } from './run-inference-job.js';
export { processOcr, handleOcrFailure, parseOcrJob } from './process-ocr.js';
export type { OcrDeps } from './process-ocr.js';

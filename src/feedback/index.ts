export { recordVote, recordCorrection, CORRECTION_MAX_CHARS } from './record-feedback.js';
export type { FeedbackFrom, FeedbackDeps, FeedbackResult } from './record-feedback.js';
export { buildDataset, DATASET_FORMATS } from './build-dataset.js';
export type { DatasetFormat, DatasetLine, DatasetMeta, BuildDatasetOptions, BuiltDataset } from './build-dataset.js';
export { exportDataset } from './export-dataset.js';
export type { ExportDatasetOptions } from './export-dataset.js';
export { createRedactor, REDACTED } from './redact.js';
export type { RedactorOptions } from './redact.js';
export { createPseudonymizer } from './pseudonym.js';

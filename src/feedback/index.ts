export { recordVote, recordCorrection, CORRECTION_MAX_CHARS } from './record-feedback.js';
export type { FeedbackFrom, FeedbackDeps, FeedbackResult } from './record-feedback.js';

export { processInference, handleInferenceFailure, parseInferenceJob } from './process-inference.js';
export type { InferenceDeps, InferenceSettings } from './process-inference.js';

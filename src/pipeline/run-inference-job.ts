import type { InferenceJobResult } from '../jobs/index.js';
import { handleDiagnosisFailure, processDiagnosis, type DiagnosisDeps } from './process-diagnosis.js';
import { handleInferenceFailure, processInference, type InferenceDeps } from './process-inference.js';

/** What the inference worker needs for every kind of job on its queue. */
export interface InferenceJobDeps {
  chat: InferenceDeps;
  diagnosis: DiagnosisDeps;
}

const isDiagnosis = (data: unknown) => (data as { kind?: unknown } | null)?.kind === 'diagnose';

/** Runs a job from the inference queue by its `kind`: chat answer or diagnosis. */
export function runInferenceJob(deps: InferenceJobDeps, jobId: string, data: unknown, signal?: AbortSignal): Promise<InferenceJobResult> {
  return isDiagnosis(data) ? processDiagnosis(deps.diagnosis, jobId, data, signal) : processInference(deps.chat, jobId, data, signal);
}

/** After a job's last attempt failed: records the failure and tells the user, by kind. */
export function handleInferenceJobFailure(deps: InferenceJobDeps, jobId: string, data: unknown, error: Error): Promise<void> {
  return isDiagnosis(data) ? handleDiagnosisFailure(deps.diagnosis, jobId, data, error) : handleInferenceFailure(deps.chat, jobId, data, error);
}

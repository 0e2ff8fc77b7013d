export { generationOptionsSchema, MAX_JSON_SCHEMA_CHARS, historyMessageSchema, inferenceJobSchema, deliveryJobSchema, diagnosisJobSchema, anyInferenceJobSchema, ocrJobSchema } from './contract.js';
export type { GenerationOptions, HistoryMessage, InferenceJob, InferenceJobInput, DeliveryJob, InferenceJobResult, DiagnosisJob, DiagnosisJobInput, AnyInferenceJob, OcrJob, OcrJobInput } from './contract.js';
export { inferenceJobId, deliveryJobId } from './job-id.js';
export { QUEUE_INFERENCE, deliveryQueueName, intakeQueueName, JOB_INTAKE, JOB_CHAT, JOB_DELIVER, DEDUPE_TTL_MS, JOB_DIAGNOSE, JOB_PRIORITY, QUEUE_OCR, JOB_OCR, QUEUE_MAINTENANCE, JOB_RETENTION, JOB_FORGET, JOB_IMAGE_CLEANUP } from './names.js';
export { enqueueInference, enqueueDiagnosis, enqueueOcr, queuePosition } from './enqueue.js';
export type { EnqueueResult, EnqueueOptions } from './enqueue.js';

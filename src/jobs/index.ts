export { historyMessageSchema, inferenceJobSchema, deliveryJobSchema } from './contract.js';
export type { HistoryMessage, InferenceJob, InferenceJobInput, DeliveryJob, InferenceJobResult } from './contract.js';
export { inferenceJobId, deliveryJobId } from './job-id.js';
export { QUEUE_INFERENCE, deliveryQueueName, JOB_CHAT, JOB_DELIVER, DEDUPE_TTL_MS } from './names.js';
export { enqueueInference, JOB_PRIORITY } from './enqueue.js';
export { claimEvent } from './claim-event.js';
export type { EnqueueResult, EnqueueOptions } from './enqueue.js';

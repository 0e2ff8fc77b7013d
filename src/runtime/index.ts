export { createRuntime } from './create-runtime.js';
export type { Runtime, CreateRuntimeOptions } from './create-runtime.js';
export { publishWorkerStatus, listWorkerStatus, WORKER_STATUS_TTL_S } from './worker-status.js';
export type { WorkerStatus } from './worker-status.js';

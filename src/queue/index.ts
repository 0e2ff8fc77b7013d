export { createRedis } from './connection.js';
export { QueueSet } from './queues.js';
export { rescheduleOnRateLimit, isDelayedError } from './reschedule-on-rate-limit.js';
export type { QueueSetOptions } from './queues.js';

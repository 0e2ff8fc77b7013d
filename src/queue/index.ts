export { createRedis, isRedisConnectionError } from './connection.js';
export { QueueSet } from './queues.js';
export type { QueueSetOptions } from './queues.js';

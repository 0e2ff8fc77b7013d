export { createRedis, isRedisConnectionError } from './connection.js';
export { QueueSet } from './queues.js';
export { rescheduleOnRateLimit, retryLaterMs, isDelayedError } from './reschedule-on-rate-limit.js';
export type { QueueSetOptions } from './queues.js';
export { resolveRedis, REDIS_INSTALL_HINT } from './embedded-redis.js';
export type { RedisEndpoint, ResolveRedisOptions } from './embedded-redis.js';

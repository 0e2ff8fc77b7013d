export { createFairScheduler } from './fair-priority.js';
export type { FairScheduler } from './fair-priority.js';
export { checkRateLimit } from './rate-limit.js';
export type { RateLimits, RateLimitResult } from './rate-limit.js';

import type { Redis } from 'ioredis';
import { DEDUPE_TTL_MS } from './names.js';

/**
 * Atomically claims a platform event for processing (SET NX). Platforms redeliver events while the
 * first delivery is still being handled; only the first claim proceeds, so retries neither enqueue
 * twice nor count against rate limits.
 */
export async function claimEvent(redis: Redis, prefix: string, jobId: string): Promise<boolean> {
  return (await redis.set(`${prefix}:event:${jobId}`, '1', 'PX', DEDUPE_TTL_MS, 'NX')) === 'OK';
}

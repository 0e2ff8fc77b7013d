import type { Redis } from 'ioredis';
import { QUEUE_INFERENCE } from '../jobs/index.js';

/**
 * A job's place among the inference jobs waiting to start (1 = next), or null once it has started
 * (or is unknown). Every chat and diagnosis job is prioritized, and BullMQ keeps those in one
 * sorted set ordered by priority then arrival, so the place is a ZRANK (O(log n)) behind the plain
 * wait list, which BullMQ serves first. Reads BullMQ's key layout (`<prefix>:<queue>:prioritized`).
 */
export async function queuePositionOf(redis: Redis, prefix: string, jobId: string): Promise<number | null> {
  const base = `${prefix}:${QUEUE_INFERENCE}`;
  const res = await redis.multi().zrank(`${base}:prioritized`, jobId).llen(`${base}:wait`).exec();
  const rank = res?.[0]?.[1] as number | null | undefined;
  const waiting = Number(res?.[1]?.[1] ?? 0);
  return rank === null || rank === undefined ? null : waiting + rank + 1;
}

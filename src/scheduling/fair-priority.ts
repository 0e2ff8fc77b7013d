import type { Redis } from 'ioredis';
import { channelIdOf, type ConversationKey } from '../conversation/index.js';

/**
 * Fair scheduling across channels without BullMQ Pro: a job's BullMQ priority is the base priority
 * plus the number of jobs its channel already has waiting. A channel that floods the queue pushes
 * only its own later jobs back; another channel's first question gets the base priority and runs
 * next, so it waits at most for the jobs already running (one service time per sequence).
 */
export interface FairScheduler {
  /** Reserves a place for a new job of this channel; returns its priority. */
  priorityFor(key: ConversationKey, base: number): Promise<number>;
  /** Called when a job leaves the waiting set (started, or dropped as a duplicate). */
  release(key: ConversationKey): Promise<void>;
  /** Jobs this channel has waiting. */
  pending(key: ConversationKey): Promise<number>;
}

/** BullMQ's largest priority. */
const MAX_PRIORITY = 2_097_152;

export function createFairScheduler(redis: Redis, prefix: string): FairScheduler {
  const hash = `${prefix}:fair:pending`;
  return {
    async priorityFor(key, base) {
      const n = await redis.hincrby(hash, channelIdOf(key), 1);
      return Math.min(MAX_PRIORITY, base + Math.max(0, n - 1));
    },
    async release(key) {
      const n = await redis.hincrby(hash, channelIdOf(key), -1);
      if (n <= 0) await redis.hdel(hash, channelIdOf(key));
    },
    async pending(key) {
      return Number((await redis.hget(hash, channelIdOf(key))) ?? 0);
    },
  };
}

import type { Redis } from 'ioredis';
import { channelIdOf, type ConversationKey } from '../conversation/index.js';

/**
 * Fair scheduling across channels without BullMQ Pro: a job's BullMQ priority is the base priority
 * plus the number of jobs its channel already has waiting. A channel that floods the queue pushes
 * only its own later jobs back; another channel's first question gets the base priority and runs
 * next, so it waits at most for the jobs already running (one service time per sequence).
 * Within a channel the order stays first come, first served: while it still has jobs waiting, a
 * new one never gets a lower priority than the one before it (equal priorities run in arrival order).
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

/** Atomically: count the new job, priority = base + jobs already waiting, never below the channel's last. */
const PRIORITY_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local p = tonumber(ARGV[2]) + n - 1
if n > 1 then
  local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  if last > p then p = last end
end
if p > tonumber(ARGV[3]) then p = tonumber(ARGV[3]) end
redis.call('HSET', KEYS[2], ARGV[1], p)
return p`;

export function createFairScheduler(redis: Redis, prefix: string): FairScheduler {
  const hash = `${prefix}:fair:pending`;
  const last = `${prefix}:fair:last`;
  return {
    async priorityFor(key, base) {
      return Number(await redis.eval(PRIORITY_SCRIPT, 2, hash, last, channelIdOf(key), base, MAX_PRIORITY));
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

import type { Redis } from 'ioredis';
import { channelIdOf, hashId, type ConversationKey } from '../conversation/index.js';
import { QUEUE_INFERENCE } from '../jobs/names.js';

/**
 * Fair scheduling across channels without BullMQ Pro: a job's BullMQ priority is the base priority
 * plus the number of jobs its channel already has waiting. A channel that floods the queue pushes
 * only its own later jobs back; another channel's first question gets the base priority and runs
 * next, so it waits at most for the jobs already running (one service time per sequence).
 * Within a channel the order stays first come, first served: while it still has jobs waiting, a
 * new one never gets a lower priority than the one before it (equal priorities run in arrival order).
 *
 * This module alone counts. The count is a set of job ids per channel, not a number, so it cannot
 * drift: a place is reserved under the job's own id (a retried enqueue reserves nothing new), a
 * started job is removed by id (idempotent, any attempt), and a job that left the waiting set any
 * other way — removed, cancelled before it started, failed, obliterated — is pruned at the
 * channel's next reservation, because it is no longer in BullMQ's prioritized set.
 */
export interface FairScheduler {
  /** Reserves a place for job `jobId` of this channel (idempotent per job id); returns its priority. */
  priorityFor(key: ConversationKey, jobId: string, base: number): Promise<number>;
  /** The job left the waiting set (started, or was never added). Idempotent. */
  release(key: ConversationKey, jobId: string): Promise<void>;
  /** Jobs this channel has waiting (prunes jobs that are gone). */
  pending(key: ConversationKey): Promise<number>;
}

/** BullMQ's largest priority. */
const MAX_PRIORITY = 2_097_152;

/**
 * A reservation younger than this is never pruned: between the reservation and BullMQ's `add`
 * the job is legitimately not in the prioritized set yet.
 */
export const FAIR_RESERVATION_GRACE_MS = 10_000;

/**
 * Drops members of the channel's set that are older than the grace period and no longer waiting
 * in BullMQ's prioritized set (KEYS[1] = channel set, KEYS[3] = `<prefix>:inference:prioritized`,
 * ARGV[1] = now ms, ARGV[2] = grace ms). Shared by both scripts.
 */
const PRUNE = `
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
for _, m in ipairs(old) do
  if not redis.call('ZSCORE', KEYS[3], m) then redis.call('ZREM', KEYS[1], m) end
end`;

/**
 * Atomically: prune, reserve (ZADD NX: a retried enqueue of the same job counts once; the score is
 * the reservation time, for the grace period), then priority = base + the channel's other waiting jobs, never below the channel's last priority while
 * the channel still has others waiting. KEYS[2] = hash channel → last priority; ARGV[3] = job id,
 * ARGV[4] = base, ARGV[5] = max priority, ARGV[6] = channel field.
 */
const PRIORITY_SCRIPT = `${PRUNE}
redis.call('ZADD', KEYS[1], 'NX', tonumber(ARGV[1]), ARGV[3])
local n = redis.call('ZCARD', KEYS[1])
local p = tonumber(ARGV[4]) + n - 1
if n > 1 then
  local last = tonumber(redis.call('HGET', KEYS[2], ARGV[6]) or '0')
  if last > p then p = last end
end
if p > tonumber(ARGV[5]) then p = tonumber(ARGV[5]) end
redis.call('HSET', KEYS[2], ARGV[6], p)
redis.call('PEXPIRE', KEYS[1], 7 * 86400000)
return p`;

const PENDING_SCRIPT = `${PRUNE}
return redis.call('ZCARD', KEYS[1])`;

export interface FairSchedulerOptions {
  /** Clock for reservations (tests). Defaults to `Date.now`. */
  now?: () => number;
  /** See {@link FAIR_RESERVATION_GRACE_MS}. */
  graceMs?: number;
  /** The BullMQ queue whose prioritized set tells which jobs still wait. Defaults to the inference queue. */
  queueName?: string;
}

export function createFairScheduler(redis: Redis, prefix: string, opts: FairSchedulerOptions = {}): FairScheduler {
  const now = opts.now ?? Date.now;
  const grace = opts.graceMs ?? FAIR_RESERVATION_GRACE_MS;
  const last = `${prefix}:fair:last`;
  const prioritized = `${prefix}:${opts.queueName ?? QUEUE_INFERENCE}:prioritized`;
  const setOf = (key: ConversationKey) => `${prefix}:fair:waiting:${hashId(channelIdOf(key))}`;
  return {
    async priorityFor(key, jobId, base) {
      return Number(await redis.eval(PRIORITY_SCRIPT, 3, setOf(key), last, prioritized, now(), grace, jobId, base, MAX_PRIORITY, channelIdOf(key)));
    },
    async release(key, jobId) {
      await redis.zrem(setOf(key), jobId);
    },
    async pending(key) {
      return Number(await redis.eval(PENDING_SCRIPT, 3, setOf(key), last, prioritized, now(), grace));
    },
  };
}

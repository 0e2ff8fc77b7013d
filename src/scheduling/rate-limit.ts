import type { Redis } from 'ioredis';
import { channelIdOf, type ConversationKey } from '../conversation/index.js';

export interface RateLimits {
  userPerMin: number;
  channelPerMin: number;
}

export type RateLimitResult = { ok: true } | { ok: false; scope: 'user' | 'channel'; retryAfterS: number; message: string };

/**
 * Fixed one-minute windows per user and per channel, counted in Redis (shared by every adapter
 * replica). A refused question is not counted against the channel.
 */
export async function checkRateLimit(redis: Redis, prefix: string, key: ConversationKey, userId: string, limits: RateLimits, now = Date.now()): Promise<RateLimitResult> {
  const minute = Math.floor(now / 60_000);
  const retryAfterS = Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));
  const userKey = `${prefix}:rl:u:${key.platform}:${key.tenant}:${userId}:${minute}`;
  const chanKey = `${prefix}:rl:c:${channelIdOf(key)}:${minute}`;
  const u = await redis.multi().incr(userKey).expire(userKey, 120).exec();
  if (Number(u?.[0]?.[1]) > limits.userPerMin) {
    return { ok: false, scope: 'user', retryAfterS, message: `You have asked ${limits.userPerMin} questions in the last minute, which is the limit. Please wait ${retryAfterS} s and ask again.` };
  }
  const c = await redis.multi().incr(chanKey).expire(chanKey, 120).exec();
  if (Number(c?.[0]?.[1]) > limits.channelPerMin) {
    await redis.decr(userKey);
    return { ok: false, scope: 'channel', retryAfterS, message: `This channel has reached its limit of ${limits.channelPerMin} questions per minute. Please wait ${retryAfterS} s and ask again.` };
  }
  return { ok: true };
}

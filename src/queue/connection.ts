import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection suitable for BullMQ (`maxRetriesPerRequest: null` is required by Workers).
 * Callers own what they create and close it.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...extra });
}

import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection suitable for BullMQ (`maxRetriesPerRequest: null` is required by Workers).
 * Callers own what they create and close it.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false, ...extra });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Whether an error (from ioredis or a BullMQ worker) means "Redis cannot be reached" rather than a
 * failed command: the socket error codes, and ioredis' own messages for a closed connection.
 */
export function isRedisConnectionError(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (typeof err?.code === 'string' && CONNECTION_CODES.has(err.code)) return true;
  const msg = typeof err?.message === 'string' ? err.message : '';
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|Connection is closed|connect ETIMEDOUT|Stream isn't writeable/.test(msg);
}

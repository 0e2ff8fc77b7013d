import type { Redis } from 'ioredis';

const statsKey = (prefix: string) => `${prefix}:live:stats`;
/** Weight of the newest sample in the moving average of service time. */
const ALPHA = 0.2;

/** Worker side: records one job's service time (moving average) and the configured concurrency. */
export async function recordServiceTime(redis: Redis, prefix: string, seconds: number, concurrency: number): Promise<void> {
  const prev = Number(await redis.hget(statsKey(prefix), 'serviceS'));
  const next = Number.isFinite(prev) && prev > 0 ? prev * (1 - ALPHA) + seconds * ALPHA : seconds;
  await redis.hset(statsKey(prefix), 'serviceS', next.toFixed(3), 'concurrency', String(concurrency));
}

/**
 * ETA in seconds for a job at `position` (1 = next to start): the measured mean service time times
 * the rounds of `concurrency` jobs ahead of it. Null until a job has been measured.
 */
export async function estimateWaitSeconds(redis: Redis, prefix: string, position: number): Promise<number | null> {
  const [s, c] = await redis.hmget(statsKey(prefix), 'serviceS', 'concurrency');
  const service = Number(s);
  const conc = Math.max(1, Number(c) || 1);
  if (!Number.isFinite(service) || service <= 0) return null;
  return Math.ceil(Math.ceil(position / conc) * service);
}

export function queuedText(position: number, etaS: number | null): string {
  return `⏳ Queued — position ${position}${etaS === null ? '' : `, about ${etaS} s`}`;
}

export function thinkingText(seconds: number, lastLine?: string): string {
  return `💭 Thinking… ${seconds} s${lastLine ? `\n> ${lastLine.slice(-140)}` : ''}`;
}

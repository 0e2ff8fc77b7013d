import type { Logger } from './logger.js';

/** Default for LOG_REPEAT_INTERVAL_MS: one line per key per 10 s. */
export const DEFAULT_LOG_REPEAT_INTERVAL_MS = 10_000;
/** Keys remembered at most; past this the oldest are forgotten (keys are reasons, so few in practice). */
const MAX_KEYS = 1000;

export interface RateLimitedLogOptions {
  /** Shortest time between two lines with the same key, in ms. Defaults to 10 000. */
  intervalMs?: number;
  /** Clock in ms (injectable for tests). Defaults to `Date.now`. */
  now?: () => number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Logs `msg` once per key per interval. Lines dropped in between are counted and the next line
 * carries `suppressed: n`, so an outage or an attack leaves a bounded log that still says how much
 * happened. Returns whether this call wrote a line.
 */
export type RateLimitedLog = (level: LogLevel, key: string, fields: Record<string, unknown>, msg: string) => boolean;

export function createRateLimitedLog(log: Logger, { intervalMs = DEFAULT_LOG_REPEAT_INTERVAL_MS, now = Date.now }: RateLimitedLogOptions = {}): RateLimitedLog {
  const seen = new Map<string, { lastMs: number; suppressed: number }>();
  return (level, key, fields, msg) => {
    const t = now();
    const s = seen.get(key);
    if (s && t - s.lastMs < intervalMs) {
      s.suppressed++;
      return false;
    }
    log[level](s?.suppressed ? { ...fields, suppressed: s.suppressed } : fields, msg);
    seen.delete(key); // re-insert: the Map's order is then least recently logged first
    seen.set(key, { lastMs: t, suppressed: 0 });
    if (seen.size > MAX_KEYS) seen.delete(seen.keys().next().value!);
    return true;
  };
}

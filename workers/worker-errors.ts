import { isRedisConnectionError, type Runtime } from '../src/index.js';

/**
 * The `error` listener for a BullMQ Worker: a lost Redis goes to the runtime's one outage line
 * (per LOG_REPEAT_INTERVAL_MS for all connections together); anything else is logged, repeats of
 * the same message at most once per interval.
 */
export function onWorkerError(rt: Runtime, source: string): (e: Error) => void {
  return (e) => {
    if (isRedisConnectionError(e)) rt.redisError(e, source);
    else rt.logRepeated('error', `${source}:${e.message}`, { err: e.message }, `${source} error`);
  };
}

/**
 * Waits for a worker's connection only while Redis is up: with Redis down at start-up the process
 * must still listen, so `/readyz` can say why it is not ready. The worker starts by itself once
 * Redis is back.
 */
export async function readyUnlessRedisDown(rt: Runtime, worker: { waitUntilReady(): Promise<unknown> }): Promise<void> {
  const ready = worker.waitUntilReady();
  ready.catch(() => {}); // connection errors are reported through the worker's `error` listener
  if (rt.redisUnavailable()) return; // already failing: do not wait
  let onError: (() => void) | undefined;
  const failed = new Promise<void>((r) => rt.redis.once('error', (onError = r)));
  try {
    await Promise.race([ready, failed]);
  } finally {
    rt.redis.off('error', onError!);
  }
}

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

/**
 * Closes a BullMQ worker on shutdown. With Redis down, a graceful close waits on commands that can
 * never run (and held every later shutdown step): the worker is then closed without waiting, and
 * its jobs, if any, are picked up again through their lapsed locks once Redis is back.
 */
export async function closeWorker(rt: Runtime, worker: { close(force?: boolean): Promise<void>; disconnect(): Promise<void> }): Promise<void> {
  if (!rt.redisUnavailable()) return worker.close();
  // Neither a forced close nor a disconnect settles while ioredis is still reconnecting: bounded,
  // and not awaited past that (the process is shutting down; the sockets go with it).
  const gone = Promise.allSettled([worker.close(true), worker.disconnect()]);
  await Promise.race([gone, new Promise((r) => setTimeout(r, 1000).unref())]);
}

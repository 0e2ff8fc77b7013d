import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { isLiveDone, liveStateStore } from './live-state.js';
import { liveRelayJobId } from './relay-job.js';

/**
 * Delivery side: waits (up to `waitMs`) until the job's live relay has finished writing to the
 * platform, then returns what it posted (null: the answer was not shown live). Throws when the
 * relay is still running, so the delivery retries instead of racing a late live edit.
 */
export async function settleLive<S extends object = Record<string, unknown>>(redis: Redis, prefix: string, relayQueue: Queue, jobId: string, waitMs = 10_000): Promise<S | null> {
  const store = liveStateStore<S>(redis, prefix, jobId);
  const t0 = Date.now();
  for (;;) {
    if (await isLiveDone(redis, prefix, jobId)) return store.get();
    const relay = await relayQueue.getJob(liveRelayJobId(jobId));
    const state = relay ? await relay.getState() : 'unknown';
    if (state === 'completed' || state === 'failed' || state === 'unknown') return store.get();
    if (Date.now() - t0 > waitMs) throw new Error(`live relay for ${jobId} is still running (${state})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

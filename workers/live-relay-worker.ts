import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  liveQueueName, liveRelayJobSchema, liveStateStore, rescheduleOnRateLimit, runLiveRelay, type LiveSurfaceFactory, type Platform, type Runtime,
} from '../src/index.js';
import { closeWorker, onWorkerError, readyUnlessRedisDown } from './worker-errors.js';

/**
 * Consumes one platform's live-relay queue: each job follows one answer's events and shows them.
 * On shutdown the relays are handed back unfinished (they fail with attempts left and a short
 * backoff), and another adapter process resumes each from its stored state. A rate-limited update
 * waits out `Retry-After` inside the relay; one that reaches the worker delays only this job.
 */
export async function startLiveRelayWorker<S extends object>(rt: Runtime, platform: Platform, surfaceFor: LiveSurfaceFactory<S>): Promise<Worker> {
  const running = new Set<AbortController>();
  const worker = new Worker(
    liveQueueName(platform),
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const parsed = liveRelayJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid live relay job: ${parsed.error.issues[0]?.message}`);
      const ac = new AbortController();
      running.add(ac);
      signal?.addEventListener('abort', () => ac.abort(), { once: true });
      const follow = rt.redis.duplicate();
      follow.on('error', (e) => rt.redisError(e, 'live relay follower'));
      try {
        const surface = surfaceFor(parsed.data, liveStateStore<S>(rt.redis, rt.cfg.QUEUE_PREFIX, parsed.data.jobId));
        const outcome = await runLiveRelay({ redis: rt.redis, follow, prefix: rt.cfg.QUEUE_PREFIX, log: rt.log }, parsed.data.jobId, surface, ac.signal);
        if (outcome === 'aborted') throw new Error('live relay handed back (shutdown)');
        rt.metrics.liveRelays.inc({ platform, outcome });
        return outcome;
      } catch (e) {
        // A platform rate limit that reached the worker delays this relay only (no attempt used).
        await rescheduleOnRateLimit(job, token, e);
        throw e;
      } finally {
        running.delete(ac);
        follow.disconnect();
      }
    },
    { connection: rt.connection, prefix: rt.cfg.QUEUE_PREFIX, concurrency: rt.cfg.LIVE_RELAY_CONCURRENCY, lockDuration: rt.cfg.JOB_LOCK_MS, maxStalledCount: 10 },
  );
  worker.on('error', onWorkerError(rt, 'live relay worker'));
  await readyUnlessRedisDown(rt, worker);
  rt.onClose(async () => {
    const closed = closeWorker(rt, worker);
    for (const ac of running) ac.abort();
    await closed;
  });
  return worker;
}

import { afterAll, describe, expect, it } from 'vitest';
import {
  QueueSet, createLivePublisher, createLogger, createRedis, enqueueLiveRelay, handleInferenceFailure, isLiveDone, liveStateStore, migrate,
  runLiveRelay, settleLive, type Db, type LiveSurface, type LiveView,
} from '../../src/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';

const log = createLogger({ level: 'silent' });

/** A surface that records what it was asked to show. */
function recordingSurface(minIntervalMs = 50) {
  const shown: LiveView[] = [];
  const finished: LiveView[] = [];
  const surface: LiveSurface = { minIntervalMs, show: async (v) => void shown.push(v), finish: async (v) => void finished.push(v) };
  return { surface, shown, finished };
}

describe('live relay (real Redis streams)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const follows: Array<ReturnType<typeof redis.duplicate>> = [];
  const follow = () => {
    const f = redis.duplicate();
    follows.push(f);
    return f;
  };
  afterAll(async () => {
    for (const f of follows) f.disconnect();
    await redis.quit();
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('a retried attempt starts the answer over; the end carries the status and marks the job done', async () => {
    const prefix = uniqueId('r1relay');
    const jobId = uniqueId('j');
    const rec = recordingSurface();
    const running = runLiveRelay({ redis, follow: follow(), prefix, log }, jobId, rec.surface, new AbortController().signal);
    const pub = createLivePublisher(redis, prefix, 5)(jobId);
    await pub.started();
    pub.chunk('answer', 'first attempt text');
    await sleep(150);
    await pub.started(); // the worker crashed; BullMQ retried the job
    pub.chunk('answer', 'second');
    await pub.end('stopped');
    expect(await running).toBe('ended');
    expect(rec.finished).toHaveLength(1);
    expect(rec.finished[0]).toMatchObject({ phase: 'ended', status: 'stopped', answer: 'second', attempt: 2 });
    expect(rec.shown.some((v) => v.answer === 'first attempt text' && v.attempt === 1)).toBe(true);
    expect(await isLiveDone(redis, prefix, jobId)).toBe(true);
  });

  it('aborting (shutdown) hands the job back unfinished: not done, nothing finished', async () => {
    const prefix = uniqueId('r1relay');
    const jobId = uniqueId('j');
    const rec = recordingSurface();
    const ac = new AbortController();
    const running = runLiveRelay({ redis, follow: follow(), prefix, log }, jobId, rec.surface, ac.signal);
    await createLivePublisher(redis, prefix, 5)(jobId).started();
    await sleep(100);
    ac.abort();
    expect(await running).toBe('aborted');
    expect(rec.finished).toHaveLength(0);
    expect(await isLiveDone(redis, prefix, jobId)).toBe(false);
  });

  it('the last failed attempt ends the live answer, so the failure reply is not held back', async () => {
    const prefix = uniqueId('r1relay');
    const jobId = uniqueId('j');
    const db: Db = await createTestPgliteDb();
    await migrate(db);
    const queues = new QueueSet({ connection: redis, prefix });
    try {
      const relayQueue = queues.liveFor('slack');
      const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: '1.0' };
      await enqueueLiveRelay(relayQueue, { v: 1, jobId, key, user: { id: 'U1' }, reply: {} });
      const rec = recordingSurface();
      const running = runLiveRelay({ redis, follow: follow(), prefix, log }, jobId, rec.surface, new AbortController().signal);
      // While the relay runs, the delivery waits for it and then gives up for a retry.
      await expect(settleLive(redis, prefix, relayQueue, jobId, 300)).rejects.toThrow(/still running/);
      const job = { v: 1, kind: 'chat', key, user: { id: 'U1' }, text: 'why?', source: { eventId: 'e1', receivedAt: Date.now() }, reply: {} };
      const live = { publisher: createLivePublisher(redis, prefix, 5), cancel: undefined as never, thoughtBudgetFor: () => undefined };
      await handleInferenceFailure({ db, queues, log, live }, jobId, job, new Error('boom'));
      expect(await running).toBe('ended');
      expect(rec.finished[0]?.status).toBe('failed');
      await liveStateStore(redis, prefix, jobId).set({ posted: ['x'] });
      expect(await settleLive(redis, prefix, relayQueue, jobId, 300)).toEqual({ posted: ['x'] });
    } finally {
      await queues.close();
      await db.close();
    }
  });
});

import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRateLimit, createFairScheduler, createRedis, enqueueInference, QUEUE_INFERENCE, type Db } from '../../src/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { TEST_REDIS_URL, testConfig, uniqueId } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

const key = (channel: string, thread: string) => ({ platform: 'slack' as const, tenant: 'T1', channel, thread });

describe('fair scheduling across channels (real BullMQ)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1fair');
  const queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('50 jobs from channel A, then 1 from channel B: B starts within one service time', async () => {
    const fair = createFairScheduler(redis, prefix);
    const job = (ch: string, i: number) => ({ v: 1 as const, kind: 'chat' as const, key: key(ch, `t${i}`), user: { id: 'U' }, text: `${ch}${i}`, source: { eventId: `${ch}-${i}`, receivedAt: Date.now() } });
    for (let i = 0; i < 50; i++) await enqueueInference(queue, job('A', i), { fair });
    await enqueueInference(queue, job('B', 0), { fair });
    expect(await fair.pending(key('A', 'x'))).toBe(50);
    const order: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    // One sequence: each job is one service time.
    const worker = new Worker(QUEUE_INFERENCE, async (j) => {
      await fair.release(j.data.key, j.id!);
      order.push(j.data.text);
      if (order.length === 51) done();
    }, { connection: createRedis(TEST_REDIS_URL), prefix, concurrency: 1 });
    await finished;
    await worker.close();
    // B waits only for the job ahead of it (A0, same base priority, enqueued first), not for A's backlog.
    expect(order.indexOf('B0')).toBeLessThanOrEqual(1);
    expect(order.filter((t) => t.startsWith('A'))).toEqual(Array.from({ length: 50 }, (_, i) => `A${i}`));
    expect(await fair.pending(key('A', 'x'))).toBe(0);
  });
});

describe('fair priorities keep each channel in arrival order', () => {
  const redis = createRedis(TEST_REDIS_URL);
  afterAll(async () => redis.quit());
  it('a channel\'s new job never overtakes its own older waiting jobs; an idle channel starts at the base', async () => {
    const fair = createFairScheduler(redis, uniqueId('r1fairo'));
    const a = key('A', 't');
    const first = [];
    for (let i = 0; i < 10; i++) first.push(await fair.priorityFor(a, `a${i}`, 10));
    expect(first).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // A retried enqueue of the same job keeps its place and reserves nothing new.
    expect(await fair.priorityFor(a, 'a3', 10)).toBe(19);
    expect(await fair.pending(a)).toBe(10);
    for (let i = 0; i < 8; i++) await fair.release(a, `a${i}`); // eight of them started; a8 and a9 still wait
    await fair.release(a, 'a0'); // a second release of the same job changes nothing
    expect(await fair.priorityFor(a, 'a10', 10)).toBe(19);
    expect(await fair.priorityFor(key('B', 't'), 'b0', 10)).toBe(10);
    for (const id of ['a8', 'a9', 'a10']) await fair.release(a, id);
    expect(await fair.priorityFor(a, 'a11', 10)).toBe(10); // drained: back to the base
  });
});

describe('the fairness count cannot leak (real BullMQ)', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1fairleak');
  const queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  it('a job removed or failed before it starts stops counting once the reservation grace has passed', async () => {
    let now = 1_000_000;
    const fair = createFairScheduler(redis, prefix, { now: () => now });
    const job = (i: number) => ({ v: 1 as const, kind: 'chat' as const, key: key('A', `t${i}`), user: { id: 'U' }, text: `A${i}`, source: { eventId: `A-${i}`, receivedAt: 0 } });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await enqueueInference(queue, job(i), { fair })).jobId);
    expect(await fair.pending(key('A', 'x'))).toBe(3);
    // Removed while waiting (a user deleted the question / an admin cleaned the queue) — no release call.
    await queue.remove(ids[0]!);
    await (await queue.getJob(ids[1]!))!.remove();
    // Inside the grace period a reservation is kept (its add may still be on the way)…
    expect(await fair.pending(key('A', 'x'))).toBe(3);
    now += 11_000;
    // …after it, only the job still waiting counts, and the channel's next job is right behind it.
    expect(await fair.pending(key('A', 'x'))).toBe(1);
    const next = await enqueueInference(queue, job(3), { fair });
    expect((await queue.getJob(next.jobId))!.opts.priority).toBe(12); // never below the channel's last (monotone)
    expect(await fair.pending(key('A', 'x'))).toBe(2);
    // Everything gone: an idle channel starts at the base again.
    await queue.obliterate({ force: true });
    now += 11_000;
    expect(await fair.pending(key('A', 'x'))).toBe(0);
    expect(await fair.priorityFor(key('A', 'x'), 'fresh', 10)).toBe(10);
  });
});

describe('rate limits', () => {
  const redis = createRedis(TEST_REDIS_URL);
  afterAll(async () => redis.quit());
  it('counts per user and per channel in one-minute windows', async () => {
    const prefix = uniqueId('r1rl');
    const limits = { userPerMin: 2, channelPerMin: 3 };
    const now = Date.UTC(2026, 10, 28, 12, 0, 10);
    const r = [];
    for (const u of ['U1', 'U1', 'U1', 'U2', 'U3']) r.push(await checkRateLimit(redis, prefix, key('C1', 't'), u, limits, now));
    expect(r.map((x) => (x.ok ? 'ok' : x.scope))).toEqual(['ok', 'ok', 'user', 'ok', 'channel']);
    expect(r[2]).toMatchObject({ ok: false, retryAfterS: 50 });
    expect((await checkRateLimit(redis, prefix, key('C1', 't'), 'U1', limits, now + 60_000)).ok).toBe(true);
  });
});

describe.skipIf(!hasTestModel)('rate limit in Slack', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({ SLACK_BOT_TOKEN: 'xoxb-r', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: fake.apiUrl, RATE_LIMIT_USER_PER_MIN: '2' }), db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });
  it('the question over the limit gets a clear private reply and no job; a retried event is not counted', async () => {
    const ev = (i: number) => ({ type: 'app_mention', user: 'U5', text: `<@UBOT> question ${i}`, ts: `1700007000.00000${i}`, channel: 'C7', event_ts: `1700007000.00000${i}` });
    const post = (i: number, retryNum?: number) => postSignedToSlackApp(`${svc.baseUrl}/slack/events`, 's', slackEventEnvelope(ev(i), { eventId: `EvRL${i}` }), { retryNum });
    await post(1);
    await post(1, 1); // Slack retry of the same event
    await post(2);
    await post(3);
    const eph = await fake.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === 'U5');
    expect(String(eph.params.text)).toMatch(/You have asked 2 questions in the last minute, which is the limit\. Please wait \d+ s/);
    await fake.waitForCount((c) => c.method === 'chat.postMessage' && c.params.channel === 'C7', 2);
    const jobs = await svc.rt.queues.inference.getJobs(['waiting', 'active', 'completed', 'prioritized']);
    expect(jobs.map((j) => j.data.text).sort()).toEqual(['question 1', 'question 2']);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import {
  admitQuestion, createLogger, createMetrics, createRedis, intakeQueueName, IntakeUnavailableError, QueueSet, type ChatPlatform, type IntakeRuntime, type QuestionInput,
} from '../../src/index.js';
import { TEST_REDIS_URL, testConfig, uniqueId } from '../support/test-config.js';

/** A surface of the test's own (the contract is ours, not an SDK's): it records what it was told. */
function recordingPlatform() {
  const notices: Array<{ thread: string; text: string }> = [];
  const platform: ChatPlatform = {
    platform: 'console',
    async notify(q, text) {
      notices.push({ thread: q.key.thread, text });
    },
  };
  return { platform, notices };
}

const question = (eventId: string, text: string): QuestionInput => ({
  v: 1, key: { platform: 'console', tenant: 'local', channel: 'console', thread: 't1' }, user: { id: 'u1' }, text, eventId, receivedAt: Date.now(), reply: {},
});

describe('admitQuestion (real Redis, real BullMQ)', () => {
  const prefix = uniqueId('r1adm');
  const cfg = testConfig({ QUEUE_PREFIX: prefix, QUESTION_MAX_CHARS: '50' });
  const redis = createRedis(TEST_REDIS_URL);
  const queues = new QueueSet({ connection: redis, prefix });
  // The access policy has its own tests (test/policy); here everything is allowed.
  const rt: IntakeRuntime = { cfg, log: createLogger({ level: 'silent' }), metrics: createMetrics(), queues, redis, policy: { check: async () => ({ ok: true }), invalidate: () => {} } };
  const intake = new Queue(intakeQueueName('console'), { connection: redis, prefix });
  beforeAll(async () => {
    await redis.ping();
  });
  afterAll(async () => {
    await intake.obliterate({ force: true });
    await queues.close();
    await redis.quit();
  });

  it('queues a question once however often the platform delivers it, under the one derived job id', async () => {
    const { platform } = recordingPlatform();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await admitQuestion(rt, platform, question('ev-dup', 'why does P-101 cavitate?')));
    expect(results.map((r) => r.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(results.map((r) => (r.kind === 'accepted' ? r.duplicate : null))).toEqual([false, true, true]);
    const jobIds = new Set(results.map((r) => (r.kind === 'accepted' ? r.jobId : '')));
    expect(jobIds.size).toBe(1);
    const job = await intake.getJob([...jobIds][0]!);
    expect(job?.data.text).toBe('why does P-101 cavitate?');
    expect(await intake.count()).toBe(1);
  });

  it('removes NUL and other control characters and replaces lone surrogates before anything is stored', async () => {
    const { platform } = recordingPlatform();
    const res = await admitQuestion(rt, platform, question('ev-nul', 'pump\u0000 P-101\u0007 trips \uD800 at start'));
    expect(res.kind).toBe('accepted');
    const job = await intake.getJob((res as { jobId: string }).jobId);
    expect(job?.data.text).toBe('pump P-101 trips \uFFFD at start');
  });

  it.each([
    ['empty after the mention', '   \u0000 ', 'empty'],
    ['over QUESTION_MAX_CHARS', 'x'.repeat(51), 'too_long'],
  ])('rejects a question %s with a notice to the asker and queues nothing', async (_name, text, reason) => {
    const { platform, notices } = recordingPlatform();
    const before = await intake.count();
    const res = await admitQuestion(rt, platform, question(uniqueId('ev'), text));
    expect(res).toMatchObject({ kind: 'rejected', reason });
    await expect.poll(() => notices.length).toBe(1);
    expect(notices[0]!.text).toBe((res as { text: string }).text);
    expect(await intake.count()).toBe(before);
  });

  it('throws IntakeUnavailableError at once when Redis is down (the surface answers non-2xx), and the retry is queued once it is back', async () => {
    const { platform } = recordingPlatform();
    const dead = createRedis('redis://127.0.0.1:1');
    dead.on('error', () => {});
    const deadQueues = new QueueSet({ connection: dead, prefix });
    const t0 = Date.now();
    await expect(admitQuestion({ ...rt, redis: dead, queues: deadQueues }, platform, question('ev-outage', 'is the compressor ok?'))).rejects.toBeInstanceOf(IntakeUnavailableError);
    expect(Date.now() - t0).toBeLessThan(cfg.INTAKE_TIMEOUT_MS);
    dead.disconnect();
    await deadQueues.close().catch(() => {});
    // No claim was left behind: the platform's retry of the same event is queued, not dropped as a duplicate.
    const retry = await admitQuestion(rt, platform, question('ev-outage', 'is the compressor ok?'));
    expect(retry).toMatchObject({ kind: 'accepted', duplicate: false });
  });
});

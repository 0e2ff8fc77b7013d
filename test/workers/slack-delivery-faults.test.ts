import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliveryJobId, inferenceJobId, JOB_CHAT, type Db } from '../../src/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

const SECRET = 'faults';
let n = 0;

/**
 * The whole service against a local Slack that injects faults: 500s after storing a post, and 429s
 * with Retry-After. Real Redis/BullMQ, real PostgreSQL, the tiny model.
 */
describe.skipIf(!hasTestModel)('Slack delivery under platform faults', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const nextTs = () => `1700009000.${String(100 + ++n).padStart(6, '0')}`;
  const mention = async (text: string, ts = nextTs(), threadTs?: string, channel = 'CFAULT') => {
    const ev = { type: 'app_mention', user: `U${n}`, text: `<@UBOT> ${text}`, ts, channel, event_ts: ts, ...(threadTs ? { thread_ts: threadTs } : {}) };
    const res = await postSignedToSlackApp(`${svc.baseUrl}/slack/events`, SECRET, slackEventEnvelope(ev));
    expect(res.status).toBe(200);
    return ts;
  };
  const repliesIn = (ts: string) => fake.botRepliesIn(ts);
  const waitReply = (ts: string, ms = 30_000) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts, ms);

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    svc = await startTestService(testConfig({ SLACK_BOT_TOKEN: 'xoxb-f', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
  });
  beforeEach(() => fake.clearFaults());
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('500 after Slack stored 20 % of posts: every question is answered exactly once', async () => {
    fake.failAfterStore({ fraction: 0.2, seed: 7, methods: ['chat.postMessage'] });
    const threads: string[] = [];
    for (let i = 0; i < 12; i++) threads.push(await mention(`question number ${i} about the pump`));
    // Every message recorded as delivered (found again by its metadata after a 500).
    const until = Date.now() + 90_000;
    for (;;) {
      const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE delivered_at IS NOT NULL AND channel = 'CFAULT'");
      if (Number(rows[0]!.n) >= threads.length) break;
      if (Date.now() > until) throw new Error(`only ${rows[0]!.n}/${threads.length} delivered`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(fake.storedThenFailed.length).toBeGreaterThan(0); // the fault did happen
    for (const ts of threads) expect(repliesIn(ts), `thread ${ts}`).toHaveLength(1);
    // The 👀 goes also where the retried delivery found the reply instead of posting it.
    for (const c of fake.storedThenFailed) {
      const ts = String(c.params.thread_ts);
      expect(fake.calls.some((x) => x.method === 'reactions.remove' && x.params.timestamp === ts)).toBe(true);
    }
  }, 150_000);

  it('a chat.postMessage 429 on one thread delays only that thread; the job keeps its attempts', async () => {
    const limited = nextTs();
    fake.rateLimit('chat.postMessage', { retryAfterS: 30, when: (c) => c.params.thread_ts === limited });
    await mention('the limited thread question', limited);
    await fake.waitFor((c) => c.method === 'chat.postMessage#429' && c.params.thread_ts === limited, 60_000);
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await mention(`another thread ${i}`));
    // Slack asked for 30 s on that method+thread; the other threads do not wait for it.
    for (const ts of others) await waitReply(ts, 20_000);
    expect(repliesIn(limited)).toHaveLength(0);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM messages WHERE thread = $1', [limited]);
    const job = await svc.rt.queues.deliveryFor('slack').getJob(deliveryJobId(rows[0]!.id));
    expect(await job!.getState()).toBe('delayed');
    expect(job!.attemptsMade).toBe(0); // a rate limit is a delay, not a failed attempt
    // Past Retry-After (promoted here instead of waiting 30 s) it is posted, once.
    fake.clearFaults();
    await job!.promote();
    await waitReply(limited);
    expect(repliesIn(limited)).toHaveLength(1);
  }, 120_000);

  it('reactions.add always 429 (Retry-After 30): answers still arrive promptly', async () => {
    fake.rateLimit('reactions.add', { retryAfterS: 30 });
    // Follow-ups in threads: admission reads the thread's history through the same client.
    const threads = [nextTs(), nextTs()];
    for (const root of threads) {
      fake.messages.push({ channel: 'CFAULT', ts: root, text: 'the boiler trips at night', user: 'U0' });
      await mention('why would that be?', nextTs(), root);
    }
    for (const ts of threads) await waitReply(ts, 20_000);
    expect(fake.callsTo('reactions.add#429').length).toBeGreaterThanOrEqual(2);
    for (const ts of threads) expect(repliesIn(ts)).toHaveLength(1);
  }, 60_000);

  it('a job whose question holds U+0000 (enqueued past admission) is answered, never silent', async () => {
    const ts = `1700009000.${String(900 + ++n).padStart(6, '0')}`;
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'CFAULT', thread: ts };
    const jobId = inferenceJobId('slack', 'T1', `CFAULT/${ts}`);
    await svc.rt.queues.inference.add(JOB_CHAT, {
      v: 1, kind: 'chat', key, user: { id: 'U1' }, text: 'why does the pump\u0000 stop?', history: [],
      source: { eventId: `CFAULT/${ts}`, receivedAt: Date.now() }, reply: { channel: 'CFAULT', thread_ts: ts, message_ts: ts },
    }, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    await waitReply(ts, 60_000);
    expect(repliesIn(ts)).toHaveLength(1);
    const { rows } = await db.query<{ question: string; status: string }>('SELECT question, status FROM messages WHERE thread = $1', [ts]);
    expect(rows[0]!.question).toBe('why does the pump stop?');
    expect(['answered', 'delivered']).toContain(rows[0]!.status);
  }, 90_000);
});

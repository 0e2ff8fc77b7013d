import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { hasTestModel, NO_MODEL_REASON } from '../../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const SECRET = 'test-signing-secret';
let tsN = 0;
const newTs = () => `1700001000.${String(++tsN).padStart(6, '0')}`;
const mention = (text: string, extra: Record<string, unknown> = {}) => {
  const ts = newTs();
  return { type: 'app_mention', user: 'U123', text: `<@UBOT> ${text}`, ts, channel: 'C42', event_ts: ts, ...extra };
};
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasTestModel)('Slack events → queue → worker → threaded reply', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let eventsUrl: string;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    const cfg = testConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LLAMA_SEQUENCES: '8', LLAMA_MAX_TOKENS: '64' });
    svc = await startTestService(cfg, db);
    eventsUrl = `${svc.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  const repliesIn = (thread: string) => fake.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts === thread);

  it('answers a signed app_mention exactly once, in the thread of the mention, without <think> text', async () => {
    const ev = mention('why does pump P-101 cavitate at low flow?');
    const res = await postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope(ev));
    expect(res.status).toBe(200);
    const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts);
    expect(reply.params.channel).toBe('C42');
    expect(reply.auth).toBe('Bearer xoxb-test');
    expect(String(reply.params.text)).not.toMatch(/<\/?think>/);
    expect(String(reply.params.text).length).toBeGreaterThan(0);
    // The "working" reaction went on the question.
    expect(fake.callsTo('reactions.add').some((c) => c.params.timestamp === ev.ts)).toBe(true);
    await settle(300);
    expect(repliesIn(ev.ts)).toHaveLength(1);
    const { rows } = await db.query<{ status: string; question: string; answer: string; model_sha256: string }>(`SELECT status, question, answer, model_sha256 FROM messages WHERE thread = $1`, [ev.ts]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('delivered');
    expect(rows[0]!.question).toBe('why does pump P-101 cavitate at low flow?');
    expect(rows[0]!.answer).toBe(String(reply.params.text));
    expect(rows[0]!.model_sha256).toBe('1a81198e9d139d38a366dfeb2bb662413590384543b598d9e50c5c538b890568');
  });

  it.each([
    ['bad signature', { signWith: 'wrong-secret' }],
    ['stale timestamp', { ts: Math.floor(Date.now() / 1000) - 600 }],
  ])('rejects a request with a %s with 401 and enqueues nothing', async (_name, opts) => {
    const before = await svc.rt.queues.inference.getJobCounts();
    const ev = mention('this must not be answered');
    const res = await postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope(ev), opts);
    expect(res.status).toBe(401);
    await settle(300);
    expect(await svc.rt.queues.inference.getJobCounts()).toEqual(before);
    expect(repliesIn(ev.ts)).toHaveLength(0);
  });

  it('answers the same event delivered three times (Slack retries) once', async () => {
    const ev = mention('tell me about the bearings');
    const body = slackEventEnvelope(ev, { eventId: 'EvRETRY1' });
    const statuses = [];
    for (const retryNum of [undefined, 1, 2]) statuses.push((await postSignedToSlackApp(eventsUrl, SECRET, body, { retryNum })).status);
    expect(statuses).toEqual([200, 200, 200]);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts);
    await settle(800);
    expect(repliesIn(ev.ts)).toHaveLength(1);
  });

  it('replies inside an existing thread and carries the thread history into the job', async () => {
    const root = newTs();
    fake.messages.push({ channel: 'C42', ts: root, text: 'Pump P-101 trips on high vibration', user: 'U9' });
    fake.messages.push({ channel: 'C42', ts: newTs(), thread_ts: root, text: 'Check the coupling alignment first.', user: 'UBOT', bot_id: 'BBOT' });
    const ev = mention('and after that?', { thread_ts: root });
    await postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope(ev));
    const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === root);
    expect(reply.params.channel).toBe('C42');
    const jobs = await svc.rt.queues.inference.getJobs(['completed']);
    const job = jobs.find((j) => j.data.key.thread === root);
    expect(job?.data.history).toEqual([
      { role: 'user', text: 'Pump P-101 trips on high vibration', user: 'U9' },
      { role: 'assistant', text: 'Check the coupling alignment first.' },
    ]);
  });

  it('answers a DM (message.im) in its thread', async () => {
    const ts = newTs();
    await postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope({ type: 'message', channel_type: 'im', user: 'U7', text: 'hello there', ts, channel: 'D1', event_ts: ts }));
    const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.channel === 'D1');
    expect(reply.params.thread_ts).toBe(ts);
  });

  it('gives an empty mention a private hint and enqueues nothing', async () => {
    const before = await svc.rt.queues.inference.getJobCounts();
    const ts = newTs();
    await postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope({ type: 'app_mention', user: 'U123', text: '<@UBOT>', ts, channel: 'C42', event_ts: ts }));
    const eph = await fake.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === 'U123');
    expect(String(eph.params.text)).toMatch(/Ask me something/);
    expect(await svc.rt.queues.inference.getJobCounts()).toEqual(before);
  });

  it('eight concurrent mentions in eight threads → eight replies, each in its thread, generated in one batch', async () => {
    const evs = Array.from({ length: 8 }, (_, i) => mention(`question number ${i} about the compressor`));
    await Promise.all(evs.map((ev) => postSignedToSlackApp(eventsUrl, SECRET, slackEventEnvelope(ev))));
    await Promise.all(evs.map((ev) => fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ev.ts)));
    await settle(300);
    for (const ev of evs) expect(repliesIn(ev.ts)).toHaveLength(1);
    const { rows } = await db.query<{ peak: number }>(`SELECT (timings->>'batchPeak')::int AS peak FROM messages WHERE thread = ANY($1)`, [evs.map((e) => e.ts)]);
    expect(rows).toHaveLength(8);
    expect(Math.max(...rows.map((r) => Number(r.peak)))).toBeGreaterThan(1);
    const metrics = await (await fetch(`${svc.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/r1_batch_size_bucket\{le="1"\} \d+/);
  });
});

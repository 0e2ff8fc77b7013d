import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const SECRET = 'stream';
let n = 0;

/** Everything Slack accepted into one stream: the start text plus each append, in order. */
const streamedText = (fake: FakeSlack, ts: string) => fake.streams.get(ts)!.chunks.join('');

describe.skipIf(!hasTestModel)('Slack native streams (chat.startStream / appendStream / stopStream)', () => {
  let fake: FakeSlack;
  let db: Db;
  const services: Array<Awaited<ReturnType<typeof startTestService>>> = [];
  const live = (over: Partial<Record<string, string>> = {}): Config => testConfig({
    SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LIVE_UPDATES: 'true', SLACK_STREAMING: 'native',
    LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '1600', ...over,
  });
  const mention = async (baseUrl: string, text: string) => {
    const ts = `1700009000.0000${10 + ++n}`;
    await postSignedToSlackApp(`${baseUrl}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: 'UASK', text: `<@UBOT> ${text}`, ts, channel: 'CSTREAM', event_ts: ts }, { teamId: 'T9' }));
    return ts;
  };
  const storedAnswer = async (thread: string) => {
    for (let i = 0; i < 600; i++) {
      const { rows } = await db.query<{ answer: string | null; delivered_at: unknown }>('SELECT answer, delivered_at FROM messages WHERE thread = $1', [thread]);
      if (rows[0]?.delivered_at) return rows[0].answer!;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('answer not delivered');
  };
  const starts = (thread: string) => fake.calls.filter((c) => c.method === 'chat.startStream' && c.params.thread_ts === thread);
  const threadMessages = (thread: string) => fake.messages.filter((m) => m.thread_ts === thread).sort((x, y) => Number(x.ts) - Number(y.ts));

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
  });
  afterAll(async () => {
    for (const s of services.reverse()) await s.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('streams the answer into one threaded message addressed to the asker, then the final answer replaces it', async () => {
    const svc = await startTestService(live({ SLACK_BOT_TOKEN: 'xoxb-s1' }), db);
    services.push(svc);
    const thread = await mention(svc.baseUrl, 'tell me a long story about the boiler');
    const answer = await storedAnswer(thread);
    expect(answer.length).toBeGreaterThan(200);
    const st = starts(thread);
    expect(st).toHaveLength(1);
    expect(st[0]!.params).toMatchObject({ channel: 'CSTREAM', recipient_user_id: 'UASK', recipient_team_id: 'T9' });
    const [ts, ...more] = fake.streamsIn(thread);
    expect(more).toEqual([]);
    const appends = fake.calls.filter((c) => c.method === 'chat.appendStream' && c.params.ts === ts);
    expect(appends.length).toBeGreaterThanOrEqual(2);
    // What streamed is exactly the stored answer: nothing lost, nothing doubled.
    expect(streamedText(fake, ts)).toBe(answer);
    expect(fake.calls.filter((c) => c.method === 'chat.stopStream' && c.params.ts === ts)).toHaveLength(1);
    // The final delivery edits the streamed message (no copy) and removes the status message.
    const final = fake.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts).at(-1)!;
    expect(final.params.text).toBe(answer);
    expect(threadMessages(thread).map((m) => m.ts)).toEqual([ts]);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === thread)).toHaveLength(1); // the status message, later deleted
    // Thinking/queued status never went into the stream.
    expect(streamedText(fake, ts)).not.toMatch(/Thinking…|Queued/);
  }, 120_000);

  it('a stream Slack expires mid-answer continues in a follow-up stream, nothing lost or doubled', async () => {
    const svc = services[0]!;
    fake.streamExpiresAfterAppends = 1;
    try {
      const thread = await mention(svc.baseUrl, 'tell me another long story about the chiller');
      const answer = await storedAnswer(thread);
      const mine = fake.streamsIn(thread);
      expect(starts(thread).length).toBeGreaterThanOrEqual(2);
      // The streams, in order, hold the answer exactly once.
      expect(mine.map((ts) => streamedText(fake, ts)).join('')).toBe(answer);
      // The thread ends with the answer split along those messages, and only them.
      const inThread = threadMessages(thread);
      expect(inThread.map((m) => m.ts)).toEqual(mine);
      expect(inThread.map((m) => m.text).join('')).toBe(answer);
    } finally {
      fake.streamExpiresAfterAppends = Infinity;
    }
  }, 120_000);

  it('an adapter that shuts down mid-answer hands its relay back: another one resumes the same stream, no second status or stream', async () => {
    const prefix = `r1resume${Date.now().toString(36)}`;
    const shared = { QUEUE_PREFIX: prefix, LLAMA_CONTEXT_SIZE: '4096', LLAMA_MAX_TOKENS: '2500' };
    const worker = await startTestService(live({ ...shared, ROLE: 'worker' }), db);
    services.push(worker);
    const a1 = await startTestService(live({ ...shared, ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-a1' }), db);
    const thread = await mention(a1.baseUrl, 'tell me a very long story about the old compressor');
    await fake.waitFor((c) => c.method === 'chat.appendStream' && c.auth === 'Bearer xoxb-a1' && fake.streamsIn(thread).includes(String(c.params.ts)), 60_000);
    const a2 = await startTestService(live({ ...shared, ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-a2' }), db);
    services.push(a2);
    await a1.close();
    const { rows } = await db.query<{ status: string }>('SELECT status FROM messages WHERE thread = $1', [thread]);
    expect(rows[0]!.status).toBe('generating'); // the hand-over happened mid-answer
    const answer = await storedAnswer(thread);
    if (process.env.DEBUG_LIVE) console.log(fake.calls.filter((c) => c.params.thread_ts === thread || fake.streamsIn(thread).includes(String(c.params.ts)) || c.method.includes('#')).map((c) => `${c.at % 100000} ${c.auth} ${c.method} ${String(c.params.ts ?? '')} ${String(c.params.markdown_text ?? c.params.text ?? '').slice(0, 30).replace(/\n/g, ' ')}`).join('\n'));
    // One stream was started before the hand-over, and the second adapter appended to that same one
    // (a further stream only where the answer outgrew one message).
    const streams = fake.streamsIn(thread);
    expect(starts(thread).filter((c) => c.auth === 'Bearer xoxb-a1')).toHaveLength(1);
    expect(fake.calls.some((c) => c.auth === 'Bearer xoxb-a2' && c.method === 'chat.appendStream' && c.params.ts === streams[0])).toBe(true);
    expect(streams.slice(0, -1).every((ts) => streamedText(fake, ts).length > 3000)).toBe(true);
    expect(streams.map((ts) => streamedText(fake, ts)).join('')).toBe(answer);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === thread)).toHaveLength(1);
    expect(threadMessages(thread).map((m) => m.text).join('')).toBe(answer);
  }, 180_000);
});

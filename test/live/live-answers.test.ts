import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/index.js';
import { STOP_ACTION } from '../../adapters/slack/live-status.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel } from '../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

const SECRET = 'live';
let n = 0;

describe.skipIf(!hasTestModel)('live answers in Slack', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const mention = async (text: string) => {
    const ts = `1700008000.0000${10 + ++n}`;
    await postSignedToSlackApp(`${svc.baseUrl}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: `U${n}`, text: `<@UBOT> ${text}`, ts, channel: 'CLIVE', event_ts: ts }));
    const status = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
    const statusTs = fake.messages.find((m) => m.thread_ts === ts)!.ts;
    return { ts, status, statusTs };
  };
  const updatesOf = (ts: string) => fake.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts).map((c) => String(c.params.text));

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({
      SLACK_BOT_TOKEN: 'xoxb-l', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LIVE_UPDATES: 'true', SLACK_STREAMING: 'edit',
      LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '1600',
    }), db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('streams several updates into the thread and ends with the full answer, posted once', async () => {
    const { ts, status, statusTs } = await mention('tell me a long story about the boiler');
    expect(String(status.params.text)).toMatch(/Queued/);
    await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === statusTs && !String(c.params.text).endsWith('▍') && !/Queued|Thinking/.test(String(c.params.text)), 60_000);
    const { rows } = await db.query<{ answer: string; status: string }>('SELECT answer, status FROM messages WHERE thread = $1', [ts]);
    const answer = rows[0]!.answer;
    const ups = updatesOf(statusTs);
    const streamed = ups.filter((t) => t.endsWith(' ▍')).map((t) => t.slice(0, -2));
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    // Every streamed state is a prefix of the stored answer, and the last edit is the answer itself.
    for (const s of streamed) expect(answer.startsWith(s.trimEnd()) || answer.replace(/\s+/g, ' ').startsWith(s.replace(/\s+/g, ' ').trim())).toBe(true);
    expect(ups.at(-1)).toBe(answer);
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === ts)).toHaveLength(1); // the status message only
    // The status message carried a Stop button while streaming.
    const withStop = fake.calls.find((c) => c.method === 'chat.update' && c.params.ts === statusTs && JSON.stringify(c.params.blocks).includes(STOP_ACTION));
    expect(withStop).toBeDefined();
  }, 120_000);

  it('shows queue position while waiting, and Stop aborts generation, frees the sequence and marks the reply stopped', async () => {
    const first = await mention('a very long story about the compressor');
    const second = await mention('another long story about the chiller');
    await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === second.statusTs && /Queued — position \d/.test(String(c.params.text)), 30_000);
    // Stop the first while it streams.
    await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).endsWith('▍'), 60_000);
    const jobId = (JSON.parse(JSON.stringify(fake.calls.find((c) => c.method === 'chat.postMessage' && c.params.thread_ts === first.ts)!.params.blocks)) as Array<{ elements?: Array<{ value: string }> }>)[1]!.elements![0]!.value;
    const click = await postSignedToSlackApp(`${svc.baseUrl}/slack/events`, SECRET, new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: 'U1', team_id: 'T1' }, api_app_id: 'A1', token: 'legacy', trigger_id: '1', team: { id: 'T1' },
      channel: { id: 'CLIVE' }, message: { type: 'message', ts: first.statusTs, thread_ts: first.ts, text: '' }, container: { type: 'message', message_ts: first.statusTs },
      actions: [{ action_id: STOP_ACTION, value: jobId, type: 'button', block_id: 'b', action_ts: '1' }],
    }) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect(click.status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === first.statusTs && String(c.params.text).includes('(stopped)'), 30_000);
    const { rows } = await db.query<{ status: string; completion_tokens: number }>('SELECT status, completion_tokens FROM messages WHERE thread = $1', [first.ts]);
    expect(rows[0]!.status).toBe('stopped');
    expect(Number(rows[0]!.completion_tokens)).toBeLessThan(1600);
    // The freed sequence goes to the next job, which completes normally.
    await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === second.statusTs && !/▍|Queued|Thinking/.test(String(c.params.text)), 90_000);
    expect(svc.inference!.engine.inFlight).toBe(0);
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { slackBodyProblem } from '../../../adapters/slack/request-guard.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { until } from '../../support/child-service.js';
import { postSignedToSlackApp, slackEventEnvelope, slackSignature } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const SECRET = 'guard-signing-secret';
const FORM = 'application/x-www-form-urlencoded';
const now = () => Math.floor(Date.now() / 1000);

describe('slackBodyProblem: only bodies of the shape Slack sends pass', () => {
  it.each([
    ['application/json', '{"type":"event_callback"}', undefined],
    [FORM, `payload=${encodeURIComponent('{"type":"block_actions"}')}`, undefined],
    [FORM, 'command=%2Fkb&text=list&team_id=T1', undefined],
    [FORM, 'ssl_check=1&token=x', undefined],
    ['application/json', 'null', 'JSON body is not an object'],
    ['application/json', '[]', 'JSON body is not an object'],
    ['application/json', '"x"', 'JSON body is not an object'],
    ['application/json', '42', 'JSON body is not an object'],
    ['application/json', '{', 'body is not valid JSON'],
    ['application/json', '', 'body is not valid JSON'],
    [FORM, 'payload=null', 'form payload is not a JSON object'],
    [FORM, 'payload=%5B%5D', 'form payload is not a JSON object'],
    [FORM, 'payload=%7B', 'form payload is not valid JSON'],
    [FORM, 'payload=%7B%7D&payload=%7B%7D', 'form payload given more than once'],
    [FORM, 'text=hello', 'form body is neither an interaction payload, a slash command nor an ssl_check'],
  ])('%s %j → %s', (ct, body, problem) => {
    expect(slackBodyProblem(ct, body)).toBe(problem);
  });
});

describe('bad Slack requests get a 4xx and never reach Bolt; the service keeps serving', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    // Adapters only: a mention is enqueued, nothing generates it.
    svc = await startTestService(testConfig({ ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
    url = `${svc.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
  });

  const signed = (body: string, o: { contentType?: string; ts?: number } = {}) => postSignedToSlackApp(url, SECRET, body, o);
  const tenMb = 'x'.repeat(10 * 1024 * 1024);
  const cases: Array<[string, number, () => Promise<Response>]> = [
    ['JSON null', 400, () => signed('null')],
    ['JSON array', 400, () => signed('[]')],
    ['JSON string', 400, () => signed('"hello"')],
    ['JSON number', 400, () => signed('42')],
    ['invalid JSON', 400, () => signed('{"type":')],
    ['form payload=null', 400, () => signed('payload=null', { contentType: FORM })],
    ['form payload=[]', 400, () => signed('payload=%5B%5D', { contentType: FORM })],
    ['a 10 MB body', 413, () => signed(JSON.stringify({ type: 'event_callback', pad: tenMb }))],
    ['a timestamp 10 minutes in the future', 401, () => signed(slackEventEnvelope({ type: 'app_mention', user: 'U1', text: 'x', ts: '1.1', channel: 'C1' }), { ts: now() + 600 })],
    ['a timestamp 10 years in the future', 401, () => signed(slackEventEnvelope({ type: 'app_mention', user: 'U1', text: 'x', ts: '1.2', channel: 'C1' }), { ts: now() + 10 * 365 * 86_400 })],
    ['a stale timestamp', 401, () => signed(slackEventEnvelope({ type: 'app_mention', user: 'U1', text: 'x', ts: '1.3', channel: 'C1' }), { ts: now() - 600 })],
  ];

  it.each(cases)('%s → %i, and /healthz still answers', async (_name, status, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    const health = await fetch(`${svc.baseUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it('a 10 MB body with no Content-Length (chunked) is cut off at the limit: 413', async () => {
    const body = JSON.stringify({ type: 'event_callback', pad: tenMb });
    const ts = now();
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < body.length; i += 1 << 20) c.enqueue(new TextEncoder().encode(body.slice(i, i + (1 << 20))));
        c.close();
      },
    });
    const res = await fetch(url, {
      method: 'POST', body: stream, duplex: 'half',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await fetch(`${svc.baseUrl}/healthz`)).status).toBe(200);
  });

  it('after all of them, a valid signed mention is still acknowledged and enqueued', async () => {
    const before = await svc.rt.queues.inference.count();
    const ev = { type: 'app_mention', user: 'U123', text: '<@UBOT> why does pump P-101 cavitate?', ts: '1700002000.000001', channel: 'C42', event_ts: '1700002000.000001' };
    const res = await signed(slackEventEnvelope(ev));
    expect(res.status).toBe(200);
    await until(async () => (await svc.rt.queues.inference.count()) === before + 1, 10_000, 'the mention to be enqueued');
  });

  it('a signature over other bytes is still refused by Bolt (the guard hands on the same body)', async () => {
    const res = await postSignedToSlackApp(url, SECRET, slackEventEnvelope({ type: 'app_mention', user: 'U1', text: 'x', ts: '1.4', channel: 'C1' }), { signWith: 'another-secret' });
    expect(res.status).toBe(401);
  });
});

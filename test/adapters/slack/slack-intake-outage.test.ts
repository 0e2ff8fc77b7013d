import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { freePort, hasRedisServer, PrivateRedis } from '../../support/private-redis.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig, uniqueId } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const SECRET = 'outage-secret';
let n = 0;
const mention = (text: string) => {
  const ts = `1700004000.${String(++n).padStart(6, '0')}`;
  return { type: 'app_mention', user: 'U1', text: `<@UBOT> ${text}`, ts, channel: 'C9', event_ts: ts };
};

describe.skipIf(!hasTestModel || !hasRedisServer)('Slack events while Redis is down: never a 200 without a job', () => {
  let redis: PrivateRedis;
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;

  beforeAll(async () => {
    redis = await new PrivateRedis(await freePort(), `/tmp/${uniqueId('r1redis')}`).start();
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({
      REDIS_URL: redis.url, SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LLAMA_MAX_TOKENS: '16', LIVE_UPDATES: 'false', JOB_LOCK_MS: '4000',
    }), db);
    url = `${svc.baseUrl}/slack/events`;
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    await redis?.kill();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  const replies = (ts: string) => fake.calls.filter((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);

  it('answers 5xx while Redis is down, and Slack\'s retry after the restart is answered exactly once', async () => {
    const a = mention('first question');
    expect((await postSignedToSlackApp(url, SECRET, slackEventEnvelope(a))).status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === a.ts, 60_000);

    await redis.kill();
    const b = mention('asked during the outage');
    const body = slackEventEnvelope(b);
    const t0 = Date.now();
    const down = await postSignedToSlackApp(url, SECRET, body);
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(Date.now() - t0).toBeLessThan(3000); // inside Slack's 3 s: Slack sees a failure and retries
    const ready = await fetch(`${svc.baseUrl}/readyz`);
    expect(ready.status).toBe(503);

    await redis.start();
    await expect.poll(async () => (await fetch(`${svc.baseUrl}/readyz`)).status, { timeout: 30_000, interval: 200 }).toBe(200);
    const retried = await postSignedToSlackApp(url, SECRET, body, { retryNum: 1 });
    expect(retried.status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === b.ts, 60_000);
    // A further retry is a duplicate: still one reply each.
    expect((await postSignedToSlackApp(url, SECRET, body, { retryNum: 2 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(replies(a.ts)).toHaveLength(1);
    expect(replies(b.ts)).toHaveLength(1);
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const SECRET = 'auth-secret';

/**
 * Bolt runs auth.test once and keeps a failure: every later event would be acknowledged (200) and
 * dropped before any listener ran. The adapter retries it; until it succeeds, events get 503.
 */
describe('Slack with auth.test failing at start-up (adapters role)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let authCalls = 0;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    // Slack unreachable for the first two calls (start-up and the first retry), then fine.
    fake.responders['auth.test'] = () => (++authCalls <= 2 ? { status: 500, body: { ok: false, error: 'internal_error' } } : { ok: true, user_id: 'UBOT', bot_id: 'B1', team_id: 'T1' });
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({ ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
  });

  it('answers 503 until auth.test succeeds (Slack retries), then admits the event', async () => {
    const ts = '1700009100.000100';
    const post = () => postSignedToSlackApp(`${svc.baseUrl}/slack/events`, SECRET, slackEventEnvelope({ type: 'app_mention', user: 'U1', text: '<@UBOT> hello', ts, channel: 'C1', event_ts: ts }));
    expect((await post()).status).toBe(503);
    const t0 = Date.now();
    let status = 503;
    while (status === 503 && Date.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await post()).status;
    }
    expect(status).toBe(200);
    expect(authCalls).toBe(3);
    // Admitted, not dropped: the intake job is queued.
    const jobs = await svc.rt.queues.intakeFor('slack').getJobs(['waiting', 'active', 'completed', 'prioritized', 'delayed']);
    expect(jobs.map((j) => (j.data as { source?: { eventId?: string } }).source?.eventId ?? j.id).length).toBe(1);
  });
});

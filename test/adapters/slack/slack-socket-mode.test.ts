import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

describe.skipIf(!hasTestModel)('Slack Socket Mode against a local WebSocket server', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    await fake.enableSocketMode();
    db = await createTestPgliteDb(); // the embedded database path, end to end
    svc = await startTestService(testConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-test', SLACK_API_URL: fake.apiUrl }), db);
    await fake.waitForSocket();
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('opens the connection with the app token and answers a mention in its thread, once', async () => {
    const open = fake.callsTo('apps.connections.open')[0];
    expect(open?.auth).toBe('Bearer xapp-test');
    const ts = '1700002000.000100';
    const envelope = (id: string, retry: number) => ({
      envelope_id: id, type: 'events_api', accepts_response_payload: false, retry_attempt: retry, retry_reason: retry ? 'timeout' : '',
      payload: {
        token: 'legacy', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'EvSOCK1', event_time: 1700002000,
        authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
        event: { type: 'app_mention', user: 'U1', text: '<@UBOT> what is a relief valve?', ts, channel: 'C9', event_ts: ts },
      },
    });
    fake.sendEnvelope(envelope('env-1', 0));
    fake.sendEnvelope(envelope('env-2', 1)); // Slack redelivers when an ack is late
    const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.channel === 'C9');
    expect(reply.params.thread_ts).toBe(ts);
    expect(fake.socketAcks.map((a) => a.envelope_id)).toEqual(expect.arrayContaining(['env-1', 'env-2']));
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.callsTo('chat.postMessage').filter((c) => c.params.thread_ts === ts)).toHaveLength(1);
    const { rows } = await db.query<{ status: string }>('SELECT status FROM messages WHERE thread = $1', [ts]);
    expect(rows.map((r) => r.status)).toEqual(['delivered']);
  });

  it('acknowledges an event before admission runs: a slow admission (held access check) does not delay the ack', async () => {
    const policy = svc.rt.policy;
    const check = policy.check.bind(policy);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let admitting = 0;
    policy.check = async (...args) => {
      admitting++;
      await held; // admission reads rules from the database and counts in Redis: here, it hangs
      return check(...args);
    };
    try {
      const ts = '1700002100.000100';
      fake.sendEnvelope({
        envelope_id: 'env-slow', type: 'events_api', accepts_response_payload: false, retry_attempt: 0, retry_reason: '',
        payload: {
          token: 'legacy', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'EvSOCK2', event_time: 1700002100,
          authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
          event: { type: 'app_mention', user: 'U1', text: '<@UBOT> and a gate valve?', ts, channel: 'C9', event_ts: ts },
        },
      });
      const t0 = Date.now();
      const acked = () => fake.socketAcks.some((a) => a.envelope_id === 'env-slow');
      while (!(acked() && admitting === 1) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
      // Acked, and the admission has started but is still held: the ack did not wait for it.
      expect(admitting).toBe(1);
      expect(acked()).toBe(true);
      release();
      const reply = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
      expect(reply.params.channel).toBe('C9');
    } finally {
      release();
      policy.check = check;
    }
  });
});

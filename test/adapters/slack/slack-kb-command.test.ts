import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../../src/index.js';
import { channelKnowledge, ingestPaths } from '../../../src/rag/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { PLANT_A_DIR } from '../../support/rag-fixtures.js';
import { postSignedToSlackApp } from '../../support/slack-signing.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';

const SECRET = 'kb-signing-secret';
const ADMIN = 'UADMIN';

/** A slash command as Slack posts it: form-encoded, signed. */
const slash = (url: string, text: string, user: string, channel = 'C42') =>
  postSignedToSlackApp(url, SECRET, new URLSearchParams({
    token: 'legacy', team_id: 'T1', team_domain: 'plant', channel_id: channel, channel_name: 'line-a', user_id: user, user_name: 'x',
    command: '/kb', text, api_app_id: 'A1', response_url: 'http://127.0.0.1:9/unused', trigger_id: '1.2.3',
  }).toString(), { contentType: 'application/x-www-form-urlencoded' }).then(async (r) => ({ status: r.status, body: (await r.json()) as { response_type: string; text: string } }));

describe('/kb slash command (Slack)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;
  const ch = { platform: 'slack' as const, tenant: 'T1', channel: 'C42' };

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    svc = await startTestService(testConfig({ ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ADMIN_USERS: `slack:${ADMIN},teams:29:other` }), db);
    url = `${svc.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
  });

  it.each(['list', 'attach plant-a', 'detach plant-a', 'web on', ''])('refuses %j from a non-admin, privately, changing nothing', async (text) => {
    const res = await slash(url, text, 'UNOBODY');
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    expect(res.body.text).toMatch(/only knowledge-base admins/);
    expect(await channelKnowledge(db, ch)).toEqual({ scopes: [], webSearch: false, hybridAlpha: null });
  });

  it('lets an admin attach, list and detach a scope by channel id, with an audit trail', async () => {
    const att = await slash(url, 'attach plant-a', ADMIN);
    expect(att.body).toEqual({ response_type: 'in_channel', text: expect.stringMatching(/`plant-a` is now attached/) });
    expect((await channelKnowledge(db, ch)).scopes).toEqual(['plant-a']);
    // Another channel of the same team is unaffected.
    expect((await channelKnowledge(db, { ...ch, channel: 'C99' })).scopes).toEqual([]);

    const again = await slash(url, 'attach plant-a', ADMIN);
    expect(again.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/already attached/) });

    const list = await slash(url, 'list', ADMIN);
    expect(list.body.response_type).toBe('ephemeral');
    expect(list.body.text).toMatch(/Attached to this channel:\* `plant-a`/);
    expect(list.body.text).toMatch(/`plant-a` \(3 documents\)/);

    const det = await slash(url, 'detach plant-a', ADMIN);
    expect(det.body).toMatchObject({ response_type: 'in_channel', text: expect.stringMatching(/no longer attached/) });
    expect((await channelKnowledge(db, ch)).scopes).toEqual([]);

    const audit = await db.query<{ action: string; scope: string; actor: string; channel: string }>('SELECT action, scope, actor, channel FROM kb_audit ORDER BY id');
    expect(audit.rows).toEqual([
      { action: 'attach', scope: 'plant-a', actor: `slack:${ADMIN}`, channel: 'C42' },
      { action: 'detach', scope: 'plant-a', actor: `slack:${ADMIN}`, channel: 'C42' },
    ]);
  });

  it('answers an unknown scope with the known ones, and refuses web search when it is not configured', async () => {
    const res = await slash(url, 'attach plant-z', ADMIN);
    expect(res.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/no scope `plant-z`.*`plant-a`/) });
    const web = await slash(url, 'web on', ADMIN);
    expect(web.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/WEB_SEARCH_URL is unset/) });
    const usage = await slash(url, 'frobnicate', ADMIN);
    expect(usage.body.text).toMatch(/\/kb attach <scope>/);
  });
});

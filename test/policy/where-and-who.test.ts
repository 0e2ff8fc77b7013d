import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addCommandRule, inferenceJobId, migrate, setChannelRule, type Db } from '../../src/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { LocalBotFramework, teamsMessage } from '../support/local-bot-framework.js';
import { postSignedToSlackApp, slackEventEnvelope } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

const SECRET = 'policy-signing-secret';
const TEAMS_CHANNEL = '19:chan@thread.tacv2';
let tsN = 0;
const newTs = () => `1700002000.${String(++tsN).padStart(6, '0')}`;
const by = { actor: 'cli:test', origin: 'cli@test' };

/**
 * Where the bot answers and who may run what, end to end: signed Slack events and slash commands
 * against the local fake Slack, JWT-signed Teams activities against the local Bot Framework, one
 * service (adapters role: admission, intake worker, delivery; no model needed) on real Redis and
 * PostgreSQL. "Answered" here means admitted and handed to inference; answering itself is
 * covered by the end-to-end tests of each surface.
 */
describe('access policy through Slack and Teams', () => {
  let fake: FakeSlack;
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let slackUrl: string;
  let teamsUrl: string;

  beforeAll(async () => {
    [fake, bf, db] = await Promise.all([new FakeSlack().start(), new LocalBotFramework().start(), createTestPgDb()]);
    await migrate(db);
    await setChannelRule(db, { platform: 'slack', tenant: 'T1', channel: 'C42' }, true, by);
    await setChannelRule(db, { platform: 'teams', tenant: 'tenant-1', channel: TEAMS_CHANNEL }, true, by);
    await addCommandRule(db, { command: 'diagnose', platform: 'slack', kind: 'group', principal: 'S0OPS' }, by);
    fake.userGroups.set('S0OPS', ['UOPS']);
    svc = await startTestService(testConfig({
      ...bf.settings(), ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
      SLACK_ALLOWED_TEAMS: 'T1', TEAMS_ALLOWED_TENANTS: 'tenant-1', CHANNEL_POLICY: 'allowlist', ALLOW_DMS: 'false', POLICY_CONTACT: '#it-help', FORGET_ON_DELETE: 'true',
    } as never), db);
    slackUrl = `${svc.baseUrl}/slack/events`;
    teamsUrl = `${svc.baseUrl}/api/messages`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await Promise.all([fake?.close(), bf?.close()]);
  });

  const intakeTotal = async () => {
    const counts = await Promise.all((['slack', 'teams'] as const).map((p) => svc.rt.queues.intakeFor(p).getJobCounts()));
    return counts.flatMap((c) => Object.values(c)).reduce((a, b) => a + b, 0);
  };
  const mention = (team: string, channel: string, thread?: string, type = 'app_mention') => {
    const ts = newTs();
    const event = { type, user: 'U123', text: '<@UBOT> why does P-101 cavitate?', ts, channel, event_ts: ts, ...(thread ? { thread_ts: thread } : {}), ...(type === 'message' ? { channel_type: 'im' } : {}) };
    return { event, post: () => postSignedToSlackApp(slackUrl, SECRET, slackEventEnvelope(event, { teamId: team })) };
  };
  const ephemerals = () => fake.callsTo('chat.postEphemeral');
  const refusals = async () => (await svc.rt.metrics.registry.getSingleMetricAsString('r1_policy_refusals_total'));

  it('a Slack workspace not allowed is refused once per conversation and nothing is queued; an allowed one is answered', async () => {
    const before = await intakeTotal();
    const first = mention('T2', 'C42');
    expect((await first.post()).status).toBe(200);
    const again = mention('T2', 'C42', first.event.ts); // a follow-up in the same thread
    expect((await again.post()).status).toBe(200);
    const other = mention('T2', 'C42'); // a new thread: a new conversation
    expect((await other.post()).status).toBe(200);
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(2));
    expect(ephemerals().map((c) => c.params.text)).toEqual([
      'Sorry, this assistant is not enabled for your workspace or organisation. To get access, ask #it-help.',
      'Sorry, this assistant is not enabled for your workspace or organisation. To get access, ask #it-help.',
    ]);
    expect(await intakeTotal()).toBe(before);
    expect(await refusals()).toMatch(/r1_policy_refusals_total\{platform="slack",reason="tenant"\} 3/);

    const ok = mention('T1', 'C42');
    expect((await ok.post()).status).toBe(200);
    const jobId = inferenceJobId('slack', 'T1', `C42/${ok.event.ts}`);
    await vi.waitFor(async () => expect(await svc.rt.queues.inference.getJob(jobId)).toBeTruthy(), { timeout: 15_000, interval: 50 });
  });

  it('a Teams tenant not allowed is refused once per conversation and nothing is queued; the allowed tenant is answered', async () => {
    const before = await intakeTotal();
    const evil = (rootId?: string) => {
      const a = teamsMessage(bf, { text: 'hello', ...(rootId ? { rootId } : {}) }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a test activity
      a.conversation.tenantId = 'tenant-evil';
      a.channelData.tenant.id = 'tenant-evil';
      return a;
    };
    const first = evil();
    expect((await bf.postActivity(teamsUrl, first)).status).toBe(200);
    expect((await bf.postActivity(teamsUrl, evil(String(first.id)))).status).toBe(200);
    const chain = `${TEAMS_CHANNEL};messageid=${first.id}`;
    const [notice] = await bf.waitForMessages(chain, 1);
    expect(notice!.body!.text).toBe('Sorry, this assistant is not enabled for your workspace or organisation. To get access, ask #it-help.');
    expect(await intakeTotal()).toBe(before);

    const ok = teamsMessage(bf, { text: 'why does P-101 cavitate?' });
    expect((await bf.postActivity(teamsUrl, ok)).status).toBe(200);
    const jobId = inferenceJobId('teams', 'tenant-1', `${TEAMS_CHANNEL}/${ok.id}`);
    await vi.waitFor(async () => expect(await svc.rt.queues.inference.getJob(jobId)).toBeTruthy(), { timeout: 15_000, interval: 50 });
    expect(bf.messagesTo(chain)).toHaveLength(1); // still only the one notice
    expect(await refusals()).toMatch(/r1_policy_refusals_total\{platform="teams",reason="tenant"\} 2/);
  });

  it('allowlist: a mention in a channel not allowed is refused and nothing is queued; DMs are off', async () => {
    const before = await intakeTotal();
    const n = ephemerals().length;
    expect((await mention('T1', 'C99').post()).status).toBe(200);
    expect((await mention('T1', 'D77', undefined, 'message').post()).status).toBe(200);
    await vi.waitFor(() => expect(ephemerals()).toHaveLength(n + 2));
    expect(ephemerals().slice(n).map((c) => [c.params.channel, c.params.text])).toEqual([
      ['C99', "Sorry, I don't answer in this channel. To get access, ask #it-help."],
      ['D77', "Sorry, I don't answer direct messages; please ask in a channel where I'm available. To get access, ask #it-help."],
    ]);
    // Teams: a personal chat is a DM; a channel not on the list is refused.
    const dm = teamsMessage(bf, { text: 'hi', kind: 'personal' });
    expect((await bf.postActivity(teamsUrl, dm)).status).toBe(200);
    const [dmNotice] = await bf.waitForMessages('a:personal-chat-1', 1);
    expect(dmNotice!.body!.text).toMatch(/^Sorry, I don't answer direct messages/);
    expect(await intakeTotal()).toBe(before);
  });

  it('/diagnose is refused privately to a user outside the group, naming POLICY_CONTACT; group members are looked up once and cached', async () => {
    const slash = (user: string) => postSignedToSlackApp(slackUrl, SECRET, new URLSearchParams({
      token: 'legacy', team_id: 'T1', team_domain: 'plant', channel_id: 'C42', channel_name: 'line-a', user_id: user, user_name: 'x',
      command: '/diagnose', text: 'P-101 E-214', api_app_id: 'A1', response_url: 'http://127.0.0.1:9/unused', trigger_id: `${user}.${newTs()}`,
    }).toString(), { contentType: 'application/x-www-form-urlencoded' }).then(async (r) => ({ status: r.status, body: (await r.json()) as { response_type: string; text: string } }));
    const outsider = await slash('UOTHER');
    expect(outsider).toEqual({ status: 200, body: { response_type: 'ephemeral', text: 'Sorry, you are not allowed to use `diagnose`. To get access, ask #it-help.' } });
    const member = await slash('UOPS');
    expect(member.body.response_type).toBe('ephemeral');
    expect(member.body.text).not.toMatch(/not allowed/); // past the policy: the (empty) asset registry answers
    await slash('UOPS');
    const lookups = fake.callsTo('usergroups.users.list');
    expect(lookups).toHaveLength(1);
    expect(lookups[0]!.params).toMatchObject({ usergroup: 'S0OPS', team_id: 'T1' });
    // Membership changes are seen after a refresh (POLICY_GROUP_CACHE_S; here the cache is dropped).
    fake.userGroups.set('S0OPS', ['UOPS', 'UOTHER']);
    svc.rt.policy.invalidate();
    expect((await slash('UOTHER')).body.text).not.toMatch(/not allowed/);
    expect(fake.callsTo('usergroups.users.list')).toHaveLength(2);
  });

  it('FORGET_ON_DELETE: a Slack user_change with deleted: true erases that person (through the maintenance queue)', async () => {
    const seed = (job: string, user: string) => db.query(
      `INSERT INTO messages (job_id, platform, tenant, channel, thread, user_id, question, answer, status) VALUES ($1, 'slack', 'T1', 'C42', $1, $2, 'q', 'a', 'delivered')`, [job, user]);
    await seed('forget-gone', 'UGONE');
    await seed('forget-stays', 'USTAYS');
    const userChange = (deleted: boolean) => postSignedToSlackApp(slackUrl, SECRET, slackEventEnvelope({ type: 'user_change', user: { id: 'UGONE', team_id: 'T1', deleted }, event_ts: newTs() }, { teamId: 'T1' }));
    expect((await userChange(false)).status).toBe(200); // a profile edit: nothing happens
    expect((await userChange(true)).status).toBe(200);
    await vi.waitFor(async () => {
      const { rows } = await db.query<{ job_id: string; user_id: string; question: string | null }>("SELECT job_id, user_id, question FROM messages WHERE job_id LIKE 'forget-%' ORDER BY job_id");
      expect(rows).toEqual([{ job_id: 'forget-gone', user_id: 'erased', question: null }, { job_id: 'forget-stays', user_id: 'USTAYS', question: 'q' }]);
    }, { timeout: 15_000, interval: 50 });
    const audit = await db.query<{ actor: string; details: { messages: number; reason: string } }>("SELECT actor, details FROM audit_log WHERE action = 'erasure.run'");
    expect(audit.rows).toEqual([{ actor: 'slack:event', details: expect.objectContaining({ messages: 1, reason: 'slack user_change deleted' }) }]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFeedback, type Db } from '../../../src/index.js';
import { REASONING_ID } from '../../../adapters/teams/index.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { until } from '../../support/child-service.js';
import { closeTestEngines } from '../../support/test-engine.js';

const CHANNEL = '19:chan@thread.tacv2';
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Card = { type?: string; body: Array<Record<string, unknown>>; actions?: Array<{ data: Record<string, unknown> }> };
const cardOf = (body: Record<string, unknown> | undefined) => (body!.attachments as Array<{ content: Card }>)[0]!.content;
const textOf = (card: Card) => card.body.filter((b) => b.type === 'TextBlock').map((b) => String(b.text)).join('\n');

describe.skipIf(!hasTestModel)('Teams: botbuilder with real JWT validation → queue → proactive reply', () => {
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let botUrl: string;

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    db = await createTestPgDb();
    svc = await startTestService(testConfig({ ...bf.settings(), ADMIN_USERS: 'teams:aad-alice' } as never), db);
    botUrl = `${svc.baseUrl}/api/messages`;
  });
  const totalJobsFor = async (text: string) => (await svc.rt.queues.inference.getJobs(['waiting', 'active', 'completed'])).filter((j) => j.data.text === text).length;
  const totalJobs = async () => Object.values(await svc.rt.queues.inference.getJobCounts()).reduce((a, b) => a + b, 0);
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await bf?.close();
    await closeTestEngines();
  });

  it('answers a channel mention once, in its reply chain, as an Adaptive Card without <think> text', async () => {
    const act = teamsMessage(bf, { text: 'why does pump P-101 cavitate?' });
    const res = await bf.postActivity(botUrl, act);
    expect(res.status).toBe(200);
    const conv = `${CHANNEL};messageid=${act.id}`;
    const [reply] = await bf.waitForMessages(conv, 1);
    expect(reply!.path).toBe(`/teams/v3/conversations/${conv}/activities`);
    expect(reply!.auth).toBe('Bearer local-aad-access-token'); // real MSAL client-credentials flow against the local HTTPS authority
    expect(bf.tokenRequests[0]?.get('grant_type')).toBe('client_credentials');
    const card = cardOf(reply!.body);
    expect(card.type).toBe('AdaptiveCard');
    expect(textOf(card)).not.toMatch(/think>/);
    expect(textOf(card).length).toBeGreaterThan(0);
    expect(reply!.body!.entities).toEqual([{ type: 'https://schema.org/Message', '@type': 'Message', '@context': 'https://schema.org', additionalType: ['AIGeneratedContent'] }]);
    expect(card.actions?.map((a) => a.data.value)).toEqual(['up', 'down']);
    // The typing indicator went into the same chain before the answer.
    expect(bf.calls.some((c) => c.body?.type === 'typing' && c.path.includes(String(act.id)))).toBe(true);
    await settle(500);
    expect(bf.messagesTo(conv)).toHaveLength(1);
    const { rows } = await db.query<{ status: string; thread: string; channel: string; tenant: string }>('SELECT status, thread, channel, tenant FROM messages WHERE thread = $1', [act.id]);
    expect(rows).toEqual([{ status: 'delivered', thread: act.id, channel: CHANNEL, tenant: 'tenant-1' }]);
  });

  it.each([
    ['no token', () => null],
    ['wrong audience', (bf: LocalBotFramework) => bf.token({}, { audience: 'someone-else' })],
    ['wrong issuer', (bf: LocalBotFramework) => bf.token({}, { issuer: 'https://api.botframework.com' })],
    ['expired', (bf: LocalBotFramework) => bf.token({}, { expiresIn: -600 })],
    ['wrong serviceurl', (bf: LocalBotFramework) => bf.token({ serviceurl: 'https://evil.example/' })],
    ['unknown key id', (bf: LocalBotFramework) => bf.token({}, { keyid: 'nope' })],
    ['invalid signature', (bf: LocalBotFramework) => bf.token({}, {}, bf.rogueKey)],
  ])('rejects an activity with %s: 401, nothing enqueued, nothing posted', async (_name, token) => {
    const before = await totalJobs();
    const callsBefore = bf.calls.length;
    const act = teamsMessage(bf, { text: 'must not be answered' });
    const res = await bf.postActivity(botUrl, act, token(bf));
    expect(res.status).toBe(401);
    await settle(200);
    expect(await totalJobs()).toBe(before);
    expect(bf.calls.length).toBe(callsBefore);
  });

  it('the same activity sent again gives one reply', async () => {
    const act = teamsMessage(bf, { text: 'what is NPSH?' });
    for (let i = 0; i < 3; i++) expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    const conv = `${CHANNEL};messageid=${act.id}`;
    await bf.waitForMessages(conv, 1);
    await settle(800);
    expect(bf.messagesTo(conv)).toHaveLength(1);
  });

  it('a follow-up in the reply chain carries the earlier turns and is answered in the chain', async () => {
    const root = teamsMessage(bf, { text: 'the chiller trips on low pressure' });
    await bf.postActivity(botUrl, root);
    const conv = `${CHANNEL};messageid=${root.id}`;
    await bf.waitForMessages(conv, 1);
    const follow = teamsMessage(bf, { text: 'and what next?', rootId: String(root.id) });
    await bf.postActivity(botUrl, follow);
    await bf.waitForMessages(conv, 2);
    const jobs = await svc.rt.queues.inference.getJobs(['completed']);
    const job = jobs.find((j) => j.data.text === 'and what next?');
    expect(job?.data.key.thread).toBe(root.id);
    expect(job?.data.history[0]).toMatchObject({ role: 'user', text: 'the chiller trips on low pressure' });
    expect(job?.data.history[1]?.role).toBe('assistant');
  });

  it('ignores channel messages that do not mention the bot', async () => {
    const before = await svc.rt.queues.inference.getJobCounts();
    const act = teamsMessage(bf, { text: 'just chatting', mention: false });
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    expect(await svc.rt.queues.inference.getJobCounts()).toEqual(before);
  });

  it('answers in a personal chat, in the chat', async () => {
    const act = teamsMessage(bf, { text: 'hello bot', kind: 'personal' });
    await bf.postActivity(botUrl, act);
    const [reply] = await bf.waitForMessages('a:personal-chat-1', 1);
    expect(reply!.path).toBe('/teams/v3/conversations/a:personal-chat-1/activities');
  });

  it('retries a 429 from the connector after Retry-After and posts once', async () => {
    const act = teamsMessage(bf, { text: 'rate limited question', kind: 'groupChat' });
    bf.injected.push({ status: 429, headers: { 'retry-after': '1' } });
    await bf.postActivity(botUrl, act);
    const [reply] = await bf.waitForMessages('19:group@thread.v2', 1);
    expect(reply).toBeDefined();
    expect(bf.calls.filter((c) => c.method.endsWith('#429'))).toHaveLength(1);
    await settle(300);
    expect(bf.messagesTo('19:group@thread.v2')).toHaveLength(1);
  });

  it('a connector 500 after Teams stored the post is not posted again: one activity', async () => {
    const act = teamsMessage(bf, { text: 'stored then failed question', kind: 'groupChat' });
    const before = bf.messagesTo('19:group@thread.v2').length;
    bf.failPostsAfterStore = 1;
    await bf.postActivity(botUrl, act);
    await bf.waitForMessages('19:group@thread.v2', before + 1);
    // The delivery is settled (recorded as delivered, the part marked uncertain), not retried.
    await until(async () => (await db.query<{ delivered_at: Date | null }>("SELECT delivered_at FROM messages WHERE platform = 'teams' AND question LIKE '%stored then failed%'")).rows[0]?.delivered_at != null, 30_000, 'delivery to settle');
    await settle(1500);
    expect(bf.failPostsAfterStore).toBe(0);
    expect(bf.messagesTo('19:group@thread.v2')).toHaveLength(before + 1);
    const { rows } = await db.query<{ reply_ref: { uncertainParts: number[] } }>("SELECT reply_ref FROM messages WHERE platform = 'teams' AND question LIKE '%stored then failed%'");
    expect(rows[0]!.reply_ref.uncertainParts).toEqual([0]);
  });

  it('`kb` bot command: admins list and attach scopes for this channel; others are refused', async () => {
    // In-turn replies go to replyToActivity on the post itself.
    const repliesTo = (a: Record<string, unknown>) => bf.calls.filter((c) => c.method === 'POST' && c.path === `/teams/v3/conversations/${CHANNEL}/activities/${a.id}` && c.body?.type === 'message');
    const denied = teamsMessage(bf, { text: 'kb attach plant-a', user: 'mallory' });
    await bf.postActivity(botUrl, denied);
    expect(String(repliesTo(denied)[0]?.body?.text)).toMatch(/only knowledge-base admins/);
    const attach = teamsMessage(bf, { text: 'kb attach no-such-scope' });
    await bf.postActivity(botUrl, attach);
    expect(String(repliesTo(attach)[0]?.body?.text)).toMatch(/There is no scope `no-such-scope`/);
    const { rows } = await db.query('SELECT * FROM kb_bindings');
    expect(rows).toHaveLength(0);
    const list = teamsMessage(bf, { text: 'kb list' });
    await bf.postActivity(botUrl, list);
    expect(repliesTo(list)).toHaveLength(1);
    expect(await totalJobsFor('kb list')).toBe(0); // a command, not a question
  });

  it('stores 👍/👎 feedback against the answer', async () => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM messages WHERE status = 'delivered' ORDER BY id LIMIT 1`);
    const messageId = String(rows[0]!.id);
    const act = teamsMessage(bf, { text: '', mention: false, value: { r1: 'feedback', messageId, value: 'down' } });
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    expect(await listFeedback(db, messageId)).toEqual([{ userId: 'aad-alice', value: 'down' }]);
  });
});

describe('Teams answer card', () => {
  it('puts the reasoning behind a "Show reasoning" toggle, and sources under the answer', async () => {
    const { answerCard } = await import('../../../adapters/teams/index.js');
    const card = answerCard({
      messageId: '7', key: { platform: 'teams', tenant: 't', channel: 'c', thread: 'r' }, status: 'answered',
      answer: 'Check the suction strainer [1].', reasoning: 'The user asks about cavitation; low NPSH.', reply: {},
      sources: [{ n: 1, title: 'P-101 manual', source: 'pumps/p101.pdf', section: 'Cavitation' }],
    }, { text: 'Check the suction strainer [1].', first: true }) as unknown as Card;
    const toggle = card.body.find((b) => b.type === 'ActionSet') as { actions: Array<{ type: string; title: string; targetElements: string[] }> };
    expect(toggle.actions[0]).toEqual({ type: 'Action.ToggleVisibility', title: 'Show reasoning', targetElements: [REASONING_ID] });
    const hidden = card.body.find((b) => b.id === REASONING_ID) as { isVisible: boolean; items: Array<{ text: string }> };
    expect(hidden.isVisible).toBe(false);
    expect(hidden.items[0]!.text).toBe('The user asks about cavitation; low NPSH.');
    expect(textOf(card)).not.toContain('low NPSH');
    expect(textOf(card)).toContain('[1] P-101 manual — Cavitation (pumps/p101.pdf)');
  });
});

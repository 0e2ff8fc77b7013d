import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishMessage, listFeedback, startMessage, type Db } from '../../../src/index.js';
import { answerCard } from '../../../adapters/teams/index.js';
import { adaptiveCardIssues } from '../../support/adaptive-card.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { startServiceFixture, type ServiceFixture } from '../../support/service-fixture.js';
import { uniqueId } from '../../support/test-config.js';

const CHANNEL = '19:chan@thread.tacv2';
type Card = { body: Array<Record<string, unknown>>; actions?: Array<{ type: string; title: string; data: Record<string, unknown> }> };

describe('Teams: 👍/👎 card actions and the "What would have been right?" card (real JWT validation, local Bot Framework)', () => {
  let bf: LocalBotFramework;
  let fx: ServiceFixture;
  let db: Db;
  let botUrl: string;

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    fx = await startServiceFixture({ ...bf.settings(), ROLE: 'adapters' }, { migrate: true });
    db = fx.db;
    botUrl = `${fx.svc.baseUrl}/api/messages`;
  });
  afterAll(async () => {
    await fx?.close();
    await bf?.close();
  });

  async function answer(): Promise<string> {
    const row = await startMessage(db, { jobId: uniqueId('tfb'), key: { platform: 'teams', tenant: 'tenant-1', channel: CHANNEL, thread: uniqueId('root') }, userId: 'aad-bob', kind: 'channel', question: 'q' });
    await finishMessage(db, row.id, { answer: 'a', reasoning: '', status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
    return row.id;
  }
  /** In-turn replies go to replyToActivity on the submitting activity itself. */
  const repliesTo = (a: Record<string, unknown>) => bf.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/activities/${String(a.id)}`) && c.body?.type === 'message');

  it('the answer card keeps its 👍/👎 actions', () => {
    const card = answerCard({ messageId: '7', key: { platform: 'teams', tenant: 't', channel: 'c', thread: 'r' }, status: 'answered', answer: 'x', reasoning: '', reply: {} }, { text: 'x', first: true }) as unknown as Card;
    expect(card.actions!.map((a) => a.data)).toEqual([{ r1: 'feedback', messageId: '7', value: 'up' }, { r1: 'feedback', messageId: '7', value: 'down' }]);
  });

  it('👍 then 👎: one vote, the last counts; 👎 answers with a card asking what would have been right; its submit stores the correction', async () => {
    const messageId = await answer();
    const vote = (value: string, user?: string) => teamsMessage(bf, { text: '', mention: false, user, value: { r1: 'feedback', messageId, value } });
    const up = vote('up');
    expect((await bf.postActivity(botUrl, up)).status).toBe(200);
    expect(repliesTo(up)).toHaveLength(0);
    const down = vote('down');
    expect((await bf.postActivity(botUrl, down)).status).toBe(200);
    expect(await listFeedback(db, messageId)).toEqual([{ userId: 'aad-alice', value: 'down' }]);
    const [ask] = repliesTo(down);
    const card = (ask!.body!.attachments as Array<{ contentType: string; content: Card }>)[0]!;
    expect(card.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(adaptiveCardIssues(card.content)).toEqual([]);
    expect(card.content.body.find((b) => b.type === 'Input.Text')).toMatchObject({ id: 'correction', isMultiline: true });
    expect(card.content.actions).toEqual([{ type: 'Action.Submit', title: 'Send', data: { r1: 'correction', messageId } }]);

    // Teams merges the inputs into the submit's data.
    const submit = teamsMessage(bf, { text: '', mention: false, value: { r1: 'correction', messageId, correction: 'Re-align the coupling to 0.05 mm.' } });
    expect((await bf.postActivity(botUrl, submit)).status).toBe(200);
    expect(await listFeedback(db, messageId)).toEqual([{ userId: 'aad-alice', value: 'down', correction: 'Re-align the coupling to 0.05 mm.' }]);
    expect(repliesTo(submit)[0]!.body!.text).toBe('Thanks — your correction is saved with the answer.');

    const empty = teamsMessage(bf, { text: '', mention: false, value: { r1: 'correction', messageId, correction: ' ' } });
    await bf.postActivity(botUrl, empty);
    expect(repliesTo(empty)[0]!.body!.text).toBe('The correction was empty, so nothing was saved.');
    expect((await listFeedback(db, messageId))[0]!.correction).toBe('Re-align the coupling to 0.05 mm.');
  });

  it('a vote from another tenant changes nothing', async () => {
    const messageId = await answer();
    const act = teamsMessage(bf, { text: '', mention: false, value: { r1: 'feedback', messageId, value: 'down' } });
    const other = { ...act, conversation: { ...(act.conversation as object), tenantId: 'tenant-2' }, channelData: { tenant: { id: 'tenant-2' } } };
    expect((await bf.postActivity(botUrl, other)).status).toBe(200);
    expect(await listFeedback(db, messageId)).toEqual([]);
    expect(repliesTo(other)).toHaveLength(0);
  });
});

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishMessage, listFeedback, migrate, startMessage, type ConversationKey, type Db, type OutgoingReply } from '../../../src/index.js';
import { SlackReplySink, slackClientOptions } from '../../../adapters/slack/index.js';
import {
  CORRECTION_BLOCK_ID, CORRECTION_CALLBACK_ID, CORRECTION_INPUT_ID, FEEDBACK_ACTION_ID, feedbackValue,
} from '../../../adapters/slack/feedback/feedback-blocks.js';
import { FakeSlack, type SlackCall } from '../../support/fake-slack.js';
import { postButtonPress, postViewSubmission } from '../../support/slack-interactions.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig, uniqueId } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';

const SECRET = 'feedback-signing-secret';
type Block = { type: string; block_id?: string; elements?: Array<Record<string, unknown>> };
const blocksOf = (c: SlackCall) => (c.params.blocks as Block[] | undefined) ?? [];

/** A chat answer in the message log, as the inference worker leaves it. */
async function answer(db: Db, key: ConversationKey): Promise<string> {
  const row = await startMessage(db, { jobId: uniqueId('sfb'), key, userId: 'U9', kind: 'chat', question: 'Why does P-101 vibrate?' });
  await finishMessage(db, row.id, { answer: 'Check the coupling alignment.', reasoning: '', status: 'answered', modelSha256: null, promptTokens: 3, completionTokens: 4, timings: {} });
  return row.id;
}

const reply = (messageId: string, key: ConversationKey, over: Partial<OutgoingReply<never>> = {}): OutgoingReply<never> => ({
  messageId, key, status: 'answered', answer: 'Check the coupling alignment.', reasoning: '', reply: { channel: key.channel, thread_ts: key.thread }, ...over,
});

describe('Slack: 👍/👎 on every chat answer, and the correction modal (signed requests, local Slack)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;
  let sink: SlackReplySink;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    // The adapters role: Bolt's interactivity endpoint, no model.
    svc = await startTestService(testConfig({ ROLE: 'adapters', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl }), db);
    url = `${svc.baseUrl}/slack/events`;
    sink = new SlackReplySink(new WebClient('xoxb-test', slackClientOptions(fake.apiUrl)));
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
  });

  it('an answer carries Slack\'s feedback element (context_actions › feedback_buttons) under the text; a failure notice does not', async () => {
    const key: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'C42', thread: '1700000000.000100' };
    const id = await answer(db, key);
    await sink.deliver(reply(id, key));
    const post = fake.callsTo('chat.postMessage').at(-1)!;
    const blocks = blocksOf(post);
    expect(blocks[0]!.type).toBe('markdown');
    expect(blocks.at(-1)).toEqual({
      type: 'context_actions', block_id: `r1_feedback_${id}`,
      elements: [{
        type: 'feedback_buttons', action_id: FEEDBACK_ACTION_ID,
        positive_button: { text: { type: 'plain_text', text: 'Good answer' }, value: `up:${id}`, accessibility_label: 'Mark this answer as good' },
        negative_button: { text: { type: 'plain_text', text: 'Bad answer' }, value: `down:${id}`, accessibility_label: 'Mark this answer as bad' },
      }],
    });
    await sink.deliver(reply(id, { ...key, thread: '1700000000.000200' }, { status: 'failed', error: 'Sorry.' }));
    expect(blocksOf(fake.callsTo('chat.postMessage').at(-1)!).map((b) => b.type)).toEqual(['markdown']);
  });

  it('a workspace that rejects the block (invalid_blocks) gets two plain buttons, and keeps getting them without a refused call; other workspaces keep the element', async () => {
    fake.rejectBlockTypes.add('context_actions');
    try {
      const key: ConversationKey = { platform: 'slack', tenant: 'TOLD', channel: 'C43', thread: '1700000000.000300' };
      const before = fake.calls.length;
      await sink.deliver(reply(await answer(db, key), key));
      await sink.deliver(reply(await answer(db, key), { ...key, thread: '1700000000.000400' }));
      const posts = fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
      // One refused attempt (answered ok:false, storing nothing), then plain buttons for both answers.
      expect(posts.map((c) => blocksOf(c).at(-1)!.type)).toEqual(['context_actions', 'actions', 'actions']);
      expect(fake.botRepliesIn('1700000000.000300')).toHaveLength(1);
      const buttons = blocksOf(posts[1]!).at(-1)!.elements!;
      expect(buttons.map((b) => [b.type, b.action_id, (b.text as { text: string }).text])).toEqual([['button', `${FEEDBACK_ACTION_ID}_up`, '👍'], ['button', `${FEEDBACK_ACTION_ID}_down`, '👎']]);
    } finally {
      fake.rejectBlockTypes.clear();
    }
    // Remembered per workspace: another workspace keeps Slack's feedback element, the refusing one its plain buttons.
    const other: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'C42', thread: '1700000000.000450' };
    await sink.deliver(reply(await answer(db, other), other));
    expect(blocksOf(fake.callsTo('chat.postMessage').at(-1)!).at(-1)!.type).toBe('context_actions');
    const old: ConversationKey = { platform: 'slack', tenant: 'TOLD', channel: 'C43', thread: '1700000000.000460' };
    await sink.deliver(reply(await answer(db, old), old));
    expect(blocksOf(fake.callsTo('chat.postMessage').at(-1)!).at(-1)!.type).toBe('actions');
  });

  it('👍 then 👎 by one user: one vote, the last counts; 👎 opens "What would have been right?", whose submission is stored with the answer', async () => {
    const key: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'C42', thread: '1700000000.000500' };
    const id = await answer(db, key);
    const press = (value: string, o: { actionId?: string; actionType?: string; user?: string; team?: string; triggerId?: string } = {}) => postButtonPress(url, SECRET, {
      actionId: o.actionId ?? FEEDBACK_ACTION_ID, actionType: o.actionType ?? 'feedback_buttons', value, channel: 'C42',
      messageTs: '1700000000.000600', threadTs: key.thread, user: o.user, team: o.team, triggerId: o.triggerId,
    });
    expect((await press(feedbackValue('up', id))).status).toBe(200);
    expect(await listFeedback(db, id)).toEqual([{ userId: 'U123', value: 'up' }]);
    expect(fake.callsTo('chat.postEphemeral').at(-1)!.params).toMatchObject({ channel: 'C42', user: 'U123', thread_ts: key.thread, text: 'Thanks — your 👍 is recorded.' });

    const viewsBefore = fake.views.length;
    expect((await press(feedbackValue('down', id), { triggerId: '123.456.abc' })).status).toBe(200);
    expect(await listFeedback(db, id)).toEqual([{ userId: 'U123', value: 'down' }]);
    expect(fake.views).toHaveLength(viewsBefore + 1);
    const { trigger_id, view } = fake.views.at(-1)!;
    expect(trigger_id).toBe('123.456.abc');
    expect(view.callback_id).toBe(CORRECTION_CALLBACK_ID);
    expect(JSON.stringify(view.blocks)).toContain('What would have been right?');

    // An empty submission keeps the modal open with an error under the input.
    const empty = await postViewSubmission(url, SECRET, { callbackId: CORRECTION_CALLBACK_ID, privateMetadata: String(view.private_metadata), values: { [CORRECTION_BLOCK_ID]: { [CORRECTION_INPUT_ID]: '   ' } } });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ response_action: 'errors', errors: { [CORRECTION_BLOCK_ID]: 'Please write what the right answer would have been.' } });

    const sent = await postViewSubmission(url, SECRET, {
      callbackId: CORRECTION_CALLBACK_ID, privateMetadata: String(view.private_metadata),
      values: { [CORRECTION_BLOCK_ID]: { [CORRECTION_INPUT_ID]: 'Replace the worn coupling insert, then re-align to 0.05 mm.' } },
    });
    expect(sent.status).toBe(200);
    expect(await listFeedback(db, id)).toEqual([{ userId: 'U123', value: 'down', correction: 'Replace the worn coupling insert, then re-align to 0.05 mm.' }]);
    expect(fake.callsTo('chat.postEphemeral').at(-1)!.params).toMatchObject({ channel: 'C42', user: 'U123', thread_ts: key.thread, text: 'Thanks — your correction is saved with the answer.' });

    // The plain-button fallback lands the same way; another user's vote is their own.
    expect((await press(feedbackValue('up', id), { actionId: `${FEEDBACK_ACTION_ID}_up`, actionType: 'button', user: 'U777' })).status).toBe(200);
    expect(await listFeedback(db, id)).toEqual([
      { userId: 'U123', value: 'down', correction: 'Replace the worn coupling insert, then re-align to 0.05 mm.' },
      { userId: 'U777', value: 'up' },
    ]);
  });

  it('a vote from another workspace, or on a value that is not ours, changes nothing', async () => {
    const key: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'C42', thread: '1700000000.000700' };
    const id = await answer(db, key);
    const viewsBefore = fake.views.length;
    await postButtonPress(url, SECRET, { actionId: FEEDBACK_ACTION_ID, actionType: 'feedback_buttons', value: feedbackValue('down', id), channel: 'C42', messageTs: '1.2', team: 'T2' });
    await postButtonPress(url, SECRET, { actionId: FEEDBACK_ACTION_ID, actionType: 'feedback_buttons', value: `sideways:${id}`, channel: 'C42', messageTs: '1.2' });
    expect(await listFeedback(db, id)).toEqual([]);
    expect(fake.views).toHaveLength(viewsBefore);
    expect(fake.callsTo('chat.postEphemeral').at(-1)!.params.text).toBe('I cannot find this answer any more, so the vote was not recorded.');
  });
});

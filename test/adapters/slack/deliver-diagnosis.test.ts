import type { SlackLiveState } from '../../../adapters/slack/live/slack-live-state.js';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingReply } from '../../../src/index.js';
import { SlackReplySink } from '../../../adapters/slack/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { sampleDiagnosisView } from '../../support/diagnosis-fixtures.js';

describe('SlackReplySink: a diagnosis is delivered once, as a thread root plus the result in its thread', () => {
  let fake: FakeSlack;
  let sink: SlackReplySink;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    // conversations.history as Slack answers it: channel-level messages, newest first, metadata on request.
    fake.responders['conversations.history'] = (p) => ({
      ok: true,
      messages: fake.messages.filter((m) => m.channel === p.channel && m.thread_ts === undefined).reverse().map((m) => (p.include_all_metadata ? m : { ...m, metadata: undefined })),
      has_more: false,
    });
    sink = new SlackReplySink(new WebClient('xoxb-test', { slackApiUrl: fake.apiUrl }));
  });
  beforeEach(() => {
    fake.messages.length = 0;
    fake.calls.length = 0;
  });
  afterAll(async () => fake?.close());

  const reply = (over: Partial<OutgoingReply<SlackLiveState>> = {}): OutgoingReply<SlackLiveState> => ({
    messageId: '7', key: { platform: 'slack', tenant: 'T1', channel: 'C5', thread: 'diagnose-x' }, status: 'answered',
    answer: '**P-101** …\n\n**Probable causes**\n1. Coupling', reasoning: '', reply: { channel: 'C5' },
    structured: { kind: 'diagnosis', data: sampleDiagnosisView() }, ...over,
  });

  it('posts the root in the channel, then the result in its thread, and reports where', async () => {
    const ref = await sink.deliver(reply());
    const posts = fake.callsTo('chat.postMessage');
    expect(posts.map((c) => [c.params.channel, c.params.thread_ts])).toEqual([['C5', undefined], ['C5', ref.thread_ts]]);
    expect(ref).toEqual({ channel: 'C5', thread_ts: fake.messages[0]!.ts, ts: [fake.messages[1]!.ts] });
    expect(posts[1]!.params.text).toBe('*P-101* …\n\n*Probable causes*\n1. Coupling');
    expect(fake.callsTo('conversations.history')).toHaveLength(0); // a first attempt never looks
  });

  it('after a crash between the two posts, a retry reuses the root instead of opening a second thread', async () => {
    const r = reply();
    await sink.deliver(r);
    fake.messages.pop(); // as if the result post never happened
    const ref = await sink.deliver({ ...r, previousAttempts: 1 });
    const roots = fake.messages.filter((m) => m.thread_ts === undefined);
    expect(roots).toHaveLength(1);
    expect(ref.thread_ts).toBe(roots[0]!.ts);
    expect(fake.messages.filter((m) => m.thread_ts === roots[0]!.ts)).toHaveLength(1);
  });

  it('findExisting recovers both posts of an earlier attempt, and nothing for another message', async () => {
    const first = await sink.deliver(reply());
    expect(await sink.findExisting!({ ...reply(), previousAttempts: 1 })).toEqual({ ...first, recovered: true });
    expect(await sink.findExisting!({ ...reply({ messageId: '8' }), previousAttempts: 1 })).toBeNull();
  });

  it('a failed diagnosis still opens its thread, with the error text and no buttons', async () => {
    await sink.deliver(reply({ status: 'failed', error: 'Sorry, generation failed.', structured: { kind: 'diagnosis', data: sampleDiagnosisView({ result: null }) } }));
    const [, result] = fake.callsTo('chat.postMessage');
    expect(result!.params.text).toBe('Sorry, generation failed.');
    expect(result!.params.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Sorry, generation failed.' } }]);
  });

  it('refuses a diagnosis reply that does not match the view schema (a contract bug, not a silent misroute)', async () => {
    await expect(sink.deliver(reply({ structured: { kind: 'diagnosis', data: { nope: true } } }))).rejects.toThrow(/does not match the view schema/);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(0);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getMessagePrompt, inferenceJobId, type Db } from '../../../src/index.js';
import { LocalBotFramework, teamsMessage, type ConnectorCall } from '../../support/local-bot-framework.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const PERSONAL = 'a:personal-chat-1';
// 1:1 chats of their own: Teams' earlier turns come from the message log into the prompt, and the
// first test's 1,600-token answer as history fills the 2,048-token context, so every token after it
// costs a context shift (about ten times slower: ~57 s on a quiet machine, past 90 s under load).
const EXPIRY_CHAT = 'a:personal-chat-expiry';
const STOP_CHAT = 'a:personal-chat-stop';
const CHANNEL = '19:chan@thread.tacv2';
const MAX_TOKENS = 1600;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Card = { body: Array<Record<string, unknown>>; actions?: Array<{ data: Record<string, unknown> }> };
const cardOf = (c: ConnectorCall) => (c.body!.attachments as Array<{ content: Card }>)[0]!.content;
const cardText = (c: ConnectorCall) => String(cardOf(c).body[0]!.text);
const streamInfoOf = (c: ConnectorCall) => (c.body?.entities as Array<Record<string, unknown>> | undefined)?.find((e) => e.type === 'streaminfo');

describe.skipIf(!hasTestModel)('live answers in Teams', () => {
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let botUrl: string;

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    db = await createTestPgliteDb();
    svc = await startTestService(testConfig({
      ...bf.settings(), LIVE_UPDATES: 'true', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: String(MAX_TOKENS),
    } as never), db);
    botUrl = `${svc.baseUrl}/api/messages`;
  });
  beforeEach(() => {
    bf.expireStreamsAfter = undefined;
    bf.cancelStreamsAfter = undefined;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await bf?.close();
    await closeTestEngines();
  });

  /** Sends a question; returns its activity, job id and the index of the first call it caused. */
  const ask = async (o: Parameters<typeof teamsMessage>[1]) => {
    const act = teamsMessage(bf, o);
    const from = bf.calls.length;
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    const conv = act.conversation as { id: string };
    return { act, from, jobId: inferenceJobId('teams', 'tenant-1', `${conv.id}/${String(act.id)}`) };
  };
  const delivered = async (jobId: string, ms = 90_000) => {
    const t0 = Date.now();
    for (;;) {
      const { rows } = await db.query<{ id: string; answer: string; status: string; completion_tokens: number; reply_ref: Record<string, unknown> }>(
        'SELECT id, answer, status, completion_tokens, reply_ref FROM messages WHERE job_id = $1 AND delivered_at IS NOT NULL', [jobId]);
      if (rows[0]) return rows[0];
      if (Date.now() - t0 > ms) throw new Error(`timeout waiting for the delivery of ${jobId}`);
      await settle(100);
    }
  };
  const streamsSince = (from: number, chat = PERSONAL) => bf.streamsIn(chat).filter((s) => s.firstCall >= from);
  const finalsSince = (from: number) => bf.calls.slice(from).filter((c) => c.method === 'POST' && streamInfoOf(c)?.streamType === 'final');
  const postsSince = (from: number, conv: string) => bf.calls.slice(from).filter((c) => c.method === 'POST' && c.path === `/teams/v3/conversations/${conv}/activities` && c.body?.type === 'message');

  it('1:1 chat: informative status, cumulative streaming updates, one final message that is the stored answer', async () => {
    const { from, jobId } = await ask({ text: 'tell me a long story about the boiler', kind: 'personal' });
    const row = await delivered(jobId);
    expect(row.status).toBe('delivered');
    const streams = streamsSince(from);
    expect(streams).toHaveLength(1);
    const [s] = streams;
    // Every stream post went to this 1:1 conversation.
    const posts = bf.calls.slice(from).filter((c) => streamInfoOf(c));
    for (const c of posts) expect(c.path).toBe(`/teams/v3/conversations/${PERSONAL}/activities`);
    expect(s!.posts[0]!.streamType).toBe('informative');
    expect(s!.posts[0]!.text).toMatch(/Queued|Thinking/);
    const streaming = s!.posts.filter((p) => p.streamType === 'streaming');
    expect(streaming.length).toBeGreaterThanOrEqual(2);
    const seqs = s!.posts.filter((p) => p.seq !== undefined).map((p) => p.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    for (const p of streaming) expect(row.answer.startsWith(p.text)).toBe(true);
    expect(streaming.at(-1)!.text.length).toBeGreaterThan(streaming[0]!.text.length);
    // Exactly one final, with the stream's id, holding the stored answer.
    const finals = finalsSince(from);
    expect(finals).toHaveLength(1);
    expect(streamInfoOf(finals[0]!)).toEqual({ type: 'streaminfo', streamId: s!.id, streamType: 'final' });
    expect(finals[0]!.body!.text).toBe(row.answer);
    expect(s!.state).toBe('final');
    // Nothing else was posted as a message: no second copy.
    await settle(500);
    expect(postsSince(from, PERSONAL)).toHaveLength(1);
    expect(row.reply_ref.activityIds).toEqual([s!.id]);
  }, 120_000);

  it('1:1 chat: a stream Teams expires mid-answer continues in a follow-up stream, nothing lost or doubled', async () => {
    bf.expireStreamsAfter = 1;
    const { from, jobId } = await ask({ text: 'tell me a very long story about the pump', kind: 'personal', chat: EXPIRY_CHAT });
    const row = await delivered(jobId);
    // No earlier turns in the prompt: the generation time does not depend on the tests before.
    expect((await getMessagePrompt(db, String(row.id)))!.messages.filter((m) => m.role !== 'system')).toHaveLength(1);
    const streams = streamsSince(from, EXPIRY_CHAT).filter((s) => s.posts.some((p) => p.streamType === 'streaming'));
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams[0]!.state).toBe('expired');
    // What each answer activity ends up holding: the final message, or the in-place update of an expired stream.
    const texts = streams.map((s) => {
      const put = bf.updatesOf(s.id).at(-1);
      return s.state === 'final' ? s.text : String(put?.body?.text ?? s.text);
    });
    expect(texts.join('')).toBe(row.answer);
    for (const t of texts) expect(t.length).toBeGreaterThan(0);
    // Only the last stream was closed by the final delivery; no message besides the streams' own.
    const ids = new Set(streams.map((s) => s.id));
    for (const c of postsSince(from, EXPIRY_CHAT)) expect(ids.has(String(streamInfoOf(c)?.streamId))).toBe(true);
  }, 120_000);

  it('channel: one live card in the reply chain, updated in place, the last update is the final answer card', async () => {
    const { act, from, jobId } = await ask({ text: 'tell me a long story about the chiller' });
    const conv = `${CHANNEL};messageid=${act.id}`;
    const row = await delivered(jobId);
    const posts = postsSince(from, conv);
    expect(posts).toHaveLength(1);
    expect(cardText(posts[0]!)).toMatch(/Queued|Thinking|Answering/);
    expect(cardOf(posts[0]!).actions?.[0]?.data).toEqual({ r1: 'stop', jobId });
    const cardId = String(row.reply_ref.activityIds && (row.reply_ref.activityIds as string[])[0]);
    const ups = bf.updatesOf(cardId).filter((c) => c.path === `/teams/v3/conversations/${conv}/activities/${cardId}`);
    expect(ups.length).toBeGreaterThanOrEqual(3);
    const streamed = ups.map(cardText).filter((t) => t.endsWith(' ▍')).map((t) => t.slice(0, -2));
    expect(streamed.length).toBeGreaterThanOrEqual(1);
    for (const s of streamed) expect(row.answer.startsWith(s.trimEnd())).toBe(true);
    // Live updates of the card keep Teams' pace: at least ~1.5 s apart.
    const live = [posts[0]!, ...ups.filter((c) => cardOf(c).actions?.[0]?.data.r1 === 'stop')];
    for (let i = 1; i < live.length; i++) expect(live[i]!.at! - live[i - 1]!.at!).toBeGreaterThanOrEqual(1400);
    const last = ups.at(-1)!;
    expect(cardText(last)).toBe(row.answer);
    expect(cardOf(last).actions?.map((a) => a.data.value)).toEqual(['up', 'down']);
    expect(last.body!.entities).toEqual([expect.objectContaining({ additionalType: ['AIGeneratedContent'] })]);
    await settle(500);
    expect(postsSince(from, conv)).toHaveLength(1);
  }, 120_000);

  it('Stop on the live card aborts generation and the reply is marked stopped', async () => {
    const { from, jobId } = await ask({ text: 'a very long story about the compressor', kind: 'groupChat' });
    const conv = '19:group@thread.v2';
    // Wait until the answer streams into the card, then press its Stop button.
    const t0 = Date.now();
    let cardId = '';
    for (;;) {
      const up = bf.calls.slice(from).find((c) => c.method === 'PUT' && c.path.startsWith(`/teams/v3/conversations/${conv}/activities/`) && cardText(c).endsWith('▍'));
      if (up) {
        cardId = up.path.split('/').at(-1)!;
        break;
      }
      if (Date.now() - t0 > 60_000) throw new Error('the answer never streamed into the card');
      await settle(20);
    }
    const stop = teamsMessage(bf, { text: '', kind: 'groupChat', mention: false, value: { r1: 'stop', jobId } });
    expect((await bf.postActivity(botUrl, { ...stop, replyToId: cardId })).status).toBe(200);
    const row = await delivered(jobId);
    expect(row.status).toBe('stopped');
    expect(Number(row.completion_tokens)).toBeLessThan(MAX_TOKENS);
    const last = bf.updatesOf(cardId).at(-1)!;
    expect(cardText(last)).toBe(`${row.answer}\n\n_(stopped)_`);
    expect(postsSince(from, conv)).toHaveLength(1);
  }, 120_000);

  it('a question waiting behind another shows its queue position; Stop from another conversation is ignored', async () => {
    const { from, jobId } = await ask({ text: 'one more story about the boiler', kind: 'groupChat' });
    const second = await ask({ text: 'and a story about the fan' });
    const forged = teamsMessage(bf, { text: '', kind: 'channel', mention: false, value: { r1: 'stop', jobId } });
    expect((await bf.postActivity(botUrl, forged)).status).toBe(200);
    const row = await delivered(jobId);
    expect(row.status).toBe('delivered');
    expect(postsSince(from, '19:group@thread.v2')).toHaveLength(1);
    // The second question's card showed where it waited, before it was answered.
    const conv = `${CHANNEL};messageid=${second.act.id}`;
    const secondRow = await delivered(second.jobId);
    const shown = bf.calls.slice(second.from).filter((c) => c.path.startsWith(`/teams/v3/conversations/${conv}/activities`) && c.body?.attachments).map(cardText);
    expect(shown.some((t) => /^⏳ Queued — position 1(, about \d+ s)?$/.test(t))).toBe(true);
    expect(shown.at(-1)).toBe(secondRow.answer);
  }, 120_000);

  it('1:1 chat: Teams\' own Stop button on the stream cancels the job', async () => {
    bf.cancelStreamsAfter = 1;
    const { from, jobId } = await ask({ text: 'tell me a long story about the valve', kind: 'personal', chat: STOP_CHAT });
    const row = await delivered(jobId);
    expect(row.status).toBe('stopped');
    expect(Number(row.completion_tokens)).toBeLessThan(MAX_TOKENS);
    const [s] = streamsSince(from, STOP_CHAT);
    expect(s!.state).toBe('cancelled');
    // The stopped answer replaced the stream's text in place; nothing was posted twice.
    expect(String(bf.updatesOf(s!.id).at(-1)?.body?.text)).toBe(row.answer ? `${row.answer}\n\n_(stopped)_` : '⏹ _(stopped before answering)_');
    expect(postsSince(from, STOP_CHAT).filter((c) => !streamInfoOf(c))).toHaveLength(0);
  }, 120_000);
});

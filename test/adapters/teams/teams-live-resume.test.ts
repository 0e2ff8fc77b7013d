import type { TeamsLiveState } from '../../../adapters/teams/live/teams-live-state.js';
import { CloudAdapter } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, createRedis, emptyView, liveStateStore, type LiveRelayJob, type LiveView, type OutgoingReply } from '../../../src/index.js';
import { createTeamsAuthentication, TeamsReplySink } from '../../../adapters/teams/index.js';
import { createTeamsLiveSurface } from '../../../adapters/teams/live/create-teams-live-surface.js';
import { allowStreamInfoEntityFields } from '../../../adapters/teams/live/stream-entity-serialization.js';
import { LocalBotFramework } from '../../support/local-bot-framework.js';
import { testConfig, TEST_REDIS_URL, uniqueId } from '../../support/test-config.js';

const PERSONAL = 'a:personal-chat-1';
const CHANNEL_THREAD = '19:chan@thread.tacv2;messageid=1700000099999';

/**
 * The surface and the sink against the local Bot Framework, without the model: a relay that
 * resumes in another process (a new surface over the same state) continues the same stream or
 * card, and a retried delivery edits instead of posting again.
 */
describe('Teams live state: resume and retry', () => {
  let bf: LocalBotFramework;
  let adapter: CloudAdapter;
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1teamslive');
  const log = createLogger({ level: 'silent' });
  let cancelled: string[] = [];

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    adapter = new CloudAdapter(createTeamsAuthentication(testConfig(bf.settings() as never)));
    allowStreamInfoEntityFields();
  });
  afterAll(async () => {
    await redis.quit();
    await bf?.close();
  });

  const setup = (conversation: Record<string, unknown>, maxChars?: number) => {
    const jobId = uniqueId('job');
    const job: LiveRelayJob = {
      v: 1, jobId, key: { platform: 'teams', tenant: 'tenant-1', channel: 'c', thread: 't' }, user: { id: 'aad-alice' },
      reply: { reference: { serviceUrl: bf.serviceUrl, channelId: 'msteams', conversation, bot: { id: `28:${bf.appId}`, name: 'R1' }, user: { id: '29:alice' } } },
    };
    const store = liveStateStore<TeamsLiveState>(redis, prefix, jobId);
    const factory = createTeamsLiveSurface({ adapter, appId: bf.appId, log, maxStreamMs: 100_000, maxChars, cancel: async (id) => void cancelled.push(id) });
    const sink = new TeamsReplySink(adapter, bf.appId, (id) => liveStateStore<TeamsLiveState>(redis, prefix, id));
    const reply = (answer: string): OutgoingReply<TeamsLiveState> => ({ messageId: '1', key: job.key, status: 'answered', answer, reasoning: '', reply: job.reply, live: null });
    return { job, store, surface: () => factory(job, store), sink, reply };
  };
  const view = (o: Partial<LiveView>): LiveView => ({ ...emptyView(), attempt: 1, ...o });

  it('stream: a resumed relay continues the same stream; a retried delivery sends one final and then edits', async () => {
    const from = bf.calls.length;
    const { store, surface, sink, reply } = setup({ id: PERSONAL, conversationType: 'personal', tenantId: 'tenant-1' });
    const a = surface();
    await a.show(view({ phase: 'queued', attempt: 0, position: 2, etaS: 10 }));
    await a.show(view({ phase: 'answering', answer: 'Once upon a time' }));
    // The process dies; another one resumes the relay from the stored state.
    const b = surface();
    await b.show(view({ phase: 'answering', answer: 'Once upon a time there was a pump' }));
    await b.finish(view({ phase: 'ended', status: 'answered', answer: 'Once upon a time there was a pump.' }));
    const streams = bf.streamsIn(PERSONAL).filter((s) => s.firstCall >= from);
    expect(streams).toHaveLength(1);
    expect(streams[0]!.posts.map((p) => [p.streamType, p.seq])).toEqual([['informative', 1], ['streaming', 2], ['streaming', 3], ['streaming', 4]]);
    expect(streams[0]!.posts[0]!.text).toBe('⏳ Queued — position 2, about 10 s');
    const final = 'Once upon a time there was a pump.';
    const live = await store.get();
    const ref1 = await sink.deliver({ ...reply(final), live });
    // A crashed delivery is retried with the state as it is now.
    const ref2 = await sink.deliver({ ...reply(final), live: await store.get(), previousAttempts: 1 });
    expect(ref1.activityIds).toEqual([streams[0]!.id]);
    expect(ref2.activityIds).toEqual([streams[0]!.id]);
    expect(streams[0]!.state).toBe('final');
    expect(streams[0]!.text).toBe(final);
    expect(bf.calls.slice(from).filter((c) => c.method === 'POST' && c.body?.type === 'message')).toHaveLength(1);
    expect(String(bf.updatesOf(streams[0]!.id).at(-1)?.body?.text)).toBe(final);
  });

  it('card: a resumed relay updates the same card, long answers continue in a follow-up card, a retry posts nothing new', async () => {
    const from = bf.calls.length;
    const { store, surface, sink, reply } = setup({ id: CHANNEL_THREAD, conversationType: 'channel', tenantId: 'tenant-1' }, 40);
    const a = surface();
    expect(a.minIntervalMs).toBeGreaterThanOrEqual(1500);
    await a.show(view({ phase: 'thinking', thinkingS: 3 }));
    const text = 'The pump cavitates when the suction pressure drops below the vapour pressure of the liquid.';
    await a.show(view({ phase: 'answering', answer: text.slice(0, 30) }));
    const b = surface();
    await b.show(view({ phase: 'answering', answer: text }));
    await b.finish(view({ phase: 'ended', status: 'answered', answer: text }));
    const posts = () => bf.calls.slice(from).filter((c) => c.method === 'POST' && c.body?.type === 'message');
    const cards = posts().map((c) => c.path);
    expect(cards.length).toBeGreaterThanOrEqual(3); // 91 characters at 40 a card
    for (const p of cards) expect(p).toBe(`/teams/v3/conversations/${CHANNEL_THREAD}/activities`);
    const postedBeforeDelivery = posts().length;
    const ref1 = await sink.deliver({ ...reply(text), live: await store.get() });
    const ref2 = await sink.deliver({ ...reply(text), live: await store.get(), previousAttempts: 1 });
    expect(ref2.activityIds).toEqual(ref1.activityIds);
    expect(posts().length).toBe(postedBeforeDelivery);
    const finalTexts = (ref1.activityIds as string[]).map((id) => {
      const card = (bf.updatesOf(id).at(-1)!.body!.attachments as Array<{ content: { body: Array<{ text: string }> } }>)[0]!.content;
      return card.body[0]!.text;
    });
    expect(finalTexts.join('')).toBe(text);
    expect(cancelled).toEqual([]);
  });

  it('stream: an answer restarted by a crashed worker freezes the live text; the final replaces it in place', async () => {
    const from = bf.calls.length;
    const { store, surface, sink, reply } = setup({ id: PERSONAL, conversationType: 'personal', tenantId: 'tenant-1' });
    const s = surface();
    await s.show(view({ phase: 'answering', answer: 'First attempt text' }));
    await s.show(view({ phase: 'answering', attempt: 2, answer: 'Second' }));
    await s.finish(view({ phase: 'ended', attempt: 2, status: 'answered', answer: 'Second attempt, different.' }));
    const [stream] = bf.streamsIn(PERSONAL).filter((x) => x.firstCall >= from);
    expect(stream!.posts.map((p) => p.text)).toEqual(['First attempt text']);
    const ref = await sink.deliver({ ...reply('Second attempt, different.'), live: await store.get() });
    expect(ref.activityIds).toEqual([stream!.id]);
    // Teams refuses a final that changes streamed text: the message is updated in place instead.
    expect(String(bf.updatesOf(stream!.id).at(-1)?.body?.text)).toBe('Second attempt, different.');
    const messages = bf.calls.slice(from).filter((c) => c.method.startsWith('POST') && c.body?.type === 'message');
    expect(messages.map((c) => c.method)).toEqual(['POST#400']); // the refused final only: no second copy
  });

  it('1:1 chat where Teams refuses streams: the answer is shown in an updated card instead', async () => {
    bf.refuseStreams = true;
    try {
      const from = bf.calls.length;
      const { store, surface, sink, reply } = setup({ id: PERSONAL, conversationType: 'personal', tenantId: 'tenant-1' });
      const s = surface();
      await s.show(view({ phase: 'thinking', thinkingS: 1 }));
      expect(s.minIntervalMs).toBeGreaterThanOrEqual(1500);
      await s.show(view({ phase: 'answering', answer: 'Check the strainer' }));
      await s.finish(view({ phase: 'ended', status: 'answered', answer: 'Check the strainer.' }));
      const cards = bf.calls.slice(from).filter((c) => c.method === 'POST' && c.body?.type === 'message');
      expect(cards).toHaveLength(1);
      const ref = await sink.deliver({ ...reply('Check the strainer.'), live: await store.get() });
      const id = (ref.activityIds as string[])[0]!;
      const last = bf.updatesOf(id).at(-1)!.body!.attachments as Array<{ content: { body: Array<{ text: string }> } }>;
      expect(last[0]!.content.body[0]!.text).toBe('Check the strainer.');
      expect(bf.calls.slice(from).filter((c) => c.method === 'POST' && c.body?.type === 'message')).toHaveLength(1);
    } finally {
      bf.refuseStreams = false;
    }
  });
});

import { WebClient } from '@slack/web-api';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QUEUE_INFERENCE, createLivePublisher, createLogger, createRedis, liveStateStore, queuePositionOf, runLiveRelay, type LiveRelayJob, type OutgoingReply,
} from '../../../src/index.js';
import { createSlackLiveSurface } from '../../../adapters/slack/live/create-slack-live-surface.js';
import type { SlackLiveState } from '../../../adapters/slack/live/slack-live-state.js';
import { SlackReplySink, SLACK_PART_MAX_CHARS } from '../../../adapters/slack/slack-reply-sink.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { TEST_REDIS_URL, uniqueId } from '../../support/test-config.js';

const log = createLogger({ level: 'silent' });

/**
 * The Slack live surface driven by the real relay over real Redis streams, with events published
 * by the worker's own publisher (no model needed), against the local Slack Web API.
 */
describe('Slack live surface and final delivery', () => {
  const redis = createRedis(TEST_REDIS_URL);
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    client = new WebClient('xoxb-surface', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await redis.quit();
    await fake.close();
  });

  /** Posts a status message, runs a relay for a job whose events `script` publishes, returns the state. */
  async function relay(streaming: 'auto' | 'native' | 'edit', script: (pub: ReturnType<ReturnType<typeof createLivePublisher>>) => Promise<void>) {
    const prefix = uniqueId('r1surf');
    const jobId = uniqueId('job');
    const thread = fake.nextTs();
    const status = await client.chat.postMessage({ channel: 'CSURF', thread_ts: thread, text: '⏳ Queued' });
    const job: LiveRelayJob = { v: 1, jobId, key: { platform: 'slack', tenant: 'T1', channel: 'CSURF', thread }, user: { id: 'U1' }, reply: { channel: 'CSURF', thread_ts: thread, status_ts: status.ts } };
    const store = liveStateStore<SlackLiveState>(redis, prefix, jobId);
    const surface = createSlackLiveSurface(client, { streaming, maxStreamMs: 60_000, log })(job, store);
    const follow = redis.duplicate();
    const running = runLiveRelay({ redis, follow, prefix, log }, jobId, surface, new AbortController().signal);
    await script(createLivePublisher(redis, prefix, 5)(jobId));
    expect(await running).toBe('ended');
    follow.disconnect();
    return { thread, statusTs: String(status.ts), state: (await store.get())!, job };
  }
  const finalReply = (r: Awaited<ReturnType<typeof relay>>, answer: string): OutgoingReply<SlackLiveState> => ({
    messageId: uniqueId('m'), key: r.job.key, status: 'answered', answer, reasoning: '', reply: r.job.reply, live: r.state,
  });
  const threadTexts = (thread: string) => fake.messages.filter((m) => m.thread_ts === thread).sort((a, b) => Number(a.ts) - Number(b.ts)).map((m) => m.text);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('shows thinking time with the last reasoning line in the status message, never in the answer', async () => {
    const r = await relay('edit', async (pub) => {
      await pub.started();
      pub.chunk('thought', 'The pump cavitates.\nCheck the NPSH margin');
      await sleep(2300);
      pub.chunk('answer', '\n\nLower the suction lift.');
      await sleep(1200);
      await pub.end('answered');
    });
    const edits = fake.calls.filter((c) => c.method === 'chat.update' && c.params.ts === r.statusTs).map((c) => String(c.params.text));
    expect(edits.some((t) => /^💭 Thinking… [12] s\n> Check the NPSH margin$/.test(t))).toBe(true);
    // Leading whitespace is dropped like the stored (trimmed) answer; reasoning never shows in it.
    expect(edits.at(-1)).toBe('Lower the suction lift. ▍');
    expect(r.state.segments).toEqual([{ ts: r.statusTs, start: 0 }]);
  });

  it('auto mode falls back to editing where Slack refuses streams', async () => {
    fake.responders['chat.startStream'] = () => ({ ok: false, error: 'not_allowed_token_type' });
    try {
      const r = await relay('auto', async (pub) => {
        await pub.started();
        pub.chunk('answer', 'Close valve V-3 first.');
        await sleep(1200);
        await pub.end('answered');
      });
      expect(r.state.mode).toBe('edit');
      expect(threadTexts(r.thread)).toEqual(['Close valve V-3 first. ▍']);
      await new SlackReplySink(client).deliver(finalReply(r, 'Close valve V-3 first.'));
      expect(threadTexts(r.thread)).toEqual(['Close valve V-3 first.']);
    } finally {
      delete fake.responders['chat.startStream'];
    }
  });

  it('an answer longer than one message continues in new threaded messages, and the final delivery keeps their boundaries', async () => {
    const words = Array.from({ length: 1800 }, (_, i) => `w${i}`).join(' '); // ~10k characters
    const r = await relay('edit', async (pub) => {
      await pub.started();
      for (let i = 0; i < words.length; i += 2000) {
        pub.chunk('answer', words.slice(i, i + 2000));
        await sleep(1100);
      }
      await pub.end('answered');
    });
    expect(r.state.segments.length).toBeGreaterThanOrEqual(3);
    const live = threadTexts(r.thread);
    expect(live.every((t) => t.length <= SLACK_PART_MAX_CHARS)).toBe(true);
    expect(live.map((t) => t.replace(/ ▍$/, '')).join('')).toBe(words);
    const posts = fake.callsTo('chat.postMessage').length;
    await new SlackReplySink(client).deliver(finalReply(r, words));
    expect(fake.callsTo('chat.postMessage').length).toBe(posts); // edited in place, nothing posted
    expect(threadTexts(r.thread).join('')).toBe(words);
  });

  it('a final answer shorter than what streamed removes the live messages it no longer needs, and the status message', async () => {
    const long = 'x'.repeat(3000) + ' ' + 'y'.repeat(3000);
    const r = await relay('native', async (pub) => {
      await pub.started();
      pub.chunk('answer', long);
      await sleep(1200);
      await pub.end('answered');
    });
    expect(r.state.mode).toBe('stream');
    expect(r.state.segments).toHaveLength(2);
    expect(fake.streamsIn(r.thread)).toHaveLength(2);
    await new SlackReplySink(client).deliver(finalReply(r, 'Short final answer.'));
    expect(threadTexts(r.thread)).toEqual(['Short final answer.']);
    expect(fake.messages.some((m) => m.ts === r.statusTs)).toBe(false);
  });

  it('a stream start answered 500 after Slack opened it is adopted, not started again', async () => {
    fake.failAfterStore({ methods: ['chat.startStream'], when: (_c, k) => k === 1 });
    try {
      const r = await relay('native', async (pub) => {
        await pub.started();
        pub.chunk('answer', 'Close valve V-3 first.');
        await sleep(1200);
        pub.chunk('answer', ' Then open V-4 slowly.');
        await sleep(1200);
        await pub.end('answered');
      });
      expect(fake.storedThenFailed).toHaveLength(1);
      expect(fake.streamsIn(r.thread)).toHaveLength(1);
      expect(r.state.segments).toHaveLength(1);
      expect(r.state.pendingPost).toBeUndefined();
      await new SlackReplySink(client).deliver(finalReply(r, 'Close valve V-3 first. Then open V-4 slowly.'));
      expect(threadTexts(r.thread)).toEqual(['Close valve V-3 first. Then open V-4 slowly.']);
    } finally {
      fake.clearFaults();
    }
  });

  it('a continuation message answered 500 after Slack stored it is adopted, not posted again', async () => {
    let failed = false;
    fake.failAfterStore({ methods: ['chat.postMessage'], when: (c) => !failed && String(c.params.text).length > 100 && (failed = true) });
    try {
      const words = Array.from({ length: 1400 }, (_, i) => `w${i}`).join(' ');
      const r = await relay('edit', async (pub) => {
        await pub.started();
        pub.chunk('answer', words);
        await sleep(2500);
        await pub.end('answered');
      });
      expect(failed).toBe(true);
      const bot = fake.messages.filter((m) => m.thread_ts === r.thread);
      expect(bot.map((m) => m.ts)).toEqual(r.state.segments.map((x) => x.ts)); // every message in the thread is a known segment
      await new SlackReplySink(client).deliver(finalReply(r, words));
      expect(threadTexts(r.thread).join('')).toBe(words);
    } finally {
      fake.clearFaults();
    }
  });
});

describe('queue position', () => {
  const redis = createRedis(TEST_REDIS_URL);
  const prefix = uniqueId('r1pos');
  const queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });
  it('is the place by priority, then arrival, among the waiting jobs; null when not waiting', async () => {
    await queue.add('chat', {}, { jobId: 'a', priority: 10 });
    await queue.add('chat', {}, { jobId: 'b', priority: 12 });
    await queue.add('chat', {}, { jobId: 'c', priority: 10 });
    await queue.add('diagnose', {}, { jobId: 'd', priority: 1 });
    const pos = await Promise.all(['a', 'b', 'c', 'd', 'nope'].map((id) => queuePositionOf(redis, prefix, id)));
    expect(pos).toEqual([2, 4, 3, 1, null]);
  });
});

import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackReplySink, slackClientOptions } from '../../adapters/slack/index.js';
import {
  createLogger, createMetrics, migrate, deliveryJobId, failMessage, finishMessage, handleInferenceFailure, processDelivery, QueueSet, startMessage, type Db, type DeliveryDeps,
} from '../../src/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

const log = createLogger({ level: 'silent' });

/**
 * processDelivery + the Slack sink with the production client options against a local Slack that
 * answers 500 after storing: a retried delivery finds its own parts by their metadata.
 */
describe('Slack delivery: a 500 after Slack stored a post', () => {
  let fake: FakeSlack;
  let db: Db;
  let deps: DeliveryDeps;
  let n = 0;
  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    const sink = new SlackReplySink(new WebClient('xoxb-x', slackClientOptions(fake.apiUrl)), log);
    deps = { db, sink, metrics: createMetrics(), log };
  });
  afterAll(async () => {
    await db?.close();
    await fake?.close();
  });

  /** A two-part answer (each part under Slack's limit) waiting for delivery. */
  async function longAnswer() {
    const thread = `1700005000.${String(++n).padStart(6, '0')}`;
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'CX', thread };
    const m = await startMessage(db, { jobId: uniqueId('j'), key, userId: 'U1', kind: 'chat', question: 'q' });
    const answer = `${'Open the bypass valve first. '.repeat(100)}\n\n${'Then check the strainer. '.repeat(100)}`;
    await finishMessage(db, m.id, { answer, reasoning: '', status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
    return { thread, data: { v: 1, messageId: m.id, key, reply: { channel: 'CX', thread_ts: thread, message_ts: thread } } };
  }

  it.each([
    ['the first part', 1],
    ['a later part', 2],
  ])('on %s: the retried delivery posts nothing twice', async (_what, failing) => {
    const { thread, data } = await longAnswer();
    fake.failAfterStore({ methods: ['chat.postMessage'], when: (c, k) => c.params.thread_ts === thread && k === failing });
    await expect(processDelivery(deps, data)).rejects.toThrow();
    fake.clearFaults();
    expect(fake.storedThenFailed.some((c) => c.params.thread_ts === thread)).toBe(true);
    expect(['delivered', 'found_existing']).toContain(await processDelivery(deps, data));
    const parts = fake.botRepliesIn(thread);
    expect(parts).toHaveLength(2);
    expect(parts.map((p) => (p.metadata as { event_payload: { part: number } }).event_payload.part)).toEqual([0, 1]);
    expect(await processDelivery(deps, data)).toBe('already_delivered');
    expect(fake.calls.some((c) => c.method === 'reactions.remove' && c.params.timestamp === thread)).toBe(true);
  });

  it('a question refused as too long for the model\'s context is told so (not "try again")', async () => {
    const thread = `1700005000.${String(++n).padStart(6, '0')}`;
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'CX', thread };
    const m = await startMessage(db, { jobId: uniqueId('j'), key, userId: 'U1', kind: 'chat', question: 'q' });
    await failMessage(db, m.id, 'context_length_exceeded: the prompt needs 3000 tokens without any history or sources, but the model\'s context holds 2048 tokens per sequence');
    expect(await processDelivery(deps, { v: 1, messageId: m.id, key, reply: { channel: 'CX', thread_ts: thread, message_ts: thread } })).toBe('delivered');
    const replies = fake.botRepliesIn(thread);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/too long for the model/);
    expect(replies[0]!.text).not.toMatch(/try again in a moment/);
  });
});

describe('a failed job whose message log cannot be written still gets its failure reply', () => {
  let fake: FakeSlack;
  const prefix = uniqueId('r1unst');
  const queues = new QueueSet({ connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null } as never, prefix });
  beforeAll(async () => {
    fake = await new FakeSlack().start();
  });
  afterAll(async () => {
    await queues.close();
    await fake?.close();
  });

  it('posts the failure notice once, found again on a retried delivery', async () => {
    const broken = { query: async () => { throw new Error('connection terminated'); } } as unknown as Db;
    const thread = '1700005100.000001';
    const key = { platform: 'slack' as const, tenant: 'T1', channel: 'CY', thread };
    const jobId = 'slack-unstored1';
    await handleInferenceFailure({ db: broken, queues, log }, jobId, {
      v: 1, kind: 'chat', key, user: { id: 'U1' }, text: 'q', history: [], source: { eventId: `CY/${thread}`, receivedAt: Date.now() },
      reply: { channel: 'CY', thread_ts: thread, message_ts: thread },
    }, new Error('generation failed'));
    const jobs = await queues.deliveryFor('slack').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe(deliveryJobId(`unstored-${jobId}`));
    const deps: DeliveryDeps = { db: broken, sink: new SlackReplySink(new WebClient('xoxb-y', slackClientOptions(fake.apiUrl)), log), metrics: createMetrics(), log };
    expect(await processDelivery(deps, jobs[0]!.data)).toBe('delivered');
    expect(await processDelivery(deps, jobs[0]!.data)).toBe('found_existing');
    const replies = fake.botRepliesIn(thread);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(/could not answer/);
    expect(fake.calls.some((c) => c.method === 'reactions.remove' && c.params.timestamp === thread)).toBe(true);
  });
});

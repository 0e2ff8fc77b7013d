import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackReplySink, SLACK_PART_MAX_CHARS } from '../../../adapters/slack/index.js';
import { createLogger, createMetrics, finishMessage, migrate, processDelivery, startMessage, type Db } from '../../../src/index.js';
import { FakeSlack } from '../../support/fake-slack.js';
import { createTestPgliteDb } from '../../support/test-db.js';

const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C5', thread: '1700000000.000001' };
const reply = { channel: 'C5', thread_ts: key.thread, message_ts: key.thread };

describe('Slack reply delivery', () => {
  let fake: FakeSlack;
  let db: Db;
  let sink: SlackReplySink;
  let n = 0;
  const deps = () => ({ db, sink, metrics: createMetrics(), log: createLogger({ level: 'silent' }) });
  const answered = async (answer: string) => {
    const m = await startMessage(db, { jobId: `job-${++n}`, key, userId: 'U1', kind: 'chat', question: 'q' });
    await finishMessage(db, m.id, { answer, reasoning: 'secret reasoning', status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
    return m.id;
  };

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgliteDb();
    await migrate(db);
    sink = new SlackReplySink(new WebClient('xoxb-t', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 3, factor: 1, minTimeout: 10, maxTimeout: 20 } }));
  });
  afterAll(async () => {
    await db?.close();
    await fake?.close();
  });

  it('splits a long answer into threaded parts under the limit, in order, without the reasoning', async () => {
    const answer = Array.from({ length: 120 }, (_, i) => `Step ${i}: ${'check the valve '.repeat(6)}`).join('\n\n');
    const id = await answered(answer);
    expect(await processDelivery(deps(), { v: 1, messageId: id, key, reply })).toBe('delivered');
    const posts = fake.callsTo('chat.postMessage').filter((c) => (c.params.metadata as { event_payload: { message_id: string } }).event_payload.message_id === id);
    expect(posts.length).toBeGreaterThan(1);
    for (const p of posts) {
      expect(p.params.thread_ts).toBe(key.thread);
      expect(String(p.params.text).length).toBeLessThanOrEqual(SLACK_PART_MAX_CHARS);
      expect(String(p.params.text)).not.toContain('secret reasoning');
    }
    expect(posts.map((p) => String(p.params.text)).join('\n\n').replace(/\s+/g, ' ')).toBe(answer.replace(/\s+/g, ' ').trim());
  });

  it('retries after a 429 with Retry-After and posts once', async () => {
    let limited = 0;
    fake.responders['chat.postMessage'] = (p) => {
      if (limited++ === 0) return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
      delete fake.responders['chat.postMessage'];
      return { ok: true, channel: p.channel, ts: fake.nextTs() };
    };
    const id = await answered('short answer');
    const before = fake.callsTo('chat.postMessage').length;
    expect(await processDelivery(deps(), { v: 1, messageId: id, key, reply })).toBe('delivered');
    expect(fake.callsTo('chat.postMessage#429')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage').length - before).toBe(1);
  });

  it('a redelivered job does not post again; a crashed attempt is found by its metadata', async () => {
    const id = await answered('posted once');
    await processDelivery(deps(), { v: 1, messageId: id, key, reply });
    expect(await processDelivery(deps(), { v: 1, messageId: id, key, reply })).toBe('already_delivered');
    // Simulate a crash after posting but before recording: clear the delivery record.
    await db.query('UPDATE messages SET delivered_at = NULL WHERE id = $1', [id]);
    expect(await processDelivery(deps(), { v: 1, messageId: id, key, reply })).toBe('found_existing');
    const mine = fake.callsTo('chat.postMessage').filter((c) => (c.params.metadata as { event_payload: { message_id: string } }).event_payload.message_id === id);
    expect(mine).toHaveLength(1);
  });

  it('tells the user when generation failed for good', async () => {
    const m = await startMessage(db, { jobId: `job-${++n}`, key, userId: 'U1', kind: 'chat', question: 'q' });
    await db.query(`UPDATE messages SET status = 'failed' WHERE id = $1`, [m.id]);
    await processDelivery(deps(), { v: 1, messageId: m.id, key, reply });
    const last = fake.callsTo('chat.postMessage').at(-1)!;
    expect(String(last.params.text)).toMatch(/could not answer/);
    expect(last.params.thread_ts).toBe(key.thread);
  });
});

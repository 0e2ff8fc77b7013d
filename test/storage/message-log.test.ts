import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  beginDelivery, finishMessage, getMessageByJobId, getMessageKnowledge, getMessagesKnowledge, listConversation, listImages, listImagesOfJobs, markDelivered, migrate,
  recordMessageKnowledge, startMessage, type Db,
} from '../../src/index.js';
import { storeImage, storeRefusedImage } from '../../src/images/index.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

const key = { platform: 'slack' as const, tenant: 'T1', channel: 'C1', thread: '1.1' };

// One conformance suite for both implementations of Db.
describe.each([
  ['PostgreSQL', createTestPgDb],
  ['PGlite', createTestPgliteDb],
])('message log on %s', (_name, open) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('migrations are idempotent', async () => {
    expect((await migrate(db)).applied).toEqual([]);
  });

  it('a job seen twice is one row with attempts counted', async () => {
    const a = await startMessage(db, { jobId: 'j1', key, userId: 'U1', kind: 'chat', question: 'q?' });
    const b = await startMessage(db, { jobId: 'j1', key, userId: 'U1', kind: 'chat', question: 'q?' });
    expect(b.id).toBe(a.id);
    expect(b.attempts).toBe(2);
    expect(b.status).toBe('generating');
  });

  it('stores answer and reasoning apart, once', async () => {
    const m = await startMessage(db, { jobId: 'j2', key, userId: 'U1', kind: 'chat', question: 'q2' });
    const f = { answer: 'A', reasoning: 'R', status: 'answered' as const, modelSha256: 'abc', modelId: 'llama:m.gguf', promptTokens: 3, completionTokens: 4, timings: { totalMs: 5 } };
    expect(await finishMessage(db, m.id, f)).toBe(true);
    expect(await finishMessage(db, m.id, { ...f, answer: 'B' })).toBe(false);
    const row = await getMessageByJobId(db, 'j2');
    expect(row).toMatchObject({ answer: 'A', reasoning: 'R', status: 'answered', modelSha256: 'abc', modelId: 'llama:m.gguf', promptTokens: 3, completionTokens: 4, timings: { totalMs: 5 } });
  });

  it('records a delivery exactly once and counts attempts', async () => {
    const m = await startMessage(db, { jobId: 'j3', key, userId: 'U1', kind: 'chat', question: 'q3' });
    expect(await beginDelivery(db, m.id)).toEqual({ delivered: false, previousAttempts: 0 });
    expect(await beginDelivery(db, m.id)).toEqual({ delivered: false, previousAttempts: 1 });
    expect(await markDelivered(db, m.id, { ts: ['1'] })).toBe(true);
    expect(await markDelivered(db, m.id, { ts: ['2'] })).toBe(false);
    expect((await beginDelivery(db, m.id)).delivered).toBe(true);
    expect((await getMessageByJobId(db, 'j3'))?.replyRef).toEqual({ ts: ['1'] });
  });

  it('lists a conversation oldest first', async () => {
    const rows = await listConversation(db, key);
    expect(rows.map((r) => r.jobId)).toEqual(['j1', 'j2', 'j3']);
    expect(await listConversation(db, { ...key, thread: 'other' })).toEqual([]);
  });

  it('knowledge and images of many messages in one query each: the same as one message at a time', async () => {
    const k2 = { ...key, thread: 'batch' };
    const a = await startMessage(db, { jobId: 'jb1', key: k2, userId: 'U1', kind: 'chat', question: 'a' });
    const b = await startMessage(db, { jobId: 'jb2', key: k2, userId: 'U1', kind: 'chat', question: 'b' });
    const c = await startMessage(db, { jobId: 'jb3', key: k2, userId: 'U1', kind: 'chat', question: 'c' });
    await recordMessageKnowledge(db, a.id, 'cited', [{ n: 1, title: 'Manual', source: 'm.md', section: 'Pumps' }]);
    await recordMessageKnowledge(db, c.id, 'no_match', []);
    // Stored out of order: each job's images come back in the order attached.
    for (const [jobId, index] of [['jb2', 1], ['jb1', 0], ['jb2', 0]] as const) {
      await storeImage(db, { jobId, index, name: `p${index}.png`, source: 'slack', mime: 'image/png', sha256: 'a'.repeat(64), data: Buffer.from(`${jobId}-${index}`) });
    }
    await storeRefusedImage(db, 'jb2', 2, 'big.pdf', 'slack', 'not an image');
    const rows = await listConversation(db, k2);
    const kn = await getMessagesKnowledge(db, rows.map((r) => r.id));
    const images = await listImagesOfJobs(db, rows.map((r) => r.jobId));
    for (const r of rows) {
      expect(kn.get(r.id)).toEqual(await getMessageKnowledge(db, r.id));
      expect(images.get(r.jobId) ?? []).toEqual(await listImages(db, r.jobId));
    }
    expect(kn.get(b.id)).toEqual({ knowledge: null, sources: [] });
    expect(images.get('jb2')!.map((i) => i.index)).toEqual([0, 1, 2]);
    expect(images.has('jb3')).toBe(false);
    expect(await getMessagesKnowledge(db, [])).toEqual(new Map());
    expect(await listImagesOfJobs(db, [])).toEqual(new Map());
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORRECTION_MAX_CHARS, createMetrics, failMessage, finishMessage, listFeedback, listRatedAnswers, migrate, recordCorrection, recordVote, saveMessagePrompt, startMessage,
  type ConversationKey, type Db,
} from '../../src/index.js';
import { uniqueId } from '../support/test-config.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

async function answered(db: Db, key: ConversationKey, status: 'answered' | 'failed' = 'answered'): Promise<string> {
  const row = await startMessage(db, { jobId: uniqueId('fb'), key, userId: 'asker', kind: 'chat', question: 'q?' });
  if (status === 'failed') await failMessage(db, row.id, 'boom');
  else await finishMessage(db, row.id, { answer: 'a.', reasoning: '', status: 'answered', modelSha256: null, promptTokens: 1, completionTokens: 1, timings: {} });
  return row.id;
}

describe.each([
  { name: 'PostgreSQL', open: createTestPgDb },
  { name: 'PGlite', open: createTestPgliteDb },
])('recordVote / recordCorrection ($name)', ({ open }) => {
  let db: Db;
  const key: ConversationKey = { platform: 'slack', tenant: 'T1', channel: 'C1', thread: '1.1' };
  beforeAll(async () => {
    db = await open();
    await migrate(db);
  });
  afterAll(async () => db?.close());

  it('one vote per user per answer, the last one counts; a 👍 clears that user\'s correction', async () => {
    const id = await answered(db, key);
    const from = { messageId: id, platform: 'slack' as const, tenant: 'T1', userId: 'U1' };
    const metrics = createMetrics();
    expect(await recordVote({ db, metrics }, from, 'up')).toEqual({ ok: true });
    expect(await recordVote({ db, metrics }, from, 'down')).toEqual({ ok: true });
    expect(await recordVote({ db }, { ...from, userId: 'U2' }, 'up')).toEqual({ ok: true });
    expect(await listFeedback(db, id)).toEqual([{ userId: 'U1', value: 'down' }, { userId: 'U2', value: 'up' }]);
    expect(await recordCorrection({ db, metrics }, from, '  Replace the coupling insert, then re-align.  ')).toEqual({ ok: true });
    expect(await recordCorrection({ db }, { ...from, userId: 'U2' }, 'U2 thinks otherwise')).toEqual({ ok: true });
    const byUser = Object.fromEntries((await listFeedback(db, id)).map((f) => [f.userId, f]));
    expect(byUser.U1).toEqual({ userId: 'U1', value: 'down', correction: 'Replace the coupling insert, then re-align.' });
    // A correction is a 👎 by that user (U2 had voted 👍).
    expect(byUser.U2).toEqual({ userId: 'U2', value: 'down', correction: 'U2 thinks otherwise' });
    await recordVote({ db }, from, 'up');
    expect((await listFeedback(db, id)).find((f) => f.userId === 'U1')).toEqual({ userId: 'U1', value: 'up' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('r1_feedback_total{platform="slack",kind="up"} 1');
    expect(text).toContain('r1_feedback_total{platform="slack",kind="correction"} 1');
  });

  it.each([
    { name: 'another platform', from: { platform: 'teams' as const } },
    { name: 'another workspace', from: { tenant: 'T2' } },
    { name: 'another channel (API client)', from: { channel: 'C2' } },
    { name: 'an unknown message', from: { messageId: '999999999' } },
  ])('refuses a vote from $name', async ({ from }) => {
    const id = await answered(db, key);
    const base = { messageId: id, platform: 'slack' as const, tenant: 'T1', channel: 'C1', userId: 'U1' };
    expect(await recordVote({ db }, { ...base, ...from }, 'up')).toEqual({ ok: false, reason: 'not_found' });
    expect(await recordCorrection({ db }, { ...base, ...from }, 'x')).toEqual({ ok: false, reason: 'not_found' });
    expect(await listFeedback(db, id)).toEqual([]);
  });

  it('the export query returns rated answers with their prompt and votes (json_agg on both databases)', async () => {
    const id = await answered(db, { ...key, channel: 'CEXPORT' });
    const messages = [{ role: 'system' as const, content: 'sys ✓' }, { role: 'user' as const, content: 'q?' }];
    await saveMessagePrompt(db, id, { messages, systemPromptSha256: '0'.repeat(64), droppedHistory: 0 });
    await recordVote({ db }, { messageId: id, platform: 'slack', userId: 'U1' }, 'up');
    await recordCorrection({ db }, { messageId: id, platform: 'slack', userId: 'U2' }, 'better');
    const rows = (await listRatedAnswers(db)).filter((r) => r.messageId === id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.prompt).toEqual(messages);
    expect(rows[0]!.votes.map((v) => [v.userId, v.value, v.correction])).toEqual([['U1', 'up', null], ['U2', 'down', 'better']]);
    expect(await listRatedAnswers(db, { since: new Date(Date.now() + 60_000) })).toEqual([]);
  });

  it('refuses a failed answer, an empty and an over-long correction; stores NUL-free text', async () => {
    const failed = await answered(db, key, 'failed');
    expect(await recordVote({ db }, { messageId: failed, platform: 'slack', userId: 'U1' }, 'down')).toEqual({ ok: false, reason: 'not_found' });
    const id = await answered(db, key);
    const from = { messageId: id, platform: 'slack' as const, userId: 'U1' };
    expect(await recordCorrection({ db }, from, ' \n ')).toEqual({ ok: false, reason: 'empty' });
    expect(await recordCorrection({ db }, from, 'x'.repeat(CORRECTION_MAX_CHARS + 1))).toEqual({ ok: false, reason: 'too_long' });
    expect(await recordCorrection({ db }, from, 'nul\u0000here')).toEqual({ ok: true });
    expect((await listFeedback(db, id))[0]!.correction).not.toContain('\u0000');
  });
});

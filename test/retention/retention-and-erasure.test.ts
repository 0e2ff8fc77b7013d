import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedis, forgetUser, JOB_RETENTION, listAudit, migrate, processMaintenance, QUEUE_MAINTENANCE, removeOldTexts, RETENTION_SCHEDULER_ID, scheduleRetention,
  type Db,
} from '../../src/index.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb, createTestPgliteDb } from '../support/test-db.js';

const NOW = new Date('2026-06-30T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const by = { actor: 'cli:dpo', origin: 'cli@test' };

/** One answered message with its stored prompt; returns its id. */
async function seedMessage(db: Db, o: { job: string; tenant?: string; user: string; at: Date }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO messages (job_id, platform, tenant, channel, thread, user_id, kind, question, answer, reasoning, status, model_sha256, model_id,
       prompt_tokens, completion_tokens, timings, sources, created_at)
     VALUES ($1, 'slack', $2, 'C1', $1, $3, 'chat', 'question of ' || $3, 'answer to ' || $3, 'thinking', 'delivered', 'sha', 'llama:m.gguf', 11, 22,
       '{"totalMs": 5}', '[{"n":1,"title":"Manual","source":"m.md","section":"s"}]', $4) RETURNING id::text AS id`,
    [o.job, o.tenant ?? 'T1', o.user, o.at],
  );
  const id = rows[0]!.id;
  await db.query(`INSERT INTO message_prompts (message_id, messages, system_prompt_sha256) VALUES ($1, '[{"role":"user","content":"question"}]', 'abc')`, [id]);
  await db.query(`INSERT INTO question_images (job_id, idx, name, source, status, ocr_text, sha256, created_at) VALUES ($1, 0, 'panel.jpg', 'slack', 'read', 'E-214', $2, $3)`, [o.job, 'a'.repeat(64), o.at]);
  return id;
}

async function seedDiagnosis(db: Db, o: { job: string; user: string; at: Date; outcomeBy?: string }): Promise<void> {
  await db.query(
    `INSERT INTO diagnoses (job_id, platform, tenant, channel, asset_id, request, requested_by, status, result, prompt, outcome, outcome_by, labelled, created_at)
     VALUES ($1, 'slack', 'T1', 'C1', 'P-101', 'E-214 noisy', $2, 'answered', '{"v":1}', '{"context":[]}', 'resolved', $3, true, $4)`,
    [o.job, o.user, o.outcomeBy ?? null, o.at],
  );
}

const row = async (db: Db, id: string) => (await db.query<Record<string, unknown>>('SELECT * FROM messages WHERE id = $1', [id])).rows[0]!;
const n = async (db: Db, sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) x`, params)).rows[0]!.n);

// The same cases on PostgreSQL and PGlite; one database of each for the file.
describe.each([
  ['PostgreSQL', createTestPgDb],
  ['PGlite', createTestPgliteDb],
] as const)('retention and erasure on %s', (_name, create) => {
  let db: Db;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    db = await create();
    await migrate(db);
    ids.oldAlice = await seedMessage(db, { job: 'j-old-alice', user: 'UALICE', at: daysAgo(40) });
    ids.newAlice = await seedMessage(db, { job: 'j-new-alice', user: 'UALICE', at: daysAgo(2) });
    ids.newBob = await seedMessage(db, { job: 'j-new-bob', user: 'UBOB', at: daysAgo(1) });
    ids.otherTeamAlice = await seedMessage(db, { job: 'j-t2-alice', tenant: 'T2', user: 'UALICE', at: daysAgo(1) });
    // Votes and corrections: Bob corrects Alice's new answer; Alice votes on Bob's; an old correction.
    await db.query(`INSERT INTO feedback (message_id, platform, user_id, value, correction) VALUES ($1, 'slack', 'UBOB', 'down', 'should say 3 bar')`, [ids.newAlice]);
    await db.query(`INSERT INTO feedback (message_id, platform, user_id, value, correction) VALUES ($1, 'slack', 'UALICE', 'down', 'it is the valve')`, [ids.newBob]);
    await db.query(`INSERT INTO feedback (message_id, platform, user_id, value, correction) VALUES ($1, 'slack', 'UBOB', 'down', 'old fix')`, [ids.oldAlice]);
    await seedDiagnosis(db, { job: 'd-old', user: 'UBOB', at: daysAgo(60) });
    await db.query(`INSERT INTO web_chats (id, user_id, tenant, web_group, title, updated_at) VALUES ('w-old', 'web:sub1', 'iss', 'g', 'why does P-101 leak?', $1), ('w-new', 'web:sub1', 'iss', 'g', 'recent', $2)`, [daysAgo(40), daysAgo(1)]);
    await seedDiagnosis(db, { job: 'd-alice', user: 'UALICE', at: daysAgo(1), outcomeBy: 'UBOB' });
    await seedDiagnosis(db, { job: 'd-bob', user: 'UBOB', at: daysAgo(1), outcomeBy: 'UALICE' });
  });
  afterAll(async () => db?.close());

  it('retention removes texts older than RETENTION_DAYS and keeps the rows and their metrics columns', async () => {
    const res = await removeOldTexts(db, { days: 30, now: NOW });
    expect(res).toMatchObject({ messages: 1, prompts: 1, corrections: 1, diagnoses: 1, images: 1, webChats: 1 });
    expect((await db.query("SELECT name, ocr_text, sha256 FROM question_images WHERE job_id = 'j-old-alice'")).rows[0]).toEqual({ name: '', ocr_text: null, sha256: 'a'.repeat(64) });
    const old = await row(db, ids.oldAlice!);
    expect(old).toMatchObject({ question: null, answer: null, reasoning: null, texts_removed_by: 'retention', status: 'delivered', model_id: 'llama:m.gguf', prompt_tokens: 11, completion_tokens: 22, user_id: 'UALICE' });
    expect(old.timings).toEqual({ totalMs: 5 });
    expect(old.sources).toEqual([{ n: 1, title: 'Manual', source: 'm.md', section: 's' }]);
    expect(await n(db, 'SELECT 1 FROM message_prompts WHERE message_id = $1', [ids.oldAlice])).toBe(0);
    expect(await n(db, "SELECT 1 FROM feedback WHERE message_id = $1 AND value = 'down' AND correction IS NULL", [ids.oldAlice])).toBe(1); // the vote stays
    expect((await db.query("SELECT request, result, asset_id, outcome FROM diagnoses WHERE job_id = 'd-old'")).rows[0]).toEqual({ request: null, result: null, asset_id: 'P-101', outcome: 'resolved' });
    expect((await db.query("SELECT id, title FROM web_chats ORDER BY id")).rows).toEqual([{ id: 'w-new', title: 'recent' }, { id: 'w-old', title: '(removed)' }]);
    // Newer texts are untouched.
    expect(await row(db, ids.newAlice!)).toMatchObject({ question: 'question of UALICE', texts_removed_at: null });
    // A second run finds nothing more; both runs are audited with their counts.
    expect(await removeOldTexts(db, { days: 30, now: NOW })).toMatchObject({ messages: 0, prompts: 0, corrections: 0, diagnoses: 0, images: 0, webChats: 0 });
    const audit = await listAudit(db, { action: 'retention.run' });
    expect(audit.map((a) => [a.actor, a.details.messages, a.details.days])).toEqual([['system', 1, 30], ['system', 0, 30]]);
  });

  it('erasure --dry-run counts and changes nothing', async () => {
    const before = (await db.query('SELECT * FROM messages ORDER BY id')).rows;
    const fbBefore = (await db.query('SELECT * FROM feedback ORDER BY message_id, user_id')).rows;
    const counts = await forgetUser(db, { platform: 'slack', tenant: 'T1', userId: 'UALICE' }, { ...by, dryRun: true });
    expect(counts).toEqual({ messages: 2, prompts: 1, votes: 1, corrections: 1, diagnoses: 1, diagnosisMarks: 1, images: 2, webChats: 0 });
    expect((await db.query('SELECT * FROM messages ORDER BY id')).rows).toEqual(before);
    expect((await db.query('SELECT * FROM feedback ORDER BY message_id, user_id')).rows).toEqual(fbBefore);
    expect(await listAudit(db, { action: 'erasure.run' })).toEqual([]);
  });

  it("erasure removes one person's data and nobody else's", async () => {
    const counts = await forgetUser(db, { platform: 'slack', tenant: 'T1', userId: 'UALICE' }, { ...by, reason: 'test' });
    expect(counts).toEqual({ messages: 2, prompts: 1, votes: 1, corrections: 1, diagnoses: 1, diagnosisMarks: 1, images: 2, webChats: 0 });
    // Alice's questions and the answers to them: texts gone, asker gone, metrics kept.
    expect(await row(db, ids.newAlice!)).toMatchObject({ question: null, answer: null, reasoning: null, user_id: 'erased', texts_removed_by: 'erasure', completion_tokens: 22 });
    expect(await n(db, "SELECT 1 FROM messages WHERE tenant = 'T1' AND user_id = 'UALICE'")).toBe(0);
    expect(await n(db, 'SELECT 1 FROM message_prompts WHERE message_id = $1', [ids.newAlice])).toBe(0);
    expect((await db.query("SELECT ocr_text FROM question_images WHERE job_id IN ('j-new-alice', 'j-new-bob', 'j-t2-alice') ORDER BY job_id")).rows).toEqual([{ ocr_text: null }, { ocr_text: 'E-214' }, { ocr_text: 'E-214' }]);
    // Bob's correction of Alice's answer lost its text (it quoted the answer), his vote stays.
    expect((await db.query('SELECT user_id, value, correction FROM feedback WHERE message_id = $1', [ids.newAlice])).rows).toEqual([{ user_id: 'UBOB', value: 'down', correction: null }]);
    // Alice's own vote and correction on Bob's answer are gone; Bob's message is untouched.
    expect(await n(db, 'SELECT 1 FROM feedback WHERE message_id = $1', [ids.newBob])).toBe(0);
    expect(await row(db, ids.newBob!)).toMatchObject({ question: 'question of UBOB', answer: 'answer to UBOB', user_id: 'UBOB', texts_removed_at: null });
    expect(await n(db, 'SELECT 1 FROM message_prompts WHERE message_id = $1', [ids.newBob])).toBe(1);
    // The same user id in another workspace is another person.
    expect(await row(db, ids.otherTeamAlice!)).toMatchObject({ question: 'question of UALICE', user_id: 'UALICE' });
    // Diagnoses: Alice's request and result gone (and out of the examples export); her mark on Bob's replaced.
    expect((await db.query("SELECT request, result, requested_by, labelled, outcome_by FROM diagnoses WHERE job_id = 'd-alice'")).rows[0]).toEqual({ request: null, result: null, requested_by: 'erased', labelled: false, outcome_by: 'UBOB' });
    expect((await db.query("SELECT request, requested_by, outcome_by FROM diagnoses WHERE job_id = 'd-bob'")).rows[0]).toEqual({ request: 'E-214 noisy', requested_by: 'UBOB', outcome_by: 'erased' });
    // The audit row says what was removed, without the id it erased.
    const [audit] = await listAudit(db, { action: 'erasure.run' });
    expect(audit).toMatchObject({ actor: 'cli:dpo', target: expect.stringMatching(/^slack\/T1\/user:[0-9a-f]{16}$/), details: { messages: 2, votes: 1, reason: 'test' } });
    expect(JSON.stringify(audit)).not.toContain('UALICE');
    // A web user: their chats go.
    expect(await forgetUser(db, { platform: 'web', tenant: 'iss', userId: 'sub1' }, by)).toMatchObject({ messages: 0, webChats: 2 });
    expect((await db.query('SELECT id FROM web_chats')).rows).toEqual([]);
    // Forgetting again finds nothing.
    expect(await forgetUser(db, { platform: 'slack', tenant: 'T1', userId: 'UALICE' }, by)).toEqual({ messages: 0, prompts: 0, votes: 0, corrections: 0, diagnoses: 0, diagnosisMarks: 0, images: 0, webChats: 0 });
  });
});

describe('retention on real BullMQ', () => {
  let db: Db;
  const prefix = uniqueId('r1ret');
  const redis = createRedis(TEST_REDIS_URL);
  const queue = new Queue(QUEUE_MAINTENANCE, { connection: redis, prefix });
  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    await seedMessage(db, { job: 'q-old', user: 'U1', at: new Date(Date.now() - 10 * 86_400_000) });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await redis.quit();
    await db?.close();
  });

  it('schedules one daily run with the job scheduler (idempotent, removed when RETENTION_DAYS is unset), and a run removes the old texts', async () => {
    await scheduleRetention(queue, 7, '17 3 * * *');
    await scheduleRetention(queue, 7, '17 3 * * *'); // a second process: still one schedule
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.name])).toEqual([[RETENTION_SCHEDULER_ID, '17 3 * * *', JOB_RETENTION]]);
    expect(await queue.getDelayedCount()).toBe(1); // the next run, waiting for 03:17

    const events = new QueueEvents(QUEUE_MAINTENANCE, { connection: redis.duplicate(), prefix });
    const worker = new Worker(QUEUE_MAINTENANCE, async (job) => processMaintenance({ db, retentionDays: 7, origin: 'test' }, job.name, job.data), { connection: redis.duplicate(), prefix });
    try {
      await events.waitUntilReady();
      const job = await queue.add(JOB_RETENTION, { v: 1 }); // what the scheduler adds at 03:17, now
      const res = await job.waitUntilFinished(events, 30_000);
      expect(res).toMatchObject({ kind: 'retention', counts: { messages: 1, prompts: 1 } });
      expect((await db.query("SELECT question FROM messages WHERE job_id = 'q-old'")).rows[0]).toEqual({ question: null });
    } finally {
      await worker.close();
      await events.close();
    }
    await scheduleRetention(queue, undefined, '17 3 * * *');
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});

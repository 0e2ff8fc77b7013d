import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRedis, enqueueInference, handleDiagnoseCommand, JOB_PRIORITY, migrate, QUEUE_INFERENCE, type DiagnoseCommandDeps, type DiagnoseCommandInput, type Db,
} from '../../src/index.js';
import { importTestRegistry } from '../support/diagnosis-fixtures.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';

describe('handleDiagnoseCommand (registry checks, enqueue, history)', () => {
  let db: Db;
  let redis: ReturnType<typeof createRedis>;
  let queue: Queue;
  let deps: DiagnoseCommandDeps;
  let n = 0;
  const input = (text: string, extra: Partial<DiagnoseCommandInput> = {}): DiagnoseCommandInput => ({
    key: { platform: 'slack', tenant: 'T1', channel: 'C1' }, userId: 'U1', text, eventId: `trigger-${++n}`, reply: { channel: 'C1' }, ...extra,
  });
  const jobCount = async () => Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    redis = createRedis(TEST_REDIS_URL);
    queue = new Queue(QUEUE_INFERENCE, { connection: redis, prefix: uniqueId('r1diag') });
    deps = { db, queue, maxChars: 200, historyLimit: 5, attempts: 2, formatUser: (u) => `<@${u}>` };
  });
  afterEach(async () => queue.obliterate({ force: true }));
  afterAll(async () => {
    await queue?.close();
    await redis?.quit();
    await db?.close();
  });

  it.each([
    ['', 'usage', /Tell me which machine and what is wrong\. Usage: `\/diagnose <asset> <fault code or symptom…>`/],
    ['help', 'usage', /^Usage: /],
    ['P-101', 'missing_fault', /What is wrong with `P-101` \(Feed-water pump\)\? Add a fault code or describe the symptom/],
    [`P-101 ${'noise '.repeat(40)}`, 'too_long', /That request is too long \(245 characters; the limit is 200\)/],
    ['P-10 E-214 vibration', 'unknown_asset', /^I don't know asset `P-10`\. Did you mean `P-101`, `P-102`\?$/],
    ['TURBINE-9 trips', 'unknown_asset', /^I don't know asset `TURBINE-9`, and no registered asset looks like it \(4 assets registered\)\.$/],
    ['history X-1', 'unknown_asset', /^I don't know asset `X-1`/],
    ['P-101 E-215 vibration', 'unknown_code', /^`E-215` is not a fault code of model `CP-200` \(asset `P-101`\)\. Closest codes: `E-214`, `E-219`\. Or describe the symptom without a code\.$/],
    ['P-101 Z-9 vibration', 'unknown_code', /Known codes: `E-117`, `E-214`, `E-219`\./],
  ])('%j → private %s reply, nothing enqueued', async (text, reason, re) => {
    const res = await handleDiagnoseCommand(deps, input(text));
    expect(res).toMatchObject({ kind: 'rejected', reason });
    expect(res.text).toMatch(re);
    expect(await jobCount()).toBe(0);
  });

  it('enqueues a diagnosis at the diagnosis priority with the catalogue code and the symptom', async () => {
    const res = await handleDiagnoseCommand(deps, input('p-101 e-214 high vibration after restart', { eventId: 'trig-A' }));
    expect(res).toMatchObject({ kind: 'queued', duplicate: false, position: 1, faultCode: 'E-214', asset: { id: 'P-101' } });
    expect(res.text).toBe('🔧 Diagnosing `P-101` (Feed-water pump) for `E-214`: position 1 in the queue. The result will open a thread in this channel.');
    const [job] = await queue.getJobs(['prioritized']);
    expect(job!.opts.priority).toBe(JOB_PRIORITY.diagnose);
    expect(job!.name).toBe('diagnose');
    expect(job!.data).toMatchObject({
      v: 1, kind: 'diagnose', text: 'e-214 high vibration after restart', user: { id: 'U1' }, reply: { channel: 'C1' },
      key: { platform: 'slack', tenant: 'T1', channel: 'C1' },
      diagnosis: { assetId: 'P-101', faultCode: 'E-214', symptom: 'high vibration after restart' },
    });
    // The same invocation again (same trigger id) is the same job.
    const again = await handleDiagnoseCommand(deps, input('P-101 E-214 high vibration after restart', { eventId: 'trig-A' }));
    expect(again).toMatchObject({ kind: 'queued', duplicate: true });
    expect(await jobCount()).toBe(1);
  });

  it('accepts a symptom without a code, and a code on a model with no catalogue', async () => {
    expect(await handleDiagnoseCommand(deps, input('K-7 discharge too hot'))).toMatchObject({ kind: 'queued', faultCode: null });
    expect(await handleDiagnoseCommand(deps, input('M-3 F-7 motor hums'))).toMatchObject({ kind: 'queued', faultCode: 'F-7' });
    const jobs = await queue.getJobs(['prioritized']);
    expect(jobs.map((j) => j.data.diagnosis).sort((a, b) => a.assetId.localeCompare(b.assetId))).toEqual([
      { assetId: 'K-7', faultCode: null, symptom: 'discharge too hot' },
      { assetId: 'M-3', faultCode: 'F-7', symptom: 'motor hums' },
    ]);
  });

  it('counts queued chat jobs of higher priority out of the position, diagnoses ahead of it in', async () => {
    for (let i = 0; i < 3; i++) {
      await enqueueInference(queue, {
        v: 1, kind: 'chat', key: { platform: 'slack', tenant: 'T1', channel: 'C1', thread: `t${i}` }, user: { id: 'U2' }, text: 'hello',
        source: { eventId: `chat-${i}`, receivedAt: Date.now() },
      });
    }
    expect((await queue.getJobs(['prioritized'])).map((j) => j.opts.priority)).toEqual([JOB_PRIORITY.chat, JOB_PRIORITY.chat, JOB_PRIORITY.chat]);
    expect(await handleDiagnoseCommand(deps, input('P-101 E-214'))).toMatchObject({ kind: 'queued', position: 1 });
    expect(await handleDiagnoseCommand(deps, input('P-102 E-117 leaking'))).toMatchObject({ kind: 'queued', position: 2 });
  });

  it('lists an asset\'s history privately, newest first, within the workspace only', async () => {
    await db.query(`INSERT INTO diagnoses (job_id, platform, tenant, channel, asset_id, fault_code, request, requested_by, status, outcome, outcome_by, feedback, created_at)
      VALUES ('j1', 'slack', 'T1', 'C1', 'P-101', 'E-214', 'E-214 shaking', 'U5', 'answered', 'resolved', 'U6', 'up', now() - interval '2 hours'),
             ('j2', 'slack', 'T1', 'C9', 'P-101', NULL, 'leaking seal', 'U7', 'failed', NULL, NULL, NULL, now() - interval '1 hour'),
             ('j3', 'slack', 'T2', 'C1', 'P-101', NULL, 'other workspace', 'U8', 'answered', NULL, NULL, NULL, now())`);
    const res = await handleDiagnoseCommand(deps, input('history p-101'));
    expect(res.kind).toBe('history');
    const lines = res.text.split('\n');
    expect(lines[0]).toBe('Recent diagnoses of `P-101` (Feed-water pump):');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^• \d{4}-\d\d-\d\d \d\d:\d\d UTC · #\d+ · leaking seal · ❌ failed · asked by <@U7>$/);
    expect(lines[2]).toMatch(/· E-214 shaking · ✅ resolved by <@U6> 👍 · asked by <@U5>$/);
    expect((await handleDiagnoseCommand(deps, input('history K-7'))).text).toBe('No diagnoses of `K-7` (Screw compressor) yet.');
    expect(await jobCount()).toBe(0);
  });
});

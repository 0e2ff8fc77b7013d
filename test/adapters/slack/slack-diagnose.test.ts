import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisResultSchema, exportLabelledExamples, ingestPaths, migrate, type Db, type DiagnosisRow } from '../../../src/index.js';
import { getDiagnosis } from '../../../src/diagnosis/index.js';
import { FakeSlack, type SlackCall } from '../../support/fake-slack.js';
import { importTestRegistry } from '../../support/diagnosis-fixtures.js';
import { PLANT_A_DIR } from '../../support/rag-fixtures.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { postButtonPress, postSlashCommand } from '../../support/slack-interactions.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const SECRET = 'diagnose-signing-secret';
type Block = { type: string; text?: { text: string }; elements?: Array<{ text?: string | { text: string }; action_id?: string; value?: string }> };
const blocksOf = (c: SlackCall) => (c.params.blocks as Block[] | undefined) ?? [];
/** Polls until `f` returns a value (the delivery worker records a post right after making it). */
async function eventually<T>(f: () => Promise<T | null | undefined>, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const blockText = (b: Block) => b.text?.text ?? b.elements?.map((e) => (typeof e.text === 'string' ? e.text : e.text?.text ?? '')).join(' ') ?? '';

describe.skipIf(!hasTestModel)('/diagnose in Slack, end to end (signed HTTP, real queue, real inference under the grammar)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;
  /** The diagnosis the first test produced, used by the button and history tests. */
  let first: { diagnosis: DiagnosisRow; rootTs: string; resultTs: string };

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    const cfg = testConfig({
      SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl,
      LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '16',
      DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '16', DIAGNOSIS_TOP_K: '3', DIAGNOSIS_CONTEXT_MAX_CHARS: '900', DIAGNOSIS_MAX_CHARS: '300',
    });
    svc = await startTestService(cfg, db);
    url = `${svc.baseUrl}/slack/events`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  const jobTotal = async () => Object.values(await svc.rt.queues.inference.getJobCounts()).reduce((a, b) => a + b, 0);

  it('acks privately within Slack\'s 3 s, opens a thread in the channel, posts the structured result there', { timeout: 180_000 }, async () => {
    const t0 = performance.now();
    const res = await postSlashCommand(url, SECRET, '/diagnose', 'P-101 E-214 high vibration after restart');
    const body = await res.json() as { response_type: string; text: string };
    const ackMs = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/^🔧 Diagnosing `P-101` \(Feed-water pump\) for `E-214`: (position \d+ in the queue|starting now)\. The result will open a thread in this channel\.$/);
    expect(ackMs).toBeLessThan(3000); // Slack's hard limit for a slash command response

    const root = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.channel === 'C42' && c.params.thread_ts === undefined && String(c.params.text).startsWith('🔧 Diagnosis for P-101'), 120_000);
    expect(root.params.text).toBe('🔧 Diagnosis for P-101 (Feed-water pump, Line A / Hall 2): E-214 — High vibration (🟠 alarm) · high vibration after restart — requested by <@U123>');
    const rootTs = fake.messages.find((m) => m.channel === 'C42' && m.thread_ts === undefined && m.text === root.params.text)!.ts;
    const result = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === rootTs, 120_000);
    const blocks = blocksOf(result);
    const texts = blocks.map(blockText);
    expect(texts[0]).toMatch(/^\*P-101\* Feed-water pump · model CP-200 · Line A \/ Hall 2\n\*Fault:\* E-214 — High vibration \(🟠 alarm\)/);
    const at = (re: RegExp) => texts.findIndex((t) => re.test(t));
    const [safety, causes, checks, escalate, sources] = [/Safety first/, /^\*Probable causes\*\n1\. /, /^\*Checks, in order\*\n1\. /, /\*Escalate:\*/, /^\*Sources\*\n\[1\]/].map(at);
    expect(causes).toBeGreaterThan(0);
    expect(checks).toBeGreaterThan(causes);
    expect(escalate).toBeGreaterThan(checks);
    expect(sources).toBeGreaterThan(escalate);
    if (safety >= 0) expect(safety).toBeLessThan(causes);
    expect(texts[sources]).toContain('pumps/p101-manual.md');
    const actions = blocks.find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual(['diagnosis_resolved', 'diagnosis_escalate', 'diagnosis_feedback_up', 'diagnosis_feedback_down']);
    // The fallback text is the Markdown diagnosis (notifications; history for follow-ups in the thread).
    expect(String(result.params.text)).toContain('*Probable causes*');

    const rows = await eventually(async () => {
      const r = await db.query<{ id: string; status: string; reply_ref: { thread_ts: string; ts: string[] } }>(`SELECT d.id, m.status, m.reply_ref FROM diagnoses d JOIN messages m ON m.id = d.message_id WHERE d.asset_id = 'P-101'`);
      return r.rows[0]?.status === 'delivered' ? r.rows : null;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('delivered');
    expect(rows[0]!.reply_ref.thread_ts).toBe(rootTs);
    const diagnosis = (await getDiagnosis(db, String(rows[0]!.id)))!;
    expect(diagnosis.status).toBe('answered');
    diagnosisResultSchema.parse(diagnosis.result);
    expect(actions.elements!.every((e) => e.value === diagnosis.id)).toBe(true);
    first = { diagnosis, rootTs, resultTs: fake.messages.find((m) => m.thread_ts === rootTs)!.ts };
  });

  it('"Not resolved — escalate" records the outcome and mentions the asset\'s on-call group in the thread', async () => {
    const { diagnosis, rootTs, resultTs } = first;
    const res = await postButtonPress(url, SECRET, { actionId: 'diagnosis_escalate', value: diagnosis.id, channel: 'C42', messageTs: resultTs, threadTs: rootTs });
    expect(res.status).toBe(200);
    const note = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === rootTs && String(c.params.text).includes('escalating'));
    expect(note.params.text).toBe(`:rotating_light: Not resolved — <@U123> is escalating diagnosis #${diagnosis.id} of P-101 to <!subteam^S0PUMPS> (on-call). Please take over in this thread.`);
    const update = await fake.waitFor((c) => c.method === 'chat.update' && c.params.ts === resultTs);
    expect(blocksOf(update).map(blockText).at(-1)).toBe(':rotating_light: Not resolved — escalated by <@U123>');
    expect(await getDiagnosis(db, diagnosis.id)).toMatchObject({ outcome: 'escalated', outcomeBy: 'U123', labelled: false });
  });

  it('"Resolved" records the outcome and makes the diagnosis a labelled example; 👍 records feedback privately', async () => {
    const { diagnosis, rootTs, resultTs } = first;
    await postButtonPress(url, SECRET, { actionId: 'diagnosis_resolved', value: diagnosis.id, channel: 'C42', messageTs: resultTs, threadTs: rootTs, user: 'U777' });
    const note = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === rootTs && String(c.params.text).includes('*resolved*'));
    expect(note.params.text).toBe(`:white_check_mark: <@U777> marked diagnosis #${diagnosis.id} of P-101 *resolved*. It is saved as a labelled example.`);
    expect(await getDiagnosis(db, diagnosis.id)).toMatchObject({ outcome: 'resolved', outcomeBy: 'U777', labelled: true });

    await postButtonPress(url, SECRET, { actionId: 'diagnosis_feedback_up', value: diagnosis.id, channel: 'C42', messageTs: resultTs, threadTs: rootTs });
    const eph = await fake.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === 'U123' && String(c.params.text).includes('👍'));
    expect(eph.params.thread_ts).toBe(rootTs);
    expect(await getDiagnosis(db, diagnosis.id)).toMatchObject({ feedback: 'up', feedbackBy: 'U123' });

    const { jsonl, count } = await exportLabelledExamples(db);
    expect(count).toBe(1);
    const ex = JSON.parse(jsonl) as { messages: Array<{ role: string; content: string }>; meta: { diagnosisId: string } };
    expect(ex.meta.diagnosisId).toBe(diagnosis.id);
    expect(ex.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(Object.keys(JSON.parse(ex.messages[2]!.content))).toEqual(['safety', 'causes', 'checks', 'parts', 'escalate']);
  });

  it('a button for a diagnosis of another workspace changes nothing', async () => {
    const { diagnosis, rootTs, resultTs } = first;
    await postButtonPress(url, SECRET, { actionId: 'diagnosis_escalate', value: diagnosis.id, channel: 'C42', messageTs: resultTs, threadTs: rootTs, team: 'T9', user: 'U9' });
    await fake.waitFor((c) => c.method === 'chat.postEphemeral' && c.params.user === 'U9');
    expect(await getDiagnosis(db, diagnosis.id)).toMatchObject({ outcome: 'resolved', outcomeBy: 'U777' });
  });

  it('/diagnose history lists the diagnosis and its outcome privately', async () => {
    const res = await postSlashCommand(url, SECRET, '/diagnose', 'history p-101');
    const body = await res.json() as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(new RegExp(`^Recent diagnoses of \`P-101\` \\(Feed-water pump\\):\\n• .* UTC · #${first.diagnosis.id} · E-214 high vibration after restart → .* · ✅ resolved by <@U777> 👍 · asked by <@U123>$`));
  });

  it.each([
    ['unknown asset', 'P-10 E-214 vibration', /^I don't know asset `P-10`\. Did you mean `P-101`, `P-102`\?$/],
    ['unknown code', 'P-101 E-215 vibration', /^`E-215` is not a fault code of model `CP-200` \(asset `P-101`\)\. Closest codes: `E-214`, `E-219`\./],
    ['empty text', '', /^Tell me which machine and what is wrong\. Usage:/],
    ['text over the limit', `P-101 ${'grinding noise '.repeat(30)}`, /^That request is too long \(\d+ characters; the limit is 300\)/],
  ])('%s → a clear private error, nothing enqueued, nothing posted', async (_name, text, re) => {
    const jobs = await jobTotal();
    const posts = fake.callsTo('chat.postMessage').length;
    const res = await postSlashCommand(url, SECRET, '/diagnose', text);
    const body = await res.json() as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(re);
    expect(await jobTotal()).toBe(jobs);
    expect(fake.callsTo('chat.postMessage').length).toBe(posts);
  });

  it('rejects an unsigned slash command with 401', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)), 'x-slack-signature': 'v0=00' }, body: 'command=%2Fdiagnose&text=P-101+E-214' });
    expect(res.status).toBe(401);
  });
});

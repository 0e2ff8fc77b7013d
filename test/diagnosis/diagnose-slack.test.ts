import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosisHistory, diagnosisResultSchema, getDiagnosis, importAssetsFile, ingestPaths, type Db } from '../../src/index.js';
import { DIAG_ACTIONS } from '../../adapters/slack/index.js';
import { diagnosisCard } from '../../adapters/teams/index.js';
import { FakeSlack } from '../support/fake-slack.js';
import { hasTestModel } from '../support/shared-assets.js';
import { postSignedToSlackApp } from '../support/slack-signing.js';
import { startTestService } from '../support/start-test-service.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines } from '../support/test-engine.js';

const SECRET = 'diag-secret';
const dir = mkdtempSync(path.join(tmpdir(), 'r1-diag-'));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe.skipIf(!hasTestModel)('/diagnose end to end (real inference under the JSON grammar)', () => {
  let fake: FakeSlack;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let url: string;
  const slash = (text: string, user = 'U1') => {
    const form = new URLSearchParams({
      token: 'legacy', team_id: 'T1', team_domain: 'plant', channel_id: 'CPLANT', channel_name: 'maintenance', user_id: user, user_name: 'tech',
      command: '/diagnose', text, api_app_id: 'A1', trigger_id: '1.2.3', response_url: `${fake.url}/resp/x`,
    }).toString();
    return postSignedToSlackApp(url, SECRET, form, { contentType: 'application/x-www-form-urlencoded' });
  };
  const jobs = async () => Object.values(await svc.rt.queues.inference.getJobCounts()).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    db = await createTestPgDb();
    svc = await startTestService(testConfig({
      SLACK_BOT_TOKEN: 'xoxb-d', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '1600',
    }), db);
    url = `${svc.baseUrl}/slack/events`;
    expect((await importAssetsFile(db, file('assets.csv', 'id,name,model,location,scope,oncall\nP-101,Feed pump,KSB-ETA-80,Hall 2,pumps,@pump-oncall\nP-102,Spare pump,KSB-ETA-80,Hall 2,pumps,\n'))).imported).toBe(2);
    expect((await importAssetsFile(db, file('codes.csv', 'model,code,meaning,severity\nKSB-ETA-80,E-214,Bearing temperature high,high\nKSB-ETA-80,E-215,Seal leak detected,medium\n'))).imported).toBe(2);
    writeFileSync(path.join(dir, 'manual.md'), '# KSB ETA pump manual\n\n## Bearing temperature high (E-214)\n\nCheck the bearing lubrication and the coupling alignment. High vibration after restart points to misalignment.\n');
    await ingestPaths({ db, scope: 'pumps', paths: [path.join(dir, 'manual.md')] } as never);
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await fake?.close();
    await closeTestEngines();
  });

  it('acks privately with the queue position within Slack\'s 3 s, then opens a thread with the structured result', async () => {
    const t0 = performance.now();
    const res = await slash('P-101 E-214 high vibration after restart');
    const ackMs = performance.now() - t0;
    const body = await res.json() as { response_type: string; text: string };
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(3000);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(/Diagnosis #\d+ for \*P-101\* \(Feed pump\) is queued — position \d+/);
    const id = /#(\d+)/.exec(body.text)![1]!;
    const root = await fake.waitFor((c) => c.method === 'chat.postMessage' && String(c.params.text).startsWith(`🔧 Diagnosis #${id}`), 120_000);
    expect(root.params.thread_ts).toBeUndefined(); // the diagnosis opens its own thread in the channel
    expect(root.params.channel).toBe('CPLANT');
    const ts = (fake.messages.find((m) => m.text === root.params.text))!.ts;
    const result = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts, 120_000);
    const blocks = result.params.blocks as Array<{ type: string; text?: { text: string }; elements?: Array<{ action_id?: string }> }>;
    expect(blocks[0]!.text!.text).toMatch(/Safety:.*lock-out\/tag-out/); // severity high → safety first
    expect(blocks.find((b) => b.type === 'header')?.text?.text).toBe('Diagnosis: P-101 — Feed pump');
    expect(blocks.at(-1)!.elements!.map((e) => e.action_id)).toEqual(Object.values(DIAG_ACTIONS));
    const stored = await getDiagnosis(db, id);
    expect(stored?.status).toBe('done');
    const parsed = diagnosisResultSchema.parse(stored!.result);
    expect(parsed.fault).toEqual({ code: 'E-214', meaning: 'Bearing temperature high', severity: 'high' });
    expect(parsed.sources.map((s) => s.source)).toEqual(['manual.md']);
    // The same definition renders the Teams card.
    const card = diagnosisCard(parsed) as { type: string; version: string; body: Array<{ text?: string }>; actions: Array<{ data: { action: string } }> };
    expect(card.type).toBe('AdaptiveCard');
    expect(card.body[0]!.text).toMatch(/Safety/);
    expect(card.actions.map((a) => a.data.action)).toEqual(['resolved', 'escalated', 'up', 'down']);
  }, 240_000);

  it.each([
    ['unknown asset', 'P-10 E-214 noise', /I don't know asset `P-10`\. Did you mean `P-101`, `P-102`\?/],
    ['unknown fault code', 'P-101 E-241 noise', /Fault code `E-241` is not in the catalogue for KSB-ETA-80 \(P-101\)\. Closest: `E-214`/],
    ['empty text', '', /Tell me which asset/],
    ['asset only', 'P-101', /What is the fault code or symptom for P-101/],
    ['text over the limit', `P-101 ${'x'.repeat(9000)}`, /too long/],
  ])('%s → a clear private error, nothing enqueued', async (_n, text, message) => {
    const before = await jobs();
    const res = await slash(text);
    const body = await res.json() as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toMatch(message);
    expect(await jobs()).toBe(before);
  });

  it('outcome buttons update the stored diagnosis; escalation mentions on-call; history lists it', async () => {
    const [latest] = await diagnosisHistory(db, 'P-101');
    const id = latest!.id;
    const thread = fake.messages.find((m) => m.text.startsWith(`🔧 Diagnosis #${id}`))!.ts;
    const click = (action_id: string) => postSignedToSlackApp(url, SECRET, new URLSearchParams({ payload: JSON.stringify({
      type: 'block_actions', user: { id: 'U9', username: 'lead', team_id: 'T1' }, api_app_id: 'A1', token: 'legacy', trigger_id: '1.2',
      team: { id: 'T1', domain: 'plant' }, channel: { id: 'CPLANT', name: 'maintenance' }, container: { type: 'message', message_ts: '1', channel_id: 'CPLANT' },
      message: { type: 'message', ts: '1700000200.000001', thread_ts: thread, text: 'diagnosis' }, response_url: `${fake.url}/resp/a`,
      actions: [{ action_id, block_id: `diag_${id}`, value: id, type: 'button', action_ts: '1' }],
    }) }).toString(), { contentType: 'application/x-www-form-urlencoded' });
    expect((await click(DIAG_ACTIONS.escalate)).status).toBe(200);
    const esc = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.params.thread_ts === thread && String(c.params.text).includes('escalating'));
    expect(String(esc.params.text)).toContain('@pump-oncall');
    expect((await getDiagnosis(db, id))?.outcome).toBe('escalated');
    await click(DIAG_ACTIONS.resolved);
    await click(DIAG_ACTIONS.up);
    const d = await getDiagnosis(db, id);
    expect(d).toMatchObject({ outcome: 'resolved', outcomeBy: 'U9', feedback: 'up', labelledExample: true });
    const hist = await (await slash('history P-101')).json() as { text: string };
    expect(hist.text).toContain(`#${id}`);
    expect(hist.text).toMatch(/→ resolved \(👍\)/);
  });
});

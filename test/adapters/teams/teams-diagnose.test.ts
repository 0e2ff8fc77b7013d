import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, type Db } from '../../../src/index.js';
import { getDiagnosis } from '../../../src/diagnosis/index.js';
import { adaptiveCardIssues } from '../../support/adaptive-card.js';
import { importTestRegistry } from '../../support/diagnosis-fixtures.js';
import { LocalBotFramework, teamsMessage } from '../../support/local-bot-framework.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const CHANNEL = '19:chan@thread.tacv2';
type Card = { type?: string; version?: string; body: Array<Record<string, unknown>>; actions?: Array<{ title: string; data: Record<string, unknown> }> };
const textsOf = (c: { body?: Record<string, unknown> }) => String(c.body?.text ?? '');

describe.skipIf(!hasTestModel)('Teams: `@R1 diagnose …` through the shared handler, result as an Adaptive Card in the reply chain', () => {
  let bf: LocalBotFramework;
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let botUrl: string;
  const jobTotal = async () => Object.values(await svc.rt.queues.inference.getJobCounts()).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    bf = await new LocalBotFramework().start();
    db = await createTestPgDb();
    await migrate(db);
    await importTestRegistry(db);
    svc = await startTestService(testConfig({ ...bf.settings(), LLAMA_SEQUENCES: '2', LLAMA_CONTEXT_SIZE: '2048', DIAGNOSIS_MAX_TOKENS: '1400', DIAGNOSIS_REASONING_TOKENS: '0' } as never), db);
    botUrl = `${svc.baseUrl}/api/messages`;
  });
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await bf?.close();
    await closeTestEngines();
  });

  it('queues the diagnosis, posts a valid Adaptive Card 1.5 into the chain, and the escalate button records the outcome', { timeout: 180_000 }, async () => {
    const act = teamsMessage(bf, { text: 'diagnose P-101 E-214 high vibration after restart' });
    expect((await bf.postActivity(botUrl, act)).status).toBe(200);
    const chain = `${CHANNEL};messageid=${act.id}`;
    const note = (await bf.waitForMessages(CHANNEL, 1)).find((c) => textsOf(c).startsWith('🔧 Diagnosing'));
    expect(textsOf(note!)).toMatch(/^🔧 Diagnosing `P-101` \(Feed-water pump\) for `E-214`: (position \d+ in the queue|starting now)\. The result will appear in this conversation\.$/);
    const [reply] = await bf.waitForMessages(chain, 1, 120_000);
    const card = (reply!.body!.attachments as Array<{ content: Card }>)[0]!.content;
    expect(adaptiveCardIssues(card)).toEqual([]);
    expect(card.body[0]!.text).toBe('🔧 Diagnosis for P-101 (Feed-water pump, Line A / Hall 2): E-214 — High vibration (🟠 alarm) · high vibration after restart');
    const submit = card.actions!.find((x) => x.title === 'Not resolved — escalate')!;
    expect(submit.data).toMatchObject({ r1: 'diagnosis', action: 'escalate' });
    const id = String(submit.data.diagnosisId);
    expect((await getDiagnosis(db, id))!.status).toBe('answered');

    const press = teamsMessage(bf, { text: '', rootId: String(act.id), mention: false, user: 'bob', value: submit.data });
    expect((await bf.postActivity(botUrl, press)).status).toBe(200);
    const [, escalation] = await bf.waitForMessages(chain, 2);
    expect(textsOf(escalation!)).toBe(`🚨 Not resolved — bob is escalating diagnosis #${id} of P-101 to S0PUMPS (on-call).`);
    expect(await getDiagnosis(db, id)).toMatchObject({ outcome: 'escalated', outcomeBy: 'aad-bob', labelled: false });
  });

  it('an unknown asset gets the closest matches in the conversation and nothing is queued', async () => {
    const before = await jobTotal();
    const act = teamsMessage(bf, { text: 'diagnose P-10 E-214 vibration' });
    await bf.postActivity(botUrl, act);
    // The turn answers before its HTTP response ends: the reply is already recorded.
    const hit = bf.messagesTo(CHANNEL).find((c) => textsOf(c).startsWith("I don't know asset `P-10`"));
    expect(textsOf(hit!)).toBe("I don't know asset `P-10`. Did you mean `P-101`, `P-102`?");
    expect(await jobTotal()).toBe(before);
    expect((await db.query('SELECT 1 FROM diagnoses WHERE asset_id = $1', ['P-10'])).rows).toEqual([]);
  });
});

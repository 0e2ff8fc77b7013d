import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, getMessageByJobId, getMessagePrompt, inferenceJobId, listFeedback, type Db } from '../../../src/index.js';
import { API_TENANT } from '../../../adapters/api/index.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgDb } from '../../support/test-db.js';
import { closeTestEngines } from '../../support/test-engine.js';

const MODEL = 'stories260K-r1-test';

/** `POST /v1/feedback` on the whole service: the completion id the client got names the answer. */
describe.skipIf(!hasTestModel)('/v1/feedback: votes and corrections by completion id', () => {
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const keys: Record<string, string> = {};
  let completionId: string;
  let messageId: string;
  const feedback = (key: string | null, body: unknown) => fetch(`${svc.baseUrl}/v1/feedback`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body),
  });

  beforeAll(async () => {
    db = await createTestPgDb();
    svc = await startTestService(testConfig({ API_KEYS: 'true', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '1024', LLAMA_MAX_TOKENS: '64' }), db);
    for (const n of ['alpha', 'beta']) keys[n] = (await createApiKey(db, n)).key;
    const openai = new OpenAI({ apiKey: keys.alpha, baseURL: `${svc.baseUrl}/v1`, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me a story.' }], max_tokens: 8 });
    completionId = r.id;
    messageId = (await getMessageByJobId(db, inferenceJobId('api', API_TENANT, completionId)))!.id;
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    await db?.close();
    await closeTestEngines();
  });

  it('the completion id names the stored answer, with the exact prompt the model saw', async () => {
    expect(completionId).toMatch(/^chatcmpl-/);
    const prompt = (await getMessagePrompt(db, messageId))!;
    expect(prompt.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Tell me a story.' }]);
  });

  it('a vote, then a correction (a 👎) by the same client: one vote, the last counts; an end user votes apart', async () => {
    const up = await feedback(keys.alpha!, { completion_id: completionId, value: 'up' });
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ object: 'feedback', completion_id: completionId, value: 'up', correction: false });
    const fix = await feedback(keys.alpha!, { completion_id: completionId, correction: 'Once upon a time, a dog found a bone.' });
    expect(await fix.json()).toEqual({ object: 'feedback', completion_id: completionId, value: 'down', correction: true });
    expect((await feedback(keys.alpha!, { completion_id: completionId, value: 'up', user: 'end-user-7' })).status).toBe(200);
    expect(await listFeedback(db, messageId)).toEqual([
      { userId: 'alpha', value: 'down', correction: 'Once upon a time, a dog found a bone.' },
      { userId: 'alpha/end-user-7', value: 'up' },
    ]);
  });

  it.each([
    { name: 'another client\'s completion', key: 'beta', body: () => ({ completion_id: completionId, value: 'down' }), status: 404, code: 'completion_not_found' },
    { name: 'an unknown completion', key: 'alpha', body: () => ({ completion_id: 'chatcmpl-nope', value: 'down' }), status: 404, code: 'completion_not_found' },
    { name: 'no value and no correction', key: 'alpha', body: () => ({ completion_id: completionId }), status: 400, code: 'invalid_value' },
    { name: 'a bad value', key: 'alpha', body: () => ({ completion_id: completionId, value: 'meh' }), status: 400, code: 'invalid_value' },
    { name: 'a correction with 👍', key: 'alpha', body: () => ({ completion_id: completionId, value: 'up', correction: 'x' }), status: 400, code: 'invalid_value' },
    { name: 'an id that is not a completion id', key: 'alpha', body: () => ({ completion_id: '42', value: 'up' }), status: 400, code: 'invalid_value' },
    { name: 'no credentials', key: null, body: () => ({ completion_id: completionId, value: 'down' }), status: 401, code: undefined },
  ])('refuses $name ($status), changing nothing', async ({ key, body, status, code }) => {
    const before = await listFeedback(db, messageId);
    const res = await feedback(key ? keys[key]! : null, body());
    expect(res.status).toBe(status);
    const err = (await res.json()) as { error: { code: string | null; type: string } };
    if (code) expect(err.error.code).toBe(code);
    expect(await listFeedback(db, messageId)).toEqual(before);
  });
});

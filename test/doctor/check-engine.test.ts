import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEngine } from '../../src/index.js';
import { closedPort } from '../support/closed-port.js';
import { FakeOpenAiEngine } from '../support/fake-openai-engine.js';
import { testConfig } from '../support/test-config.js';

describe('npm run doctor: the engine check (ENGINE=openai)', () => {
  const fake = new FakeOpenAiEngine();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('lists the models and runs a 1-token completion', async () => {
    const r = await checkEngine(testConfig({ ENGINE: 'openai', ENGINE_URL: fake.baseUrl }));
    expect(r.status).toBe('ok');
    expect(r.detail).toMatch(/model deepseek-ai\/DeepSeek-R1 \(first listed; set ENGINE_MODEL to pin it\), 1-token completion in \d+ ms/);
    expect(fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 1, model: 'deepseek-ai/DeepSeek-R1' });
  });

  it.each([
    ['an unknown ENGINE_MODEL', async () => ({ ENGINE_URL: fake.baseUrl, ENGINE_MODEL: 'other' }), /ENGINE_MODEL 'other' is not served .*lists: deepseek-ai\/DeepSeek-R1/, /--served-model-name/],
    ['an engine that is not there', async () => ({ ENGINE_URL: `http://127.0.0.1:${await closedPort()}/v1` }), /GET http:\/\/127\.0\.0\.1:\d+\/v1\/models: Connection error/, /start the engine or fix ENGINE_URL/],
  ])('fails with %s, saying what to fix', async (_n, env, detail, fix) => {
    const r = await checkEngine(testConfig({ ENGINE: 'openai', ...(await env()) }));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(detail);
    expect(r.fix).toMatch(fix);
  });

  it('fails when the completion itself fails', async () => {
    fake.script.push({ kind: 'status', status: 500 });
    const r = await checkEngine(testConfig({ ENGINE: 'openai', ENGINE_URL: fake.baseUrl }));
    expect(r).toMatchObject({ status: 'fail' });
    expect(r.detail).toMatch(/POST .*chat\/completions \(1 token, model deepseek-ai\/DeepSeek-R1\): 500/);
  });
});

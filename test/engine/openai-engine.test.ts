import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLogger, EngineRateLimitError, EngineRequestError, EngineUnavailableError, OpenAiEngine, retryAfterMsOf, ThinkTagStream,
  type GenerationChunk, type OpenAiEngineOptions,
} from '../../src/index.js';
import { FakeOpenAiEngine } from '../support/fake-openai-engine.js';

const log = createLogger({ level: 'silent' });
const breaker = { errorPercent: 50, minRequests: 2, windowMs: 10_000, resetMs: 150 };
const make = (fake: FakeOpenAiEngine, o: Partial<OpenAiEngineOptions> = {}) =>
  new OpenAiEngine({ baseUrl: fake.baseUrl, maxConcurrency: 4, timeoutMs: 2000, retries: 1, breaker, log, ...o });
const ask = { context: [{ role: 'system' as const, text: 'Be brief.' }], question: 'Why is the sky blue?', maxTokens: 64, temperature: 0 };

describe('ThinkTagStream', () => {
  it.each([
    ['tags whole', ['<think>a b</think>Answer'], [{ kind: 'thought', text: 'a b' }, { kind: 'answer', text: 'Answer' }]],
    ['tags split over deltas', ['<th', 'ink>x', 'y</thi', 'nk>', 'A'], [{ kind: 'thought', text: 'xy' }, { kind: 'answer', text: 'A' }]],
    ['no tags', ['plain ', 'text <'], [{ kind: 'answer', text: 'plain text <' }]],
  ])('%s', (_name, deltas, expected) => {
    const s = new ThinkTagStream();
    const out: GenerationChunk[] = [];
    for (const d of deltas) out.push(...s.push(d));
    out.push(...s.flush());
    const merged = out.reduce<GenerationChunk[]>((acc, c) => (acc.at(-1)?.kind === c.kind ? (acc.at(-1)!.text += c.text, acc) : [...acc, { ...c }]), []);
    expect(merged).toEqual(expected);
  });
});

describe('retryAfterMsOf', () => {
  it.each([
    [{ 'retry-after-ms': '250' }, 250],
    [{ 'retry-after': '2' }, 2000],
    [{ 'retry-after': new Date(10_000).toUTCString() }, 9000],
    [{}, undefined],
  ])('%o → %s', (h, ms) => expect(retryAfterMsOf(new Headers(h as Record<string, string>), 1000)).toBe(ms));
});

describe('OpenAiEngine against a fake OpenAI-compatible server', () => {
  const fake = new FakeOpenAiEngine();
  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.script.length = 0;
    fake.requests.length = 0;
  });

  it('reads R1 reasoning from reasoning_content deltas (vLLM --reasoning-parser, SGLang, DeepSeek) and streams both kinds', async () => {
    const engine = make(fake);
    fake.script.push({ kind: 'stream', deltas: [{ reasoning_content: 'Rayleigh ' }, { reasoning_content: 'scattering.' }, { content: 'Short ' }, { content: 'wavelengths scatter.' }], usage: { prompt: 12, completion: 4, reasoning: 2 } });
    const chunks: GenerationChunk[] = [];
    const r = await engine.generate({ ...ask, onChunk: (c) => chunks.push(c) });
    expect(r).toMatchObject({ answer: 'Short wavelengths scatter.', reasoning: 'Rayleigh scattering.', stopped: false, promptTokens: 12, completionTokens: 4, reasoningTokens: 2, batchPeak: 1 });
    expect(chunks.map((c) => c.kind)).toEqual(['thought', 'thought', 'answer', 'answer']);
    expect(r.timings.firstTokenMs).toBeGreaterThan(0);
    // The request the server saw: streamed, usage asked for, the model from /v1/models, our messages.
    expect(fake.requests[0]!.body).toMatchObject({
      model: 'deepseek-ai/DeepSeek-R1', stream: true, stream_options: { include_usage: true }, max_tokens: 64, temperature: 0,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Why is the sky blue?' }],
    });
    expect(await engine.modelIdentity).toEqual({ engine: 'openai', id: 'deepseek-ai/DeepSeek-R1', sha256: null });
    await engine.close();
  });

  it('reads R1 reasoning from <think> tags in content, split across deltas, and from a lone </think>', async () => {
    const engine = make(fake);
    fake.script.push({ kind: 'stream', deltas: [{ content: '<thi' }, { content: 'nk>Hmm, ' }, { content: 'light.</th' }, { content: 'ink>\n\nBlue light scatters.' }] });
    const chunks: GenerationChunk[] = [];
    const r = await engine.generate({ ...ask, onChunk: (c) => chunks.push(c) });
    expect(r).toMatchObject({ answer: 'Blue light scatters.', reasoning: 'Hmm, light.' });
    expect(chunks.filter((c) => c.kind === 'thought').map((c) => c.text).join('')).toBe('Hmm, light.');
    // Newer R1 templates open <think> in the prompt: only the closing tag is generated.
    fake.script.push({ kind: 'stream', deltas: [{ content: 'Thinking quietly.' }, { content: '</think>' }, { content: 'Done.' }] });
    expect(await engine.generate(ask)).toMatchObject({ answer: 'Done.', reasoning: 'Thinking quietly.' });
    await engine.close();
  });

  it('Stop aborts the HTTP request: the partial answer comes back stopped and the server sees the hang-up', async () => {
    const engine = make(fake);
    fake.script.push({ kind: 'stream', deltas: Array.from({ length: 200 }, (_, i) => ({ content: `w${i} ` })), delayMs: 10 });
    const ac = new AbortController();
    let seen = 0;
    const r = await engine.generate({ ...ask, signal: ac.signal, onChunk: () => (++seen === 3 ? ac.abort() : undefined) });
    expect(r.stopped).toBe(true);
    expect(r.answer.startsWith('w0 w1 w2')).toBe(true);
    await expect.poll(() => fake.requests[0]!.aborted).toBe(true);
    expect(engine.inFlight).toBe(0);
    await engine.close();
  });

  it('spends the reasoning budget, then aborts the request', async () => {
    const engine = make(fake);
    fake.script.push({ kind: 'stream', deltas: Array.from({ length: 100 }, () => ({ reasoning_content: 'more ' })), delayMs: 5 });
    const r = await engine.generate({ ...ask, thoughtBudget: 5 });
    expect(r.reasoningTokens).toBe(6);
    expect(r.stopped).toBe(false);
    await expect.poll(() => fake.requests[0]!.aborted).toBe(true);
    await engine.close();
  });

  it('asks for guided JSON with response_format json_schema', async () => {
    const engine = make(fake);
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] };
    fake.script.push({ kind: 'stream', deltas: [{ content: '{"ok":' }, { content: 'true}' }] });
    const r = await engine.generate({ ...ask, jsonSchema: schema });
    expect(JSON.parse(r.answer)).toEqual({ ok: true });
    expect(fake.requests[0]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } });
    await expect(engine.generate({ ...ask, gbnf: 'root ::= "x"' })).rejects.toBeInstanceOf(EngineRequestError);
    await engine.close();
  });

  it('LoRA: a channel\'s adapter is requested as the model the engine serves it under (ENGINE_LORA_MODELS or its own name); one not served answers with the base model', async () => {
    fake.loraModels.push('pumps-lora-v2', 'valves');
    const engine = make(fake, { loraModels: { pumps: 'pumps-lora-v2' }, modelsTtlMs: 0 });
    const mapped = await engine.generate({ ...ask, adapter: 'pumps' });
    expect(fake.requests[0]!.body.model).toBe('pumps-lora-v2');
    expect(mapped.adapter).toEqual({ name: 'pumps', sha256: null, modelId: 'pumps-lora-v2' });
    expect((await engine.generate({ ...ask, adapter: 'valves' })).adapter).toEqual({ name: 'valves', sha256: null, modelId: 'valves' });
    expect(fake.requests[1]!.body.model).toBe('valves');
    // Not at /v1/models: the base model answers, and the answer says so.
    const unserved = await engine.generate({ ...ask, adapter: 'boilers' });
    expect(fake.requests[2]!.body.model).toBe('deepseek-ai/DeepSeek-R1');
    expect(unserved.adapter).toBeNull();
    expect((await engine.generate(ask)).adapter).toBeNull();
    // Loaded into the engine at runtime (vLLM /v1/load_lora_adapter): found when the listing is read again.
    fake.loraModels.push('boilers');
    expect((await engine.generate({ ...ask, adapter: 'boilers' })).adapter).toMatchObject({ name: 'boilers', modelId: 'boilers' });
    expect(fake.requests.at(-1)!.body.model).toBe('boilers');
    // The model identity stays the base model's.
    expect((await engine.modelIdentity).id).toBe('deepseek-ai/DeepSeek-R1');
    fake.loraModels.length = 0;
    await engine.close();
  });

  it('retries a 5xx with backoff inside the call (the client\'s retry) and then answers', async () => {
    const engine = make(fake);
    fake.script.push({ kind: 'status', status: 503 });
    const r = await engine.generate(ask);
    expect(r.answer).toBe('Hello there.');
    expect(fake.requests).toHaveLength(2);
    await engine.close();
  });

  it('a connection dropped mid-stream fails the call (the job retries it); a slow first byte under ENGINE_TIMEOUT_MS is fine, over it fails', async () => {
    const engine = make(fake, { retries: 0, breaker: { ...breaker, minRequests: 100 } });
    fake.script.push({ kind: 'drop', deltas: [{ content: 'Half an ans' }] });
    await expect(engine.generate(ask)).rejects.toBeInstanceOf(EngineUnavailableError);
    fake.script.push({ kind: 'stream', deltas: [{ content: 'Late.' }], firstByteDelayMs: 300 });
    const slow = await engine.generate(ask);
    expect(slow.answer).toBe('Late.');
    expect(slow.timings.firstTokenMs).toBeGreaterThanOrEqual(290);
    const strict = make(fake, { retries: 0, timeoutMs: 100, breaker: { ...breaker, minRequests: 100 } });
    fake.script.push({ kind: 'stream', deltas: [{ content: 'Too late.' }], firstByteDelayMs: 400 });
    await expect(strict.generate(ask)).rejects.toThrow(/ENGINE_TIMEOUT_MS \(100 ms\)/);
    await Promise.all([engine.close(), strict.close()]);
  });

  it('a stream that goes silent mid-answer is cut after ENGINE_STALL_TIMEOUT_MS and fails the call; a slow but steady one is fine', async () => {
    const engine = make(fake, { retries: 0, timeoutMs: 5000, stallTimeoutMs: 150, breaker: { ...breaker, minRequests: 100 } });
    fake.script.push({ kind: 'stall', deltas: [{ content: 'Half an ans' }] });
    const t0 = performance.now();
    const err = await engine.generate(ask).catch((e: unknown) => e);
    // Noticed within a few stall periods, not only when the (much longer) first-byte limit is up.
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toMatch(/stalled: no chunk for ENGINE_STALL_TIMEOUT_MS \(150 ms\)/);
    // The stalled request was aborted: the engine can free its sequence.
    await expect.poll(() => fake.requests[0]!.aborted).toBe(true);
    expect(engine.inFlight).toBe(0);
    // Gaps under the stall timeout add up to far more than it: only the silence between chunks counts.
    fake.script.push({ kind: 'stream', deltas: Array.from({ length: 8 }, (_, i) => ({ content: `w${i} ` })), delayMs: 40 });
    expect((await engine.generate(ask)).answer).toBe('w0 w1 w2 w3 w4 w5 w6 w7');
    await engine.close();
  });

  it('the stall watch runs on an injectable clock: silence is measured by it, not by the wall', async () => {
    let t = 0;
    const engine = make(fake, { retries: 0, timeoutMs: 300, stallTimeoutMs: 300, now: () => t, breaker: { ...breaker, minRequests: 100 } });
    fake.script.push({ kind: 'stall', deltas: [{ content: 'Half' }] });
    const pending = engine.generate({ ...ask, onChunk: () => (t += 5000) }).catch((e: unknown) => e);
    // The clock jumped past the limit at the first chunk: the next check (≤ timeoutMs of wall time) cuts the stream.
    expect(((await pending) as Error).message).toMatch(/ENGINE_STALL_TIMEOUT_MS \(300 ms\) after \d+ chunks/);
    await engine.close();
  });

  it('429 with Retry-After: the client waits it out once, then the call asks the job to wait (EngineRateLimitError)', async () => {
    const engine = make(fake, { retries: 1 });
    fake.script.push({ kind: 'status', status: 429, headers: { 'retry-after-ms': '50' } }, { kind: 'status', status: 429, headers: { 'retry-after-ms': '1500' } });
    const err = await engine.generate(ask).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRateLimitError);
    expect((err as EngineRateLimitError).retryAfterMs).toBe(1500);
    expect(fake.requests).toHaveLength(2);
    await engine.close();
  });

  it('a 4xx is the request\'s fault: refused at once, never opens the breaker', async () => {
    const engine = make(fake, { retries: 0 });
    for (let i = 0; i < 3; i++) fake.script.push({ kind: 'status', status: 400 });
    for (let i = 0; i < 3; i++) await expect(engine.generate(ask)).rejects.toBeInstanceOf(EngineRequestError);
    expect(engine.health.state).toBe('up');
    await expect(make(fake, { model: 'nope' }).generate(ask)).rejects.toThrow(/ENGINE_MODEL 'nope' is not served/);
    await engine.close();
  });

  it('engine down: the breaker opens (calls fail fast, asking the job to wait), a /v1/models probe closes it when the engine is back', async () => {
    const engine = make(fake, { retries: 0 });
    await engine.modelIdentity;
    const states: string[] = [];
    engine.health.onChange((s) => states.push(s));
    await fake.stop();
    const first = await engine.generate(ask).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(EngineUnavailableError);
    const second = (await engine.generate(ask).catch((e: unknown) => e)) as EngineUnavailableError;
    expect(engine.health.state).toBe('down');
    expect(engine.health.reason).toMatch(/connection/);
    // Opened by this failure: the job should wait for the probe, not spend an attempt.
    expect(second.retryAfterMs).toBe(breaker.resetMs);
    const fast = (await engine.generate(ask).catch((e: unknown) => e)) as EngineUnavailableError;
    expect(fast.message).toMatch(/circuit open/);
    expect(fake.requests).toHaveLength(0);
    await expect.poll(() => states.includes('probing')).toBe(true); // the probe failed: still down
    await fake.start();
    await expect.poll(() => engine.health.state, { timeout: 3000 }).toBe('up');
    expect(states.at(-1)).toBe('up');
    expect((await engine.generate(ask)).answer).toBe('Hello there.');
    await engine.close();
  });
});

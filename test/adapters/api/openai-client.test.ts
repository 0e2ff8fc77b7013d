import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createBearerAuthenticator, migrate, revokeApiKey, type Db, type InferenceEngine } from '../../../src/index.js';
import { MODEL_ONLY_NOTE, type ApiChatBackend } from '../../../adapters/api/index.js';
import { createEngineChatBackend } from '../../support/engine-chat-backend.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startApiServer, type TestApiServer } from '../../support/start-api-server.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines, getTestEngine } from '../../support/test-engine.js';

const MODEL = 'stories260K-r1-test';
/** Forces a real `<think>` segment out of the tiny model (see shared/models/README.md). */
const THINK_GBNF = 'root ::= "<think>" [a-z .]{4,40} "</think>" [a-zA-Z .]{4,60}';

describe.skipIf(!hasTestModel)('OpenAI-compatible API through the official openai client', () => {
  let db: Db;
  let engine: InferenceEngine;
  let key: string;
  const servers: TestApiServer[] = [];
  const start = async (backendOpts: Partial<Parameters<typeof createEngineChatBackend>[0]> = {}, serverOpts: { questionMaxChars?: number; bodyLimitBytes?: number; imageLimits?: { maxBytes: number; maxCount: number } } = {}) => {
    const backend = createEngineChatBackend({ engine, maxTokens: 64, ...backendOpts });
    const auth = createBearerAuthenticator({ apiKeysDb: db, requiredScope: 'r1.chat' });
    const srv = await startApiServer({ auth, chat: backend, ...serverOpts });
    servers.push(srv);
    const client = (apiKey = key) => new OpenAI({ apiKey, baseURL: `${srv.baseUrl}/v1`, maxRetries: 0 });
    return { backend, srv, client };
  };

  beforeAll(async () => {
    db = await createTestPgliteDb();
    await migrate(db);
    key = (await createApiKey(db, 'svc-a')).key;
    // One sequence: a request can only run once the previous one has released it.
    engine = await getTestEngine(1, 1024);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await closeTestEngines();
    await db.close();
  });

  it('answers a non-streaming completion with content, usage and the model-only note', async () => {
    const { client, backend } = await start();
    const r = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a dog.' }], max_tokens: 24 });
    const gen = backend.results[0]!;
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe(MODEL);
    const content = r.choices[0]!.message.content!;
    // The real generation, then the same note Slack shows under a model-only answer.
    expect(content).toBe(`${gen.answer}\n\n_${MODEL_ONLY_NOTE}_`);
    expect(gen.answer.length).toBeGreaterThan(0);
    expect(content).not.toContain('<think>');
    expect(r.usage).toMatchObject({ prompt_tokens: gen.promptTokens, completion_tokens: gen.completionTokens, total_tokens: gen.promptTokens + gen.completionTokens });
    expect(r.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    expect(r.choices[0]!.finish_reason).toBe(gen.completionTokens >= 24 ? 'length' : 'stop');
    expect((r as unknown as { sources: unknown[] }).sources).toEqual([]);
  });

  it('puts forced reasoning in reasoning_content, never in content, with reasoning_tokens counted', async () => {
    const { client, backend } = await start({ gbnf: THINK_GBNF, maxTokens: 96 });
    const r = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a dog.' }] });
    const msg = r.choices[0]!.message as typeof r.choices[0]['message'] & { reasoning_content?: string };
    const gen = backend.results[0]!;
    expect(gen.reasoning.length).toBeGreaterThan(3);
    expect(msg.reasoning_content).toBe(gen.reasoning);
    expect(msg.content).not.toContain('<think>');
    expect(msg.content).not.toContain('</think>');
    expect(msg.content!.startsWith(gen.answer)).toBe(true);
    expect(r.usage!.completion_tokens_details!.reasoning_tokens).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens_details!.reasoning_tokens).toBeLessThan(r.usage!.completion_tokens);
  });

  it('streams chat.completion.chunk deltas: reasoning apart, then content, then finish_reason, usage and sources', async () => {
    const { client, backend } = await start({ gbnf: THINK_GBNF, maxTokens: 96 });
    const stream = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a cat.' }], stream: true });
    let reasoning = '';
    let content = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) {
      chunks.push(c);
      const d = c.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      reasoning += d?.reasoning_content ?? '';
      content += d?.content ?? '';
    }
    const gen = backend.results[0]!;
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
    expect(reasoning).toBe(gen.reasoning);
    expect(content).toBe(`${gen.answer}\n\n_${MODEL_ONLY_NOTE}_`);
    expect(content).not.toContain('<think>');
    // Reasoning deltas all come before the first answer text.
    const firstContent = chunks.findIndex((c) => (c.choices[0]?.delta.content ?? '') !== '');
    const lastReasoning = chunks.findLastIndex((c) => ((c.choices[0]?.delta as { reasoning_content?: string }).reasoning_content ?? '') !== '');
    expect(lastReasoning).toBeLessThan(firstContent);
    const last = chunks.at(-1)! as OpenAI.Chat.Completions.ChatCompletionChunk & { sources?: unknown[] };
    expect(last.choices[0]!.finish_reason).toMatch(/^(stop|length)$/);
    expect(last.usage).toMatchObject({ prompt_tokens: gen.promptTokens, completion_tokens: gen.completionTokens, completion_tokens_details: { reasoning_tokens: gen.reasoningTokens } });
    expect(last.sources).toEqual([]);
  });

  it('ends the raw stream with data: [DONE]', async () => {
    const { srv } = await start();
    const res = await fetch(`${srv.baseUrl}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(events.slice(0, -1).every((e) => e.startsWith('data: {'))).toBe(true);
  });

  it('a client that aborts mid-stream stops the generation and frees the one sequence for the next request', async () => {
    const { client, backend } = await start({ maxTokens: 600 });
    const stream = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Once upon a time there was a big dog. Tell me the whole long story.' }], stream: true });
    let pieces = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta.content) pieces++;
      if (pieces === 3) {
        stream.controller.abort();
        break;
      }
    }
    // The next request can only run on the engine's single sequence once the first released it.
    const next = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 });
    expect(next.choices[0]!.message.content).toBeTruthy();
    expect(backend.signals[0]!.aborted).toBe(true);
    const first = backend.results[0]!;
    expect(first.stopped).toBe(true);
    expect(first.completionTokens).toBeLessThan(600);
  });

  it('stop strings end the content before the stop text', async () => {
    const { client, backend } = await start();
    const full = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a dog.' }], max_tokens: 40 });
    const answer = backend.results[0]!.answer;
    const words = answer.split(' ').filter((w) => w.length > 3);
    const stopWord = words[Math.min(2, words.length - 1)]!;
    expect(full.choices[0]!.message.content).toContain(stopWord);
    const cut = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a dog.' }], max_tokens: 40, stop: [stopWord] });
    expect(cut.choices[0]!.message.content).toBe(`${answer.slice(0, answer.indexOf(stopWord))}\n\n_${MODEL_ONLY_NOTE}_`);
    expect(cut.choices[0]!.finish_reason).toBe('stop');
  });

  it('a cited answer carries the sources list at the end of content and as a structured array (JSON and stream)', async () => {
    const sources = [
      { n: 1, title: 'P-101 manual', source: 'pumps/p101-manual.md', section: 'Seals' },
      { n: 2, title: 'Vendor bulletin', source: 'https://docs.example.com/b7', section: '', web: true },
    ];
    const { client, backend } = await start({ knowledge: { sources, status: 'cited' } });
    const listing = '\n\n**Sources**\n[1] **P-101 manual** › Seals · `pumps/p101-manual.md`\n[2] 🌐 web · [Vendor bulletin](https://docs.example.com/b7)';
    const structured = [
      { index: 1, title: 'P-101 manual', section: 'Seals', path: 'pumps/p101-manual.md' },
      { index: 2, title: 'Vendor bulletin', section: '', url: 'https://docs.example.com/b7' },
    ];
    const r = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'How do I replace the seal?' }], max_tokens: 16 });
    expect(r.choices[0]!.message.content).toBe(`${backend.results[0]!.answer}${listing}`);
    expect((r as unknown as { sources: unknown }).sources).toEqual(structured);

    const stream = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'How do I replace the seal?' }], max_tokens: 16, stream: true });
    let content = '';
    let last: unknown;
    for await (const c of stream) {
      content += c.choices[0]?.delta.content ?? '';
      last = c;
    }
    expect(content).toBe(`${backend.results[1]!.answer}${listing}`);
    expect((last as { sources: unknown }).sources).toEqual(structured);
  });

  it('a failure mid-stream reaches the SDK as an APIError event, after the text already sent', async () => {
    const inner = createEngineChatBackend({ engine, maxTokens: 16 });
    const failing: ApiChatBackend = {
      async complete(req, client, signal) {
        const events = await inner.complete(req, client, signal);
        return (async function* () {
          for await (const e of events) {
            if (e.type === 'done') throw new Error('worker lost');
            yield e;
          }
        })();
      },
    };
    const srv = await startApiServer({ auth: createBearerAuthenticator({ apiKeysDb: db, requiredScope: 'r1.chat' }), chat: failing });
    servers.push(srv);
    const client = new OpenAI({ apiKey: key, baseURL: `${srv.baseUrl}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 16, stream: true });
    let content = '';
    const e = await (async () => {
      for await (const c of stream) content += c.choices[0]?.delta.content ?? '';
    })().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OpenAI.APIError);
    expect((e as InstanceType<typeof OpenAI.APIError>).message).toMatch(/server had an error/);
    expect(content).toBe(inner.results[0]!.answer);
  });

  it('lists the served model', async () => {
    const { client } = await start();
    const models = [];
    for await (const m of client().models.list()) models.push(m.id);
    expect(models).toEqual([MODEL]);
  });

  it('raises the SDK\'s typed errors: 401 for a bad or revoked key, 400 naming the param, 404 for another model, 413, 429 with Retry-After, 503', async () => {
    const { client } = await start({ ratePerMin: 2 });
    const ask = (c: OpenAI, extra: Record<string, unknown> = {}) => c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4, ...extra } as never);

    const bad = await ask(client('r1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((bad as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });

    for (const [extra, param] of [[{ n: 2 }, 'n'], [{ tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] }, 'tools'], [{ logprobs: true }, 'logprobs'], [{ temperature: 5 }, 'temperature']] as const) {
      const e = await ask(client(), extra).catch((x: unknown) => x);
      expect(e, JSON.stringify(extra)).toBeInstanceOf(OpenAI.BadRequestError);
      expect((e as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
    const img = await client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] }).catch((x: unknown) => x);
    expect(img).toBeInstanceOf(OpenAI.BadRequestError);
    // Image parts are accepted now (data: URLs only); bytes that are no image are refused, naming the URL.
    expect((img as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[0].content[0].image_url.url');
    const other = await ask(client(), { model: 'gpt-4o' }).catch((x: unknown) => x);
    expect(other).toBeInstanceOf(OpenAI.NotFoundError);

    await ask(client());
    await ask(client());
    const limited = await ask(client()).catch((x: unknown) => x);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const retryAfter = Number((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const { client: small } = await start({}, { questionMaxChars: 10 });
    const long = await small().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(11) }] }).catch((x: unknown) => x);
    expect(long).toBeInstanceOf(OpenAI.APIError);
    expect((long as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    // The chat route's limit is the text limit plus room for the images at their limit: make that room tiny.
    const { client: tiny } = await start({}, { bodyLimitBytes: 200, imageLimits: { maxBytes: 1, maxCount: 1 } });
    const big = await tiny().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'y'.repeat(300) }] }).catch((x: unknown) => x);
    expect((big as InstanceType<typeof OpenAI.APIError>).status).toBe(413);

    const { client: down } = await start({ ready: () => false });
    const unavailable = await ask(down()).catch((x: unknown) => x);
    expect(unavailable).toBeInstanceOf(OpenAI.InternalServerError);
    expect((unavailable as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  });

  it('a revoked key gets 401 from the next request on', async () => {
    const { client } = await start();
    const { key: k } = await createApiKey(db, 'svc-revoked');
    await expect(client(k).models.list()).resolves.toBeDefined();
    expect(await revokeApiKey(db, 'svc-revoked')).toBe(true);
    await expect(client(k).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('answers errors in OpenAI\'s shape with WWW-Authenticate, and unknown /v1 paths with an OpenAI 404', async () => {
    const { srv } = await start();
    const noAuth = await fetch(`${srv.baseUrl}/v1/models`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const body = await noAuth.json();
    expect(body).toEqual({ error: { message: expect.stringMatching(/Authorization/), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    const unknown = await fetch(`${srv.baseUrl}/v1/assistants`, { headers: { authorization: `Bearer ${key}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    const badJson = await fetch(`${srv.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('with no authentication configured, /v1 is not mounted (404)', async () => {
    const backend = createEngineChatBackend({ engine, maxTokens: 8 });
    const srv = await startApiServer({ chat: backend });
    servers.push(srv);
    expect((await fetch(`${srv.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
    expect((await fetch(`${srv.baseUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect(backend.signals).toHaveLength(0);
  });
});

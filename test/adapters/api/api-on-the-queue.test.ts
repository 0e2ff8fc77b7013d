import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachScope, createApiKey, ingestPaths, type Db, type GenerateRequest, type GenerateResult } from '../../../src/index.js';
import { MODEL_ONLY_NOTE } from '../../../adapters/api/index.js';
import { PLANT_A_DIR } from '../../support/rag-fixtures.js';
import { hasTestModel } from '../../support/shared-assets.js';
import { startTestService } from '../../support/start-test-service.js';
import { testConfig } from '../../support/test-config.js';
import { createTestPgliteDb } from '../../support/test-db.js';
import { closeTestEngines, getTestEngine } from '../../support/test-engine.js';

const MODEL = 'stories260K-r1-test';

/**
 * The API as deployed: the whole service (admission → intake → BullMQ → inference worker → message
 * log), real inference on the tiny model, the official `openai` client, API keys.
 */
describe.skipIf(!hasTestModel)('/v1 on the one admission path (whole service)', () => {
  let db: Db;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const keys: Record<string, string> = {};
  const client = (name: string) => new OpenAI({ apiKey: keys[name], baseURL: `${svc.baseUrl}/v1`, maxRetries: 0 });
  /** Set by a test to stand between the worker and the real engine (a failing attempt); unset after. */
  let intercept: ((req: GenerateRequest, generate: (r: GenerateRequest) => Promise<GenerateResult>) => Promise<GenerateResult>) | undefined;
  /** Counts the engine's generate calls until `intercept` is reset. */
  const countEngineCalls = () => {
    const seen = { calls: 0 };
    intercept = (req, generate) => {
      seen.calls++;
      return generate(req);
    };
    return seen;
  };
  /** A streamed completion's content deltas, concatenated. */
  const streamed = async (name: string, content: string, maxTokens: number) => {
    const stream = await client(name).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: maxTokens, stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    return text;
  };

  beforeAll(async () => {
    db = await createTestPgliteDb();
    // One sequence: a request can only run once the previous one has released it.
    svc = await startTestService(testConfig({ API_KEYS: 'true', LLAMA_SEQUENCES: '1', LLAMA_CONTEXT_SIZE: '2048', LLAMA_MAX_TOKENS: '2000', API_RATE_LIMIT_PER_MIN: '5' }), db);
    // The service's worker holds this engine (the shared test engine for these settings).
    const engine = await getTestEngine(1, 2048);
    const generate = engine.generate.bind(engine);
    engine.generate = (req) => (intercept ? intercept(req, generate) : generate(req));
    for (const n of ['alpha', 'beta', 'gamma', 'delta']) keys[n] = (await createApiKey(db, n)).key;
    const ing = await ingestPaths({ db, scope: 'plant-a', paths: [PLANT_A_DIR] });
    expect(ing.failed).toEqual([]);
    await attachScope(db, { platform: 'api', tenant: 'api', channel: 'alpha' }, 'plant-a', 'test');
  }, 120_000);
  afterAll(async () => {
    intercept = undefined;
    await svc?.close();
    await db?.close();
    await closeTestEngines();
  });

  it('answers through the queue; the message log holds the request as an api question of its client', async () => {
    const r = await client('beta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Tell me a story about a dog.' }], max_tokens: 16 });
    const content = r.choices[0]!.message.content!;
    expect(content).not.toContain('<think>');
    expect(content.endsWith(`_${MODEL_ONLY_NOTE}_`)).toBe(true); // beta has no scope
    const { rows } = await db.query<{ platform: string; channel: string; question: string; answer: string; status: string; completion_tokens: number }>(
      `SELECT platform, channel, question, answer, status, completion_tokens FROM messages WHERE platform = 'api' AND channel = 'beta'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ platform: 'api', channel: 'beta', question: 'Tell me a story about a dog.' });
    expect(content.startsWith(rows[0]!.answer)).toBe(true);
    expect(r.usage!.completion_tokens).toBe(rows[0]!.completion_tokens);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(16);
    await expect.poll(async () => (await db.query<{ status: string }>(`SELECT status FROM messages WHERE platform = 'api' AND channel = 'beta'`)).rows[0]!.status).toBe('delivered');
  });

  it('streams the answer as the worker produces it; the final chunk carries usage; text equals the stored answer', async () => {
    const stream = await client('beta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 24, stream: true });
    let text = '';
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    const { rows } = await db.query<{ answer: string }>(`SELECT answer FROM messages WHERE platform = 'api' AND question = 'Once upon a time'`);
    expect(text.startsWith(rows[0]!.answer)).toBe(true);
  });

  /**
   * A worker whose first attempt streams part of the answer and then fails (the job is retried by
   * BullMQ after its backoff). `rewrite` changes the retry's answer text.
   */
  const failFirstAttemptMidAnswer = (rewrite?: (text: string) => string) => {
    let calls = 0;
    let clientHasText!: () => void;
    const seen = new Promise<void>((r) => (clientHasText = r));
    intercept = async (req, generate) => {
      if (++calls > 1) {
        if (!rewrite) return generate(req);
        let first = true;
        const res = await generate({ ...req, onChunk: (c) => {
          req.onChunk?.(c.kind === 'answer' && first ? { ...c, text: rewrite(c.text) } : c);
          if (c.kind === 'answer') first = false;
        } });
        return { ...res, answer: rewrite(res.answer) };
      }
      const ac = new AbortController();
      let chars = 0;
      await generate({ ...req, signal: AbortSignal.any([ac.signal, ...(req.signal ? [req.signal] : [])]), onChunk: (c) => {
        req.onChunk?.(c);
        if (c.kind === 'answer' && (chars += c.text.trim().length) > 12) ac.abort();
      } });
      await seen; // the client has part of the answer when the worker fails
      throw new Error('worker failed mid-answer (test)');
    };
    return { clientHasText: () => clientHasText(), attempts: () => calls };
  };

  it('a job retried after failing mid-answer streams each piece of the answer once', async () => {
    const failing = failFirstAttemptMidAnswer();
    try {
      const stream = await client('beta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'The cat sat' }], max_tokens: 24, stream: true });
      let text = '';
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? '';
        if (text.trim()) failing.clientHasText();
      }
      expect(failing.attempts()).toBe(2);
      const { rows } = await db.query<{ answer: string; attempts: number }>(`SELECT answer, attempts FROM messages WHERE platform = 'api' AND question = 'The cat sat'`);
      expect(Number(rows[0]!.attempts)).toBe(2);
      expect(rows[0]!.answer.length).toBeGreaterThan(12);
      expect(text).toBe(`${rows[0]!.answer}\n\n_${MODEL_ONLY_NOTE}_`);
    } finally {
      intercept = undefined;
    }
  }, 60_000);

  it('a retry that writes a different answer ends the stream with answer_restarted instead of mixing the two', async () => {
    const failing = failFirstAttemptMidAnswer((t) => `Retried: ${t}`);
    try {
      const stream = await client('beta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'The dog ran' }], max_tokens: 24, stream: true });
      let text = '';
      const err = await (async () => {
        for await (const c of stream) {
          text += c.choices[0]?.delta?.content ?? '';
          if (text.trim()) failing.clientHasText();
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('answer_restarted');
      const { rows } = await db.query<{ answer: string }>(`SELECT answer FROM messages WHERE platform = 'api' AND question = 'The dog ran'`);
      expect(rows[0]!.answer.startsWith('Retried: ')).toBe(true);
      // Only the first attempt's text reached the client, once.
      expect(text.length).toBeGreaterThan(0);
      expect(rows[0]!.answer).toContain(text);
      expect(text).not.toContain('Retried');
    } finally {
      intercept = undefined;
    }
  }, 60_000);

  it('cites the documents attached to a client, and never to another client', async () => {
    const q = 'pump shows E-214 after restart, what now?';
    const a = await client('alpha').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], max_tokens: 16 });
    const sources = (a as unknown as { sources: Array<{ title: string; path?: string }> }).sources;
    expect(sources.length).toBeGreaterThan(0);
    expect(sources[0]).toMatchObject({ title: 'Centrifugal Pump P-101 Manual', path: 'pumps/p101-manual.md' });
    expect(a.choices[0]!.message.content).toContain('Centrifugal Pump P-101 Manual');
    const b = await client('beta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], max_tokens: 16 });
    expect((b as unknown as { sources: unknown[] }).sources).toEqual([]);
    expect(b.choices[0]!.message.content).not.toContain('P-101 Manual');
    expect(b.choices[0]!.message.content).toContain(MODEL_ONLY_NOTE);
  });

  it('streamed and non-streamed content agree: citation markers that point at no source are dropped from both', async () => {
    // The tiny model writes no citations: the worker's engine adds some to its answer, valid and not.
    intercept = async (req, generate) => {
      let raw = '';
      let injected = false;
      const emit = (c: { kind: 'thought' | 'answer'; text: string }) => {
        if (c.kind === 'answer') raw += c.text;
        req.onChunk?.(c);
      };
      const res = await generate({ ...req, onChunk: (c) => {
        emit(c);
        if (c.kind === 'answer' && !injected && raw.trim()) {
          injected = true;
          for (const text of [' see [', '42', '] and [1', ']', ' [0]', ' ']) emit({ kind: 'answer', text });
        }
      } });
      return { ...res, answer: raw.trim() };
    };
    try {
      const q = 'what does E-214 on the pump mean?';
      const text = await streamed('alpha', q, 16);
      const whole = (await client('alpha').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: q }], max_tokens: 16 })).choices[0]!.message.content!;
      expect(text).toBe(whole);
      expect(text).toContain(' see and [1]');
      expect(text).not.toMatch(/\[(0|42)\]/);
      const { rows } = await db.query<{ answer: string }>(`SELECT answer FROM messages WHERE platform = 'api' AND question = $1`, [q]);
      expect(rows.map((r) => r.answer)).toEqual([rows[0]!.answer, rows[0]!.answer]);
      expect(text.startsWith(`${rows[0]!.answer}\n\n**Sources**\n[1] `)).toBe(true);
      // A client without documents (a fresh one: API_RATE_LIMIT_PER_MIN): no marker is valid.
      keys.zeta = (await createApiKey(db, 'zeta')).key;
      const beta = await streamed('zeta', q, 16);
      expect(beta).toContain(' see and');
      expect(beta).not.toMatch(/\[(0|1|42)\]/);
    } finally {
      intercept = undefined;
    }
  }, 60_000);

  it('response_format json_schema travels with the job: the worker\'s grammar makes content exactly that JSON (no sources appended, sources still in the response)', async () => {
    keys.eta = (await createApiKey(db, 'eta')).key;
    await attachScope(db, { platform: 'api', tenant: 'api', channel: 'eta' }, 'plant-a', 'test');
    const schema = { type: 'object', properties: { pump: { type: 'string', maxLength: 24 }, restart: { type: 'boolean' } }, required: ['pump', 'restart'], additionalProperties: false };
    const r = await client('eta').chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'pump shows E-214 after restart, what now?' }], max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'triage', schema, strict: true } },
    });
    const content = r.choices[0]!.message.content!;
    const parsed = JSON.parse(content) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['pump', 'restart']);
    expect(typeof parsed.restart).toBe('boolean');
    expect((r as unknown as { sources: unknown[] }).sources.length).toBeGreaterThan(0);
    const { rows } = await db.query<{ answer: string }>(`SELECT answer FROM messages WHERE platform = 'api' AND channel = 'eta'`);
    expect(rows[0]!.answer).toBe(content);
  }, 60_000);

  it('a response_format schema the grammar cannot enforce is the SDK\'s BadRequestError (400, param response_format) at admission: nothing is queued or stored', async () => {
    keys.theta = (await createApiKey(db, 'theta')).key;
    const ask = (schema: unknown) => client('theta').chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'pump shows E-214, what now?' }], max_tokens: 40,
      response_format: { type: 'json_schema', json_schema: { name: 'triage', schema: schema as Record<string, unknown>, strict: true } },
    }).then(() => 'answered', (e: unknown) => e);
    const refused: Array<[unknown, RegExp]> = [
      // Keywords node-llama-cpp's converter would silently ignore (the answer would not be held to them).
      [{ type: 'object', properties: { pump: { type: 'string', pattern: '^P-\\d+$' } }, required: ['pump'] }, /schema\.properties\.pump: `pattern` is not supported/],
      [{ type: 'object', properties: { pump: { allOf: [{ type: 'string' }] } } }, /schema\.properties\.pump: needs `type`/],
      [{ type: 'object', patternProperties: { '^p': { type: 'string' } } }, /`patternProperties` is not supported/],
      // A count llama.cpp's grammar parser refuses ("exceeds sane defaults") when the worker builds it.
      [{ type: 'object', properties: { note: { type: 'string', minLength: 1500 } } }, /`minLength` must be a whole number from 0 to 500/],
      // Not a schema object at all.
      [['string'], /must be a JSON Schema object/],
    ];
    for (const [schema, why] of refused) {
      const err = await ask(schema);
      expect(err, JSON.stringify(schema)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'response_format', code: 'invalid_json_schema' });
      expect((err as Error).message).toMatch(why);
    }
    const { rows } = await db.query(`SELECT 1 FROM messages WHERE platform = 'api' AND channel = 'theta'`);
    expect(rows).toEqual([]);
    const jobs = await svc.rt.queues.inference.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.filter((j) => (j?.data as { key?: { channel?: string } } | undefined)?.key?.channel === 'theta')).toEqual([]);
    // anyOf (what OpenAI's structured outputs and zod write for a nullable field) is enforced: taken and answered.
    const r = await client('theta').chat.completions.create({
      model: MODEL, messages: [{ role: 'user', content: 'pump shows E-214, what now?' }], max_tokens: 300,
      response_format: { type: 'json_schema', json_schema: { name: 'triage', strict: true, schema: {
        type: 'object', properties: { pump: { anyOf: [{ type: 'string', maxLength: 12 }, { type: 'null' }] }, n: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER } },
        required: ['pump', 'n'], additionalProperties: false,
      } } },
    });
    const parsed = JSON.parse(r.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(['n', 'pump']);
    expect(parsed.pump === null || typeof parsed.pump === 'string').toBe(true);
    expect(Number.isInteger(parsed.n)).toBe(true);
  }, 60_000);

  it('a schema only llama.cpp finds unusable (a $ref cycle) fails its job at once, and the client still gets a 400 for response_format, not a 500', async () => {
    keys.iota = (await createApiKey(db, 'iota')).key;
    const engine = countEngineCalls();
    try {
      const schema = { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, type: 'object', properties: { x: { $ref: '#/$defs/a' } } };
      const body = (content: string) => ({
        model: MODEL, messages: [{ role: 'user' as const, content }], max_tokens: 40,
        response_format: { type: 'json_schema' as const, json_schema: { name: 'loop', schema, strict: true } },
      });
      const err = await client('iota').chat.completions.create(body('a loop of refs')).then(() => 'answered', (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'response_format', code: 'invalid_json_schema' });
      expect((err as Error).message).toMatch(/Invalid schema for response_format: .*\$ref/);
      // Refused, never retried: one attempt.
      expect(engine.calls).toBe(1);
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM messages WHERE platform = 'api' AND channel = 'iota'`);
      expect(rows).toEqual([{ status: 'failed' }]);
      // Streamed, the headers are sent before the worker runs: the same error arrives as the stream's error event.
      const streamErr = await (async () => {
        for await (const c of await client('iota').chat.completions.create({ ...body('a loop of refs, streamed'), stream: true })) void c;
      })().then(() => 'ended', (e: unknown) => e);
      expect(streamErr).toBeInstanceOf(OpenAI.APIError);
      expect(streamErr).toMatchObject({ type: 'invalid_request_error', param: 'response_format', code: 'invalid_json_schema' });
    } finally {
      intercept = undefined;
    }
  }, 60_000);

  it('a question that alone exceeds the model\'s context fails its job at once and is the SDK\'s BadRequestError (400 context_length_exceeded, param messages)', async () => {
    keys.kappa = (await createApiKey(db, 'kappa')).key;
    const engine = countEngineCalls();
    try {
      // ~3,400 tokens on this model (a tiny vocabulary), under QUESTION_MAX_CHARS; the context holds 2,048.
      const content = 'the little dog ran to the park '.repeat(220);
      const err = await client('kappa').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 40 }).then(() => 'answered', (e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' });
      expect((err as Error).message).toMatch(/2048 tokens per sequence/);
      // Refused before generating, never retried.
      expect(engine.calls).toBe(0);
      const { rows } = await db.query<{ status: string }>(`SELECT status FROM messages WHERE platform = 'api' AND channel = 'kappa'`);
      expect(rows).toEqual([{ status: 'failed' }]);
    } finally {
      intercept = undefined;
    }
  }, 60_000);

  it('a client that disconnects mid-stream cancels its job and frees the only sequence for the next request', async () => {
    const ac = new AbortController();
    const stream = await client('gamma').chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'Tell me a very long story about a pump' }], max_tokens: 2000, stream: true }, { signal: ac.signal });
    await (async () => {
      for await (const c of stream) if (c.choices[0]?.delta?.content) ac.abort();
    })().catch(() => undefined); // the SDK ends or throws on abort, depending on timing
    // The next request gets the one sequence and finishes.
    const r = await client('delta').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 8 });
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
    await expect.poll(async () => (await db.query<{ status: string }>(`SELECT status FROM messages WHERE platform = 'api' AND channel = 'gamma' AND delivered_at IS NOT NULL`)).rows[0]?.status, { timeout: 30_000 })
      .toBe('stopped');
    const { rows } = await db.query<{ completion_tokens: number; answered_at: unknown }>(`SELECT completion_tokens FROM messages WHERE platform = 'api' AND channel = 'gamma'`);
    // Stopped (polled above) well before the 2000 tokens it asked for and the server allows.
    expect(rows[0]!.completion_tokens).toBeLessThan(2000);
    const stopped = await db.query(`SELECT 1 FROM messages WHERE platform = 'api' AND channel = 'gamma' AND answer IS NOT NULL`);
    expect(stopped.rows).toHaveLength(1);
  }, 60_000);

  it('over API_RATE_LIMIT_PER_MIN a client gets the SDK\'s RateLimitError with Retry-After; other clients are not limited', async () => {
    const ask = (name: string) => client(name).chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    // A client of its own, so the count is this test's: five reach the limit, the sixth is refused.
    // The windows are fixed minutes: six requests that straddle one are counted again with a fresh client.
    let err: unknown;
    for (let round = 0; ; round++) {
      const name = `epsilon${round}`;
      keys[name] = (await createApiKey(db, name)).key;
      const minute = Math.floor(Date.now() / 60_000);
      for (let i = 0; i < 5; i++) await ask(name);
      err = await ask(name).catch((e: unknown) => e);
      if (Math.floor(Date.now() / 60_000) === minute || round === 1) break;
    }
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThan(0);
    await expect(ask('alpha')).resolves.toBeTruthy();
  }, 60_000);
});

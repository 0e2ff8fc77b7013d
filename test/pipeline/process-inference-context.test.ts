import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachScope, createLogger, createMetrics, createRedis, ensureScope, EngineRequestError, getMessageByJobId, getMessagePrompt, migrate, processInference, QueueSet,
  type Db, type InferenceDeps, type InferenceEngine, type InferenceJob, type RetrievedChunk, type Retriever,
} from '../../src/index.js';
import { CONTEXT_LENGTH_EXCEEDED, CONTEXT_MARGIN_TOKENS } from '../../src/engine/context-budget.js';
import type { GenerateRequest } from '../../src/engine/index.js';
import { getMessageKnowledge } from '../../src/storage/message-knowledge.js';
import { hasTestModel, NO_MODEL_REASON } from '../support/shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines, getTestEngine } from '../support/test-engine.js';

const CONTEXT = 512;
const MAX_TOKENS = 160;

/** The real engine, with every `generate` request it was given recorded before it runs. */
function recording(engine: InferenceEngine): { engine: InferenceEngine; seen: GenerateRequest[] } {
  const seen: GenerateRequest[] = [];
  const proxy = new Proxy(engine, {
    get(t, p) {
      if (p === 'generate') return (req: GenerateRequest) => {
        seen.push(structuredClone({ context: req.context, question: req.question, maxTokens: req.maxTokens }) as GenerateRequest);
        return t.generate(req);
      };
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { engine: proxy, seen };
}

const history = Array.from({ length: 12 }, (_, i) => [
  { role: 'user' as const, text: `Question ${i}: tell me about the little dog and the big cat in the park.` },
  { role: 'assistant' as const, text: `Once upon a time there was a little dog named Spot ${i}. Spot liked to play in the park with the big cat. They were friends and they played all day long.` },
]).flat();

const chunk = (n: number): RetrievedChunk => ({
  chunkId: `c${n}`, scope: 'ctx-kb', documentId: `d${n}`, title: `Pump manual ${n}`, source: `pumps/manual-${n}.md`, headingPath: ['Pump manual'],
  text: `Section ${n}: the little dog checks the pump, then the big cat checks the bearings and the coupling.`, score: 1 / n,
});

let n = 0;
const job = (channel: string, text: string, h: InferenceJob['history'], options?: InferenceJob['options']): InferenceJob => ({
  v: 1, kind: 'chat', key: { platform: 'slack', tenant: 'T1', channel, thread: `th-ctx-${++n}` }, user: { id: 'U1' }, text, history: h,
  source: { eventId: `ev-ctx-${n}`, receivedAt: Date.now() }, reply: { channel }, ...(options ? { options } : {}),
} as InferenceJob);

describe.skipIf(!hasTestModel)('ENGINE=llama: the chat prompt fits one sequence with room for the answer', () => {
  let db: Db;
  let redis: ReturnType<typeof createRedis>;
  let queues: QueueSet;
  let deps: InferenceDeps;
  let seen: GenerateRequest[];
  let engine: InferenceEngine;

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    redis = createRedis(TEST_REDIS_URL);
    queues = new QueueSet({ connection: redis, prefix: uniqueId('r1ctx') });
    engine = await getTestEngine(1, CONTEXT);
    const rec = recording(engine);
    seen = rec.seen;
    const retriever: Retriever = { retrieve: async (req) => [1, 2, 3, 4, 5, 6].map(chunk).slice(0, req.k) };
    deps = {
      db, engine: rec.engine, queues, metrics: createMetrics(), log: createLogger({ level: 'silent' }),
      settings: { maxTokens: MAX_TOKENS, temperature: 0, historyMaxChars: 12_000 },
      knowledge: { retriever, k: 6, maxChars: 6000, webConfigured: false, webAlpha: 0.5 },
    };
    await ensureScope(db, 'ctx-kb');
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CCTXKB' }, 'ctx-kb', 'test');
  });
  afterAll(async () => {
    await queues?.close();
    await redis?.quit();
    await db?.close();
    await closeTestEngines();
  });

  it('a long thread: the oldest turns are dropped, the newest kept, stored as sent, prompt + answer budget within the sequence', { timeout: 60_000 }, async () => {
    const jobId = uniqueId('ctx');
    const lines: string[] = [];
    await processInference({ ...deps, log: createLogger({ level: 'debug', destination: { write: (l: string) => void lines.push(l) } }) }, jobId, job('CCTXPLAIN', 'What happened next?', history.map((h) => ({ ...h }))));
    const req = seen.at(-1)!;
    // What was trimmed is logged at debug, as counts: never the text.
    const trimmed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'prompt trimmed to fit the context');
    expect(trimmed).toHaveLength(1);
    expect(trimmed[0]).toMatchObject({ level: 20, jobId, contextSize: CONTEXT, maxTokens: MAX_TOKENS, answerBudget: MAX_TOKENS, sourcesDropped: 0 });
    expect(trimmed[0]!.historyDropped).toBeGreaterThan(0);
    expect((trimmed[0]!.historyDropped as number) + (trimmed[0]!.historyKept as number)).toBe(history.length);
    expect(JSON.stringify(trimmed[0])).not.toMatch(/Spot|little dog|What happened/);
    const sent = req.context.map((t) => t.text).join('\n');
    expect(sent).toContain('Spot 11.');
    expect(sent).not.toContain('Question 0:');
    expect(req.maxTokens).toBe(MAX_TOKENS);
    expect(engine.countPromptTokens(req.context, req.question) + req.maxTokens).toBeLessThanOrEqual(CONTEXT - CONTEXT_MARGIN_TOKENS);
    const row = (await getMessageByJobId(db, jobId))!;
    expect(row.status).toBe('answered');
    const stored = (await getMessagePrompt(db, row.id))!;
    expect(stored.droppedHistory).toBeGreaterThan(0);
    expect(stored.messages.map((m) => m.content)).toEqual([...req.context.map((t) => t.text), req.question]);
  });

  it('no room even without history: the lowest-ranked sources go, the recorded sources match what was sent', { timeout: 60_000 }, async () => {
    const jobId = uniqueId('ctx');
    // A short system prompt and answer budget leave room for some of the sources (this model's vocabulary is tiny: ~2 characters a token).
    await processInference(deps, jobId, job('CCTXKB', 'Why does the pump vibrate?', history.map((h) => ({ ...h })), { systemPrompt: 'You are R1.', maxTokens: 64 }));
    const req = seen.at(-1)!;
    expect(req.maxTokens).toBe(64);
    expect(req.context.filter((t) => t.role !== 'system')).toEqual([]);
    expect(req.question).toContain('<source 1>');
    expect(req.question).not.toContain('<source 6>');
    expect(req.question).toContain('Why does the pump vibrate?');
    expect(engine.countPromptTokens(req.context, req.question) + req.maxTokens).toBeLessThanOrEqual(CONTEXT - CONTEXT_MARGIN_TOKENS);
    const row = (await getMessageByJobId(db, jobId))!;
    const kn = await getMessageKnowledge(db, row.id);
    const kept = kn.sources.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6);
    expect(req.question).toContain(`<source ${kept}>`);
    expect(req.question).not.toContain(`<source ${kept + 1}>`);
  });

  it('a question that alone exceeds the context: refused as the request\'s fault (400 context_length_exceeded), nothing generated', { timeout: 60_000 }, async () => {
    const before = seen.length;
    const err = await processInference(deps, uniqueId('ctx'), job('CCTXPLAIN', 'the little dog ran to the park '.repeat(60), [])).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineRequestError);
    expect((err as EngineRequestError).status).toBe(400);
    expect((err as Error).message).toMatch(new RegExp(`^${CONTEXT_LENGTH_EXCEEDED}: `));
    expect(seen.length).toBe(before);
  });
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachScope, createLogger, createMetrics, createRedis, ensureScope, getMessageByJobId, getMessagePrompt, migrate, processInference, QueueSet,
  type Db, type InferenceDeps, type InferenceEngine, type InferenceJob, type RetrievedChunk, type Retriever,
} from '../../src/index.js';
import type { GenerateRequest } from '../../src/engine/index.js';
import { hasTestModel, NO_MODEL_REASON } from '../support/shared-assets.js';
import { TEST_REDIS_URL, uniqueId } from '../support/test-config.js';
import { createTestPgDb } from '../support/test-db.js';
import { closeTestEngines, getTestEngine } from '../support/test-engine.js';

/** The real engine, with every `generate` request it was given recorded before it runs. */
function recording(engine: InferenceEngine): { engine: InferenceEngine; seen: GenerateRequest[] } {
  const seen: GenerateRequest[] = [];
  const proxy = new Proxy(engine, {
    get(t, p) {
      if (p === 'generate') return (req: GenerateRequest) => {
        seen.push(structuredClone({ context: req.context, question: req.question }) as GenerateRequest);
        return t.generate(req);
      };
      const v: unknown = Reflect.get(t, p, t);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { engine: proxy, seen };
}

/** What the model saw, as UTF-8 bytes per message: the engine's context turns, then the question. */
const bytesSeen = (req: GenerateRequest) => [...req.context.map((t) => [t.role, t.text] as const), ['user', req.question] as const]
  .map(([role, text]) => ({ role, bytes: Buffer.from(text, 'utf8').toString('hex') }));

const chunk = (n: number, text: string): RetrievedChunk => ({
  chunkId: `c${n}`, scope: 'prompt-kb', documentId: `d${n}`, title: `Pump manual ${n}`, source: `pumps/manual-${n}.md`, headingPath: ['Pump manual', `Fault E-21${n}`], text, score: 1 / n,
});

let n = 0;
const job = (channel: string, text: string, history: InferenceJob['history'], systemPrompt?: string): InferenceJob => ({
  v: 1, kind: 'chat', key: { platform: 'slack', tenant: 'T1', channel, thread: `th-${++n}` }, user: { id: 'U1' }, text, history,
  source: { eventId: `ev-${n}`, receivedAt: Date.now() }, reply: { channel }, ...(systemPrompt ? { options: { systemPrompt } } : {}),
} as InferenceJob);

describe.skipIf(!hasTestModel)('the exact prompt is kept with every answer', () => {
  let db: Db;
  let redis: ReturnType<typeof createRedis>;
  let queues: QueueSet;
  let deps: InferenceDeps;
  let seen: GenerateRequest[];

  beforeAll(async () => {
    db = await createTestPgDb();
    await migrate(db);
    redis = createRedis(TEST_REDIS_URL);
    queues = new QueueSet({ connection: redis, prefix: uniqueId('r1pp') });
    const rec = recording(await getTestEngine(2, 1024));
    seen = rec.seen;
    const retriever: Retriever = { retrieve: async (req) => [chunk(1, 'Check the coupling alignment.\r\nThen the bearings — 🛠️ «Lager» naïve.'), chunk(2, 'Tabs\tand\u00a0nbsp.')].slice(0, req.k) };
    deps = {
      db, engine: rec.engine, queues, metrics: createMetrics(), log: createLogger({ level: 'silent' }),
      settings: { maxTokens: 8, temperature: 0, historyMaxChars: 60 },
      knowledge: { retriever, k: 2, maxChars: 2000, webConfigured: false, webAlpha: 0.5 },
    };
    await ensureScope(db, 'prompt-kb');
    await attachScope(db, { platform: 'slack', tenant: 'T1', channel: 'CKB' }, 'prompt-kb', 'test');
  });
  afterAll(async () => {
    await queues?.close();
    await redis?.quit();
    await db?.close();
    await closeTestEngines();
  });

  it.each([
    { name: 'model-only, history cut to the budget and a trailing user turn merged', channel: 'CPLAIN', system: undefined,
      history: [{ role: 'user', text: 'a very old message that the budget drops entirely, long enough' }, { role: 'assistant', text: 'Earlier answer ✓' }, { role: 'user', text: 'and one more thing:' }] },
    { name: 'retrieved sections, a custom system prompt, non-ASCII and control-adjacent text', channel: 'CKB', system: 'Custom system prompt — v2 ✨\nLine two.',
      history: [] },
  ] as const)('$name', { timeout: 60_000 }, async ({ channel, system, history }) => {
    const before = seen.length;
    const jobId = uniqueId('prompt');
    await processInference(deps, jobId, job(channel, 'Why does P-101 vibrate? 🤔 (E-214)', history.map((h) => ({ ...h })), system));
    expect(seen.length).toBe(before + 1);
    const req = seen.at(-1)!;
    const row = (await getMessageByJobId(db, jobId))!;
    const stored = (await getMessagePrompt(db, row.id))!;
    // Byte for byte: every stored message equals what the engine was given, in order.
    expect(stored.messages.map((m) => ({ role: m.role, bytes: Buffer.from(m.content, 'utf8').toString('hex') }))).toEqual(bytesSeen(req));
    expect(stored.messages[0]).toEqual({ role: 'system', content: req.context[0]!.text });
    expect(stored.systemPromptSha256).toMatch(/^[0-9a-f]{64}$/);
    if (system) {
      expect(stored.messages[0]!.content).toBe(system);
      // The retrieved sections are part of the last user turn, as the model saw them.
      expect(stored.messages.at(-1)!.content).toContain('<source 1>\nCheck the coupling alignment.\r\nThen the bearings — 🛠️ «Lager» naïve.\n</source 1>');
      expect(stored.droppedHistory).toBe(0);
    } else {
      expect(stored.droppedHistory).toBe(1);
      expect(stored.messages.at(-1)!.content).toBe('and one more thing:\n\nWhy does P-101 vibrate? 🤔 (E-214)');
    }
  });

  it('one system prompt, one hash; another system prompt, another hash', { timeout: 60_000 }, async () => {
    const ids = [uniqueId('h'), uniqueId('h'), uniqueId('h')];
    await processInference(deps, ids[0]!, job('CPLAIN', 'first', []));
    await processInference(deps, ids[1]!, job('CPLAIN', 'second', []));
    await processInference(deps, ids[2]!, job('CPLAIN', 'third', [], 'Another system prompt'));
    const hashes = await Promise.all(ids.map(async (id) => (await getMessagePrompt(db, (await getMessageByJobId(db, id))!.id))!.systemPromptSha256));
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
  });
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);

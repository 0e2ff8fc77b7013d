import { copyFileSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adapterForChannel, bindAdapter, createApiKey, createLogger, InferenceEngine, listAdapterBindings, unbindAdapter, type Db,
} from '../../src/index.js';
import { startService } from '../../workers/service.js';
import { hasTestModel, NO_MODEL_REASON, SHARED_DIR, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { writeLoraGguf } from '../support/lora-gguf.js';
import { mulberry32 } from '../support/seeded-random.js';
import { testConfig } from '../support/test-config.js';
import { createTestPgliteDb } from '../support/test-db.js';

const LORA_TEST = path.join(SHARED_DIR, 'models', 'stories260K-lora-test.gguf');
const MODEL = 'stories260K-r1-test';

/**
 * Channel → adapter, end to end: a binding (the `npm run kb -- adapter` store), admission and
 * intake put the channel's adapter on the job, and one inference worker answers each job on its
 * context — the adapter's and the base model's at once, batched in the same process.
 */
describe.skipIf(!hasTestModel)('LoRA adapter per channel, through the whole service', () => {
  let db: Db;
  let engine: InferenceEngine;
  let svc: Awaited<ReturnType<typeof startService>>;
  const keys: Record<string, string> = {};
  const ask = (client: string, content: string) => new OpenAI({ apiKey: keys[client], baseURL: `http://127.0.0.1:${svc.port}/v1`, maxRetries: 0 })
    .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content }], max_tokens: 24 }).then((r) => r.choices[0]!.message.content!);

  // The adapter's file, copied: the reload test writes a new version over it.
  const dir = mkdtempSync(path.join(tmpdir(), 'r1-lora-routing-'));
  const adapterFile = path.join(dir, 'test.gguf');

  beforeAll(async () => {
    copyFileSync(LORA_TEST, adapterFile);
    db = await createTestPgliteDb();
    engine = await InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 2, contextSize: 1024, gpu: 'false',
      adapters: [{ name: 'test', filePath: adapterFile, scale: 1 }], adapterSequences: 2, adapterDir: dir,
    }, createLogger({ level: 'silent' }));
    // The worker polls the adapter files (LORA_WATCH_INTERVAL_MS) and reloads a new version by itself.
    svc = await startService(testConfig({ API_KEYS: 'true', LLAMA_SEQUENCES: '2', LLAMA_MAX_TOKENS: '24', LORA_WATCH_INTERVAL_MS: '1000' }), { db, engine, host: '127.0.0.1' });
    for (const n of ['plain', 'tuned']) keys[n] = (await createApiKey(db, n)).key;
  }, 120_000);
  afterAll(async () => {
    await svc?.close();
    await engine?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds, replaces and detaches a channel\'s adapter, with an audit trail', async () => {
    const ch = { platform: 'slack' as const, tenant: 'T1', channel: 'C9' };
    expect(await adapterForChannel(db, ch)).toBeUndefined();
    expect(await bindAdapter(db, ch, 'pumps', 'cli:test')).toBeUndefined();
    expect(await bindAdapter(db, ch, 'presses', 'cli:test')).toBe('pumps');
    expect(await adapterForChannel(db, ch)).toBe('presses');
    expect(await listAdapterBindings(db, { platform: 'slack' })).toMatchObject([{ ...ch, adapter: 'presses', createdBy: 'cli:test' }]);
    expect(await unbindAdapter(db, ch, 'cli:test')).toBe('presses');
    expect(await unbindAdapter(db, ch, 'cli:test')).toBeUndefined();
    const { rows } = await db.query<{ action: string; scope: string }>(`SELECT action, scope FROM kb_audit WHERE channel = 'C9' ORDER BY id`);
    expect(rows).toEqual([{ action: 'adapter', scope: 'pumps' }, { action: 'adapter', scope: 'presses' }, { action: 'adapter_detach', scope: 'presses' }]);
  });

  it('answers the bound channel on the adapter\'s context and the other on the base context, asked at once', async () => {
    const q = 'Once upon a time';
    const baseAlone = await ask('plain', q);
    await bindAdapter(db, { platform: 'api', tenant: 'api', channel: 'tuned' }, 'test', 'cli:test');
    const [plain, tuned] = await Promise.all([ask('plain', q), ask('tuned', q)]);
    expect(plain).toBe(baseAlone);
    expect(tuned).not.toBe(baseAlone);

    const { rows } = await db.query<{ channel: string; adapter: string | null; adapter_sha256: string | null; batch_peak: number }>(
      `SELECT channel, adapter, adapter_sha256, (timings->>'batchPeak')::int AS batch_peak FROM messages WHERE platform = 'api' ORDER BY channel, id`);
    expect(rows.map((r) => [r.channel, r.adapter])).toEqual([['plain', null], ['plain', null], ['tuned', 'test']]);
    expect(rows[2]!.adapter_sha256).toBe('eadcbded6e409271a743d95e77e66909857f807c40656a37334b34302b8c546c');
    // Whether these two overlapped depends on scheduling (24 tokens of a tiny model); that one worker
    // batches the adapter's and the base context's sequences together is proven deterministically
    // in test/engine/lora-adapters.test.ts (batchPeak > 1). Here: each answer recorded its peak.
    expect(rows.every((r) => r.batch_peak >= 1 && r.batch_peak <= 2)).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${svc.port}/metrics`)).text();
    expect(metrics).toMatch(/r1_generation_tokens_total\{kind="completion",adapter="test"\} [1-9]/);
    expect(metrics).toMatch(/r1_generation_tokens_total\{kind="completion",adapter="base"\} [1-9]/);
    expect(metrics).toMatch(/r1_generation_seconds_count\{adapter="test"\} 1$/m);
  });

  it('picks up a new version of the adapter file without a restart: the next answer on the bound channel uses it', async () => {
    await bindAdapter(db, { platform: 'api', tenant: 'api', channel: 'tuned' }, 'test', 'cli:test');
    const q = 'Once upon a time';
    const before = await ask('tuned', q);
    const oldSha = engine.adapters.get('test')!.version.sha256;
    // Another rank-2 delta on the output projection, written over the file the worker loaded.
    const rnd = mulberry32(1602);
    writeLoraGguf(adapterFile, {
      architecture: 'llama', name: 'v2',
      pairs: [{ target: 'output.weight', a: Float32Array.from({ length: 2 * 64 }, () => (rnd() - 0.5) * 0.5), b: Float32Array.from({ length: 512 * 2 }, () => (rnd() - 0.5) * 4), nIn: 64, nOut: 512, rank: 2 }],
    });
    utimesSync(adapterFile, new Date(), new Date(Date.now() + 5000));
    await expect.poll(() => engine.adapters.get('test')!.version.sha256, { timeout: 20_000, interval: 50 }).not.toBe(oldSha);
    const after = await ask('tuned', q);
    expect(after).not.toBe(before);
    const { rows } = await db.query<{ adapter_sha256: string }>(`SELECT adapter_sha256 FROM messages WHERE platform = 'api' AND channel = 'tuned' ORDER BY id DESC LIMIT 2`);
    expect(rows.map((r) => r.adapter_sha256)).toEqual([engine.adapters.get('test')!.version.sha256, oldSha]);
    await engine.adapters.drained();
  });

  it('answers with the base model when the bound adapter is not loaded on the worker', async () => {
    await bindAdapter(db, { platform: 'api', tenant: 'api', channel: 'tuned' }, 'retired', 'cli:test');
    const [plain, tuned] = await Promise.all([ask('plain', 'Once upon a time'), ask('tuned', 'Once upon a time')]);
    expect(tuned).toBe(plain);
  });
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);

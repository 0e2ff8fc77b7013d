import { copyFileSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdapterUnavailableError, InferenceEngine, createLogger, type GenerateRequest } from '../../src/index.js';
import { hasTestModel, NO_MODEL_REASON, PLAIN_MODEL_PATH, SHARED_DIR, TEST_MODEL_PATH } from '../support/shared-assets.js';
import { writeLoraGguf } from '../support/lora-gguf.js';
import { mulberry32 } from '../support/seeded-random.js';

const LORA_TEST = path.join(SHARED_DIR, 'models', 'stories260K-lora-test.gguf');
const ctx = [{ role: 'system' as const, text: 'You are R1.' }];
const ask = (question: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({ context: ctx, question, maxTokens: 32, temperature: 0, ...extra });

/** A second, different adapter version: a seeded rank-2 delta on the output projection. */
function writeOtherAdapter(file: string): void {
  const rnd = mulberry32(1601);
  const rank = 2;
  const a = Float32Array.from({ length: rank * 64 }, () => (rnd() - 0.5) * 0.5);
  const b = Float32Array.from({ length: 512 * rank }, () => (rnd() - 0.5) * 4);
  writeLoraGguf(file, { architecture: 'llama', name: 'other', pairs: [{ target: 'output.weight', a, b, nIn: 64, nOut: 512, rank }] });
}

describe.skipIf(!hasTestModel)('LoRA adapters in the llama engine', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'r1-lora-test-'));
  const reloadable = path.join(dir, 'reloadable.gguf');
  const copiesDir = path.join(dir, 'data', 'adapters');
  let engine: InferenceEngine;
  const warnings: string[] = [];

  beforeAll(async () => {
    copyFileSync(LORA_TEST, reloadable);
    const log = createLogger({ level: 'silent' });
    const warn = log.warn.bind(log);
    log.warn = ((...args: Parameters<typeof log.warn>) => { warnings.push(String(args.at(-1))); return warn(...args); }) as typeof log.warn;
    engine = await InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 2, contextSize: 1024, gpu: 'false',
      adapters: [
        { name: 'test', filePath: LORA_TEST, scale: 1 },
        { name: 'zero', filePath: LORA_TEST, scale: 0 },
        { name: 'live', filePath: reloadable, scale: 1 },
      ],
      // A folder that does not exist yet (a fresh DATA_DIR): the engine creates it.
      adapterSequences: 2, adapterDir: copiesDir,
    }, log);
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers differently on the adapter context while the base context, batched with it, answers as alone; scale 0 is the base', async () => {
    const alone = await engine.generate(ask('Once upon a time'));
    expect(alone.adapter).toBeNull();
    const [base, adapted, zero] = await Promise.all([
      engine.generate(ask('Once upon a time')),
      engine.generate(ask('Once upon a time', { adapter: 'test' })),
      engine.generate(ask('Once upon a time', { adapter: 'zero' })),
    ]);
    expect(base.answer).toBe(alone.answer);
    expect(adapted.answer).not.toBe(alone.answer);
    expect(zero.answer).toBe(alone.answer);
    expect(adapted.adapter).toEqual({ name: 'test', sha256: 'eadcbded6e409271a743d95e77e66909857f807c40656a37334b34302b8c546c' });
    // They ran at once: three contexts' sequences held together.
    expect(Math.max(base.batchPeak, adapted.batchPeak, zero.batchPeak)).toBeGreaterThan(1);
    expect(engine.concurrency).toBe(2 + 3 * 2);
    expect(engine.inFlight).toBe(0);
  });

  it('answers with the base model, and warns once, when a job names an adapter that is not loaded', async () => {
    const alone = await engine.generate(ask('Once upon a time'));
    const r = await engine.generate(ask('Once upon a time', { adapter: 'nope' }));
    await engine.generate(ask('Once upon a time', { adapter: 'nope' }));
    expect(r.answer).toBe(alone.answer);
    expect(r.adapter).toBeNull();
    expect(warnings.filter((w) => w.includes('not loaded'))).toHaveLength(1);
  });

  it('refuses a model file given as an adapter at start, naming the adapter and why', async () => {
    const start = InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 1, contextSize: 512, gpu: 'false',
      adapters: [{ name: 'wrong', filePath: PLAIN_MODEL_PATH, scale: 1 }], adapterDir: dir,
    }, createLogger({ level: 'silent' }));
    await expect(start).rejects.toBeInstanceOf(AdapterUnavailableError);
    await expect(start).rejects.toThrow(/adapter wrong \(.*stories260K\.gguf\) is not a LoRA adapter: its general\.type is null/);
    const missing = InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 1, contextSize: 512, gpu: 'false',
      adapters: [{ name: 'gone', filePath: path.join(dir, 'missing.gguf'), scale: 1 }], adapterDir: dir,
    }, createLogger({ level: 'silent' }));
    await expect(missing).rejects.toThrow(/adapter gone .* cannot be read \(ENOENT\)/);
  });

  it('reloads a new file version without a restart: jobs already on the old context finish there, new jobs get the new one', async () => {
    const before = await engine.generate(ask('Tell me a story', { adapter: 'live', maxTokens: 48 }));
    // Unchanged file: nothing reloaded.
    expect((await engine.reloadAdapters()).find((r) => r.name === 'live')?.outcome).toBe('unchanged');

    // Jobs in flight (and one waiting for a sequence) on the current version while the file changes.
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const inFlight = [0, 1, 2].map((i) => engine.generate(ask('Tell me a story', { adapter: 'live', maxTokens: 48, onChunk: i === 0 ? () => started() : undefined })));
    await running;
    writeOtherAdapter(reloadable);
    utimesSync(reloadable, new Date(), new Date(Date.now() + 5000));
    const res = await engine.reloadAdapters();
    expect(res.find((r) => r.name === 'live')).toMatchObject({ outcome: 'reloaded' });
    expect(res.filter((r) => r.name !== 'live').every((r) => r.outcome === 'unchanged')).toBe(true);
    expect(engine.adapters.drainingCount).toBe(1);
    const after = await engine.generate(ask('Tell me a story', { adapter: 'live', maxTokens: 48 }));

    const old = await Promise.all(inFlight);
    for (const r of old) expect(r.answer).toBe(before.answer);
    expect(old.every((r) => r.adapter?.sha256 === before.adapter?.sha256)).toBe(true);
    expect(after.answer).not.toBe(before.answer);
    expect(after.adapter?.sha256).not.toBe(before.adapter?.sha256);
    await engine.adapters.drained();
    expect(engine.adapters.drainingCount).toBe(0);
    // The old version's copy is gone with its context; the current versions' copies stay.
    const copies = readdirSync(copiesDir).flatMap((d) => (d.startsWith('r1-lora-') ? readdirSync(path.join(copiesDir, d)) : []));
    expect(copies.filter((f) => f.startsWith('live-'))).toEqual([`live-${after.adapter!.sha256!.slice(0, 16)}.gguf`]);
    expect(engine.concurrency).toBe(2 + 3 * 2);
  });

  it('removes an adapter dropped from the list (its jobs use the base model) and keeps a working one when a new version is broken', async () => {
    const specs = engine.adapters.names.map((n) => engine.adapters.get(n)!.spec);
    copyFileSync(PLAIN_MODEL_PATH, path.join(dir, 'broken.gguf'));
    const res = await engine.reloadAdapters([...specs.filter((s) => s.name !== 'zero').map((s) => (s.name === 'test' ? { ...s, filePath: path.join(dir, 'broken.gguf') } : s))]);
    expect(res.find((r) => r.name === 'test')).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/is not a LoRA adapter/) });
    expect(res.find((r) => r.name === 'zero')?.outcome).toBe('removed');
    expect(engine.adapters.names).toEqual(['live', 'test']);
    expect(engine.adapters.get('test')!.spec.filePath).toBe(LORA_TEST);
    await engine.adapters.drained();
  });
});

if (!hasTestModel) console.warn(NO_MODEL_REASON);

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, fallbackPlan, InferenceEngine } from '../../src/index.js';
import { hasTestModel, TEST_MODEL_PATH } from '../support/shared-assets.js';

describe('fallbackPlan', () => {
  it('halves sequences first, then the context, down to the floor', () => {
    expect(fallbackPlan(8, 8192, 2048)).toEqual([
      { sequences: 8, contextSize: 8192 }, { sequences: 4, contextSize: 8192 }, { sequences: 2, contextSize: 8192 },
      { sequences: 1, contextSize: 8192 }, { sequences: 1, contextSize: 4096 }, { sequences: 1, contextSize: 2048 },
    ]);
    expect(fallbackPlan(1, 1024, 2048)).toEqual([{ sequences: 1, contextSize: 1024 }]);
  });
});

describe.skipIf(!hasTestModel)('context creation failure (e.g. CUDA out of memory)', () => {
  it('retries with a smaller configuration, logs the choice, and runs with it', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
    const log = createLogger({ level: 'info', destination: sink });
    const tried: Array<{ sequences: number; contextSize: number }> = [];
    const engine = await InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 8, contextSize: 1024, gpu: 'false', minContextSize: 512,
      // Fault injection: the real createContext runs, but attempts with more than 2 sequences fail as a GPU would.
      createContextHook: async (attempt, create) => {
        tried.push(attempt);
        if (attempt.sequences > 2) throw new Error('ggml_backend_cuda_buffer_type_alloc_buffer: allocating 4096.00 MiB on device 0: cudaMalloc failed: out of memory');
        return create();
      },
    }, log);
    try {
      expect(tried).toEqual([{ sequences: 8, contextSize: 1024 }, { sequences: 4, contextSize: 1024 }, { sequences: 2, contextSize: 1024 }]);
      expect(engine.effective).toMatchObject({ sequences: 2, contextSize: 1024 });
      expect(engine.effective.fallbacks).toHaveLength(2);
      expect(engine.pool.size).toBe(2);
      const warn = lines.find((l) => l.msg === 'context created with a smaller configuration after failures');
      expect(warn).toMatchObject({ level: 40, chosen: { sequences: 2, contextSize: 1024 }, configured: { sequences: 8, contextSize: 1024 } });
      expect(lines.filter((l) => l.msg === 'context creation failed; retrying with a smaller configuration')).toHaveLength(2);
      const r = await engine.generate({ context: [], question: 'hello', maxTokens: 8, temperature: 0 });
      expect(r.completionTokens).toBe(8);
    } finally {
      await engine.close();
    }
  });

  it('gives up with a clear error when nothing fits', async () => {
    await expect(InferenceEngine.create({
      modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences: 2, contextSize: 1024, gpu: 'false', minContextSize: 512,
      createContextHook: async () => { throw new Error('out of memory'); },
    }, createLogger({ level: 'silent' }))).rejects.toThrow(/could not create a context even with 1 sequence.*LLAMA_GPU_LAYERS/);
  });
});

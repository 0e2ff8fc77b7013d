import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLoraAdapters, loadConfig } from '../../src/index.js';
import { hasTestModel, PLAIN_MODEL_PATH, SHARED_DIR, TEST_MODEL_PATH } from '../support/shared-assets.js';

const LORA_TEST = path.join(SHARED_DIR, 'models', 'stories260K-lora-test.gguf');

describe.skipIf(!hasTestModel)('doctor: LORA_ADAPTERS', () => {
  it('passes a LoRA file for the model, fails a model file given as an adapter and a missing one, says nothing without adapters', async () => {
    const cfg = loadConfig({ MODEL_PATH: TEST_MODEL_PATH, LORA_ADAPTERS: `good=${LORA_TEST}:0.5,model=${PLAIN_MODEL_PATH},gone=/nonexistent/a.gguf` });
    const r = await checkLoraAdapters(cfg);
    expect(r.map((x) => [x.name, x.status])).toEqual([['lora good', 'ok'], ['lora model', 'fail'], ['lora gone', 'fail']]);
    expect(r[0]!.detail).toMatch(/scale 0\.5 sha256=eadcbded6e409271…/);
    expect(r[1]!.detail).toMatch(/is not a LoRA adapter/);
    expect(r[2]!.detail).toMatch(/cannot be read \(ENOENT\)/);
    expect(await checkLoraAdapters(loadConfig({}))).toEqual([]);
  });
});

import { InferenceEngine, createLogger } from '../../src/index.js';
import { TEST_MODEL_PATH } from './shared-assets.js';

const engines = new Map<string, Promise<InferenceEngine>>();

/** One engine per (sequences, contextSize) per test process: loading is cheap but not free. */
export function getTestEngine(sequences = 4, contextSize = 1024): Promise<InferenceEngine> {
  const k = `${sequences}/${contextSize}`;
  let e = engines.get(k);
  if (!e) {
    e = InferenceEngine.create(
      { modelPath: TEST_MODEL_PATH, modelUri: 'unused', downloadDir: '/tmp', threads: 1, sequences, contextSize, gpu: 'false' },
      createLogger({ level: 'silent' }),
    );
    engines.set(k, e);
  }
  return e;
}

export async function closeTestEngines(): Promise<void> {
  for (const e of engines.values()) await (await e).close();
  engines.clear();
}

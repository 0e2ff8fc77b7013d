import { InferenceEngine, type Engine, type Runtime } from '../src/index.js';

/** The engine ENGINE names, built from the configuration (`llama`: loads the model in this process). */
export async function createEngine(rt: Runtime): Promise<Engine> {
  const { cfg, log } = rt;
  return InferenceEngine.create({
    modelPath: cfg.MODEL_PATH,
    modelUri: cfg.MODEL_URI,
    downloadDir: `${cfg.DATA_DIR}/models`,
    threads: cfg.LLAMA_THREADS,
    sequences: cfg.LLAMA_SEQUENCES,
    contextSize: cfg.LLAMA_CONTEXT_SIZE,
    gpu: cfg.LLAMA_GPU,
    gpuLayers: cfg.LLAMA_GPU_LAYERS,
    vramPaddingMb: cfg.LLAMA_VRAM_PADDING_MB,
    minContextSize: cfg.LLAMA_MIN_CONTEXT_SIZE,
    loadTimeoutMs: cfg.MODEL_LOAD_TIMEOUT_MS,
    adapters: cfg.LORA_ADAPTERS,
    adapterSequences: cfg.LORA_SEQUENCES,
    adapterDir: `${cfg.DATA_DIR}/adapters`,
  }, log);
}

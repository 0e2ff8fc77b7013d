import { InferenceEngine, OpenAiEngine, type Engine, type Runtime } from '../src/index.js';

/**
 * The engine ENGINE names, built from the configuration: `llama` loads the model in this process;
 * `openai` drives the server at ENGINE_URL (nothing is loaded; the model id is read from its
 * `/v1/models` at the first job, so a worker starts while the engine is still coming up).
 */
export async function createEngine(rt: Runtime): Promise<Engine> {
  const { cfg, log, metrics } = rt;
  if (cfg.ENGINE === 'openai') {
    return new OpenAiEngine({
      baseUrl: cfg.ENGINE_URL!,
      apiKey: cfg.ENGINE_API_KEY,
      model: cfg.ENGINE_MODEL,
      loraModels: cfg.ENGINE_LORA_MODELS,
      maxConcurrency: cfg.ENGINE_MAX_CONCURRENCY,
      timeoutMs: cfg.ENGINE_TIMEOUT_MS,
      stallTimeoutMs: cfg.ENGINE_STALL_TIMEOUT_MS,
      retries: cfg.ENGINE_RETRIES,
      breaker: { errorPercent: cfg.ENGINE_BREAKER_ERROR_PERCENT, minRequests: cfg.ENGINE_BREAKER_MIN_REQUESTS, windowMs: cfg.ENGINE_BREAKER_WINDOW_MS, resetMs: cfg.ENGINE_BREAKER_RESET_MS },
      log,
      onError: (kind) => metrics.engineErrors.inc({ kind }),
    });
  }
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

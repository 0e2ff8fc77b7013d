import { z } from 'zod';
import { envVar } from './define.js';
import { bool, positiveInt } from './shared-schemas.js';

const gpuLayers = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : v),
  z.union([z.enum(['auto', 'max']), z.coerce.number().int().nonnegative()]).default('auto'),
);

/** Operational knobs for GPU workers: the fault cases operators hit (VRAM, OOM, slow loads). */
export const opsVars = {
  LLAMA_GPU_LAYERS: envVar(gpuLayers, 'Layers offloaded to the GPU: auto (fit to free VRAM), max, or a number (0 = CPU only).'),
  LLAMA_VRAM_PADDING_MB: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().nonnegative().optional()), 'VRAM (MiB) kept free for other processes when sizing layers and context; default: node-llama-cpp\'s (6% of VRAM, max 1 GiB).'),
  LLAMA_MIN_CONTEXT_SIZE: envVar(positiveInt(2048), 'Smallest context the out-of-memory fallback may shrink to.'),
  MODEL_PRELOAD: envVar(bool(true), 'true: /readyz waits for the model (no traffic before it is loaded). false: ready as soon as Redis and the database are.'),
  MODEL_LOAD_TIMEOUT_MS: envVar(positiveInt(600_000), 'Give up loading the model after this long (a stuck GPU driver, a slow network volume).'),
  SHUTDOWN_TIMEOUT_MS: envVar(positiveInt(280_000), 'On SIGTERM, wait this long for in-flight generations; unfinished jobs go back to the queue. Keep below the orchestrator\'s grace period.'),
};

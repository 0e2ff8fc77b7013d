import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { envVar } from './define.js';
import { optionalString, positiveInt, nonNegativeNumber, url } from './shared-schemas.js';

/**
 * Threads default: one less than the cores, at least 1. Measured on 2 cores (bench/threads):
 * llama.cpp's own default (4 threads) runs ~1000× slower there, and leaving a core to Node's
 * event loop (sampling, chat-wrapper bookkeeping) beats using both cores for the math.
 */
export const defaultLlamaThreads = () => Math.max(1, availableParallelism() - 1);

export const coreVars = {
  ENV_FILE: envVar(optionalString(), 'Settings file read at start-up (default `.env` in the working directory); variables exported in the shell win over it.'),
  PORT: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).default(3000)), 'HTTP port for Slack events, Teams activities, health and metrics (0 = any free port).'),
  ROLE: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['all', 'adapters', 'worker']).default('all')), '`all` (one process), `adapters` (HTTP + delivery) or `worker` (GPU inference).'),
  LOG_LEVEL: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')), 'pino level. Message text is only logged at `debug` or below.'),
  LOG_REPEAT_INTERVAL_MS: envVar(positiveInt(10_000), 'A repeated warning (Redis unreachable, rejected Teams tokens) is logged at most once per this many ms, with a count of the lines left out.'),
  REDIS_URL: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.url().default('redis://127.0.0.1:6379')), 'Redis for BullMQ queues.', true),
  QUEUE_PREFIX: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('r1')), 'BullMQ key prefix, so several installs can share one Redis.'),
  DATABASE_URL: envVar(url(), 'PostgreSQL URL. Unset: embedded PostgreSQL (PGlite) under DATA_DIR.', true),
  DATA_DIR: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().default('./data')), 'Embedded database and downloaded models live here.'),
  MODEL_PATH: envVar(optionalString(), 'GGUF model file. Unset: the default DeepSeek-R1 distill is downloaded once into DATA_DIR/models.'),
  MODEL_URI: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.string().default('hf:bartowski/DeepSeek-R1-Distill-Qwen-7B-GGUF:Q4_K_M')), 'What to download when MODEL_PATH is unset (node-llama-cpp model URI).'),
  LLAMA_THREADS: envVar(positiveInt(defaultLlamaThreads()), 'CPU threads for llama.cpp. Default: cores − 1 (min 1). Always set explicitly on shared hosts.'),
  LLAMA_SEQUENCES: envVar(positiveInt(4).pipe(z.number().max(64)), 'Sequences in the one context = jobs batched together (dynamic batching).'),
  LLAMA_CONTEXT_SIZE: envVar(positiveInt(8192), 'Context size in tokens of each sequence (node-llama-cpp gives every sequence its own).'),
  LLAMA_GPU: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['auto', 'cuda', 'vulkan', 'metal', 'false']).default('auto')), 'GPU backend: auto, cuda, vulkan, metal or false (CPU only).'),
  LLAMA_TEMPERATURE: envVar(nonNegativeNumber(0.6), 'Sampling temperature (DeepSeek recommends 0.5–0.7 for R1; 0 = greedy).'),
  LLAMA_MAX_TOKENS: envVar(positiveInt(4096), 'Maximum generated tokens per answer (reasoning included).'),
  HISTORY_MAX_MESSAGES: envVar(positiveInt(20), 'Thread messages fetched as context for a follow-up.'),
  HISTORY_MAX_CHARS: envVar(positiveInt(12000), 'Character budget for thread history in the prompt (oldest dropped first); ENGINE=llama also fits the prompt to the context in tokens.'),
  QUESTION_MAX_CHARS: envVar(positiveInt(8000), 'Longer questions get a clear error instead of a job.'),
  JOB_LOCK_MS: envVar(positiveInt(30000), 'BullMQ job lock; a crashed worker\'s job is retried after about this long.'),
  INTAKE_TIMEOUT_MS: envVar(positiveInt(2000), 'Longest admission may take to queue a question durably; past it (Redis down) the platform gets a 503 and retries. Keep under Slack\'s 3 s.'),
  JOB_ATTEMPTS: envVar(positiveInt(3), 'Attempts per job before it is marked failed and the user told.'),
  SYSTEM_PROMPT: envVar(optionalString(), 'Replaces the default system prompt.'),
};

import { z } from 'zod';
import { envVar } from './define.js';
import { optionalString, positiveInt, url } from './shared-schemas.js';

/** `name=modelId,…`: a channel's LoRA adapter name → the model id the engine serves it under. */
const loraModelMap = () =>
  z.preprocess((v) => (v === undefined || v === '' ? '' : String(v)), z.string().transform((raw, ctx) => {
    const out: Record<string, string> = {};
    for (const entry of raw.split(',').map((x) => x.trim()).filter(Boolean)) {
      const eq = entry.indexOf('=');
      const name = eq < 0 ? '' : entry.slice(0, eq).trim();
      const id = eq < 0 ? '' : entry.slice(eq + 1).trim();
      if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name) || name === 'base' || !id) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be name=modelId with a lower-case adapter name (letters, digits, . _ -; not base)` });
        return z.NEVER;
      }
      out[name] = id;
    }
    return out;
  }));

const nonNegativeInt = (def: number) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().nonnegative().default(def));

/**
 * Which engine runs the model (#15). `llama` loads a GGUF file in the worker (node-llama-cpp, one
 * GPU or CPU); `openai` drives an OpenAI-compatible inference server built for clusters (vLLM,
 * SGLang, TensorRT-LLM's server, llama.cpp's llama-server, or this project's own `/v1`), so a
 * worker needs no GPU and no model file.
 */
export const engineVars = {
  ENGINE: envVar(z.preprocess((v) => (v === '' ? undefined : v), z.enum(['llama', 'openai']).default('llama')), '`llama`: the model runs in the worker (node-llama-cpp, MODEL_PATH). `openai`: the worker drives an OpenAI-compatible server at ENGINE_URL (vLLM, SGLang, TensorRT-LLM, llama-server).'),
  ENGINE_URL: envVar(url(), 'With ENGINE=openai: the server\'s OpenAI base URL including `/v1`, as OpenAI clients take it (e.g. `http://vllm:8000/v1`).'),
  ENGINE_API_KEY: envVar(optionalString(), 'With ENGINE=openai: bearer key for the server (vLLM `--api-key`); unset sends none.', true),
  ENGINE_MODEL: envVar(optionalString(), 'With ENGINE=openai: the model id to request; unset = the first id the server lists at `/v1/models`. Recorded with every answer.'),
  ENGINE_LORA_MODELS: envVar(loraModelMap(), 'With ENGINE=openai: `adapter=modelId,…`: the model id under which the engine serves a channel\'s LoRA adapter (vLLM `--lora-modules modelId=path`). Unlisted adapters are requested under their own name; one the engine does not list at `/v1/models` is answered by the base model.'),
  ENGINE_MAX_CONCURRENCY: envVar(positiveInt(16).pipe(z.number().max(1024)), 'With ENGINE=openai: requests one worker keeps in flight (its BullMQ concurrency); the engine batches them continuously. Replicas × this should not exceed the engine\'s `--max-num-seqs`.'),
  ENGINE_TIMEOUT_MS: envVar(positiveInt(120_000), 'With ENGINE=openai: longest wait for the server to answer a request (until the response and its first chunk arrive); a slower one counts as a failure and is retried.'),
  ENGINE_STALL_TIMEOUT_MS: envVar(positiveInt(60_000), 'With ENGINE=openai: longest gap between two chunks once a streamed answer has started; a longer silence cuts the request and counts as a failure (like a dropped connection: the job is retried, the answer delivered once).'),
  ENGINE_RETRIES: envVar(nonNegativeInt(2), 'With ENGINE=openai: retries with backoff inside one job attempt (connection errors, 5xx, 408, 429 with its Retry-After) before the attempt fails.'),
  ENGINE_BREAKER_ERROR_PERCENT: envVar(positiveInt(50).pipe(z.number().max(100)), 'With ENGINE=openai: the circuit breaker opens when this share of requests in the last ENGINE_BREAKER_WINDOW_MS failed (connection errors, 5xx, timeouts; never 4xx or Stop).'),
  ENGINE_BREAKER_MIN_REQUESTS: envVar(positiveInt(3), 'With ENGINE=openai: requests in the window before the breaker may open (fewer never open it).'),
  ENGINE_BREAKER_WINDOW_MS: envVar(positiveInt(30_000), 'With ENGINE=openai: the breaker\'s rolling window.'),
  ENGINE_BREAKER_RESET_MS: envVar(positiveInt(10_000), 'With ENGINE=openai: while open, the breaker probes `/v1/models` this often; the first success closes it and the worker takes jobs again.'),
};

import type { Logger } from '../../log/logger.js';

/** Options of {@link OpenAiEngine}; the env vars they come from are named on each field. */
export interface OpenAiEngineOptions {
  /** ENGINE_URL: the OpenAI base URL including `/v1` (e.g. `http://vllm:8000/v1`). */
  baseUrl: string;
  /** ENGINE_API_KEY: bearer key; unset sends a placeholder (servers started without a key ignore it). */
  apiKey?: string;
  /** ENGINE_MODEL: the model id to request; unset = the first id at `/v1/models`. */
  model?: string;
  /**
   * ENGINE_LORA_MODELS: a channel's LoRA adapter name → the model id the engine serves it under
   * (vLLM `--lora-modules id=path`). An adapter not listed here is requested under its own name.
   */
  loraModels?: Record<string, string>;
  /** How long the `/v1/models` listing is trusted before an unknown adapter makes us read it again. Defaults to 30 000 ms. */
  modelsTtlMs?: number;
  /** ENGINE_MAX_CONCURRENCY: requests kept in flight (the worker's concurrency). */
  maxConcurrency: number;
  /** ENGINE_TIMEOUT_MS: longest wait for a response to start (headers and the first chunk), in ms. */
  timeoutMs: number;
  /**
   * ENGINE_STALL_TIMEOUT_MS: longest gap between two chunks of a stream once it has started, in ms;
   * longer, and the request is cut and the attempt fails like a dropped connection. Defaults to `timeoutMs`.
   */
  stallTimeoutMs?: number;
  /** @internal The clock (ms, monotonic) the stall watch reads; defaults to `performance.now`. */
  now?: () => number;
  /** ENGINE_RETRIES: the client's retries with backoff within one call. Defaults to 2. */
  retries?: number;
  /** The circuit breaker (opossum). */
  breaker: {
    /** ENGINE_BREAKER_ERROR_PERCENT: failure share (0–100) in the window that opens it. */
    errorPercent: number;
    /** ENGINE_BREAKER_MIN_REQUESTS: requests in the window before it may open. */
    minRequests: number;
    /** ENGINE_BREAKER_WINDOW_MS: the rolling window, in ms. */
    windowMs: number;
    /** ENGINE_BREAKER_RESET_MS: how long it stays open before a probe, in ms. */
    resetMs: number;
  };
  log: Logger;
  /** Called on every failed request (for the `r1_engine_errors_total` metric), by kind. */
  onError?: (kind: EngineErrorKind) => void;
}

/** How a request to the engine failed. */
export type EngineErrorKind = 'connection' | 'timeout' | 'server' | 'rate_limited' | 'refused' | 'stream';

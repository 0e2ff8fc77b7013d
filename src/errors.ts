/** Stable error codes. Each error class carries the fields needed to act on it. */
export type ErrorCode =
  | 'config_invalid'
  | 'model_unavailable'
  | 'input_invalid'
  | 'job_invalid'
  | 'platform_error'
  | 'storage_error'
  | 'intake_unavailable'
  | 'redis_unavailable'
  | 'platform_rate_limited'
  | 'unauthenticated'
  | 'forbidden'
  | 'auth_unavailable'
  | 'engine_unavailable'
  | 'engine_rate_limited'
  | 'engine_request_refused';

export class R1Error extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A bad or missing environment variable; `variable` names it. */
export class ConfigError extends R1Error {
  constructor(readonly variable: string, message: string) {
    super('config_invalid', message);
  }
}

/** The model file cannot be read, parsed or downloaded. */
export class ModelUnavailableError extends R1Error {
  constructor(readonly modelPath: string | undefined, message: string, options?: { cause?: unknown }) {
    super('model_unavailable', message, options);
  }
}

/**
 * The database cannot be reached at start-up. `host` and `port` name where it was looked for; the
 * message never holds the URL (its password).
 */
export class DatabaseUnavailableError extends R1Error {
  constructor(readonly host: string, readonly port: string, message: string, options?: { cause?: unknown }) {
    super('storage_error', message, options);
  }
}

/** No Redis to use: none configured, none answering, and none that can be started here. */
export class RedisUnavailableError extends R1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('redis_unavailable', message, options);
  }
}

/** User input that cannot become a job (empty, too long). The message is safe to show the user. */
export class InputError extends R1Error {
  constructor(message: string) {
    super('input_invalid', message);
  }
}

/** A job payload that does not match the contract: permanent, never retried. */
export class JobContractError extends R1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('job_invalid', message, options);
  }
}

/**
 * A question could not be queued durably in time (Redis down or slow). The surface must answer
 * the platform with a non-2xx so it retries: never acknowledge what is not queued.
 */
export class IntakeUnavailableError extends R1Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super('intake_unavailable', message, options);
  }
}

/**
 * A platform refused a call because of its rate limit (Slack: HTTP 429 per method; Teams: 429 per
 * conversation). Adapters translate their SDK's error into this at the edge; a BullMQ worker turns
 * it into a delay of the job (see `rescheduleOnRateLimit`), never into a failed attempt.
 */
export class PlatformRateLimitError extends R1Error {
  constructor(
    /** Which platform refused, e.g. `slack`. */
    readonly platform: string,
    /** The platform method that was limited, e.g. `chat.postMessage` (Slack's limits are per method). */
    readonly method: string,
    /** How long the platform asked us to wait (its `Retry-After`), in ms. */
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super('platform_rate_limited', `${platform} rate-limited ${method}: retry after ${Math.round(retryAfterMs / 1000)} s`, options);
  }
}

/**
 * The inference engine could not be reached or failed (connection refused or dropped, 5xx, no
 * response within ENGINE_TIMEOUT_MS), after the client's own retries. With `retryAfterMs` set the
 * circuit breaker is open: the job should wait that long in the queue without spending an attempt.
 */
export class EngineUnavailableError extends R1Error {
  constructor(
    /** The engine's base URL (never with credentials). */
    readonly engineUrl: string,
    message: string,
    /** Set while the breaker is open: when the engine is next probed, in ms. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super('engine_unavailable', message, options);
  }
}

/** The engine answered 429 (after the client's retries): the job waits `retryAfterMs` (its `Retry-After`). */
export class EngineRateLimitError extends R1Error {
  constructor(readonly engineUrl: string, readonly retryAfterMs: number, options?: { cause?: unknown }) {
    super('engine_rate_limited', `the engine at ${engineUrl} is rate-limiting: retry after ${Math.round(retryAfterMs)} ms`, options);
  }
}

/**
 * The engine refused the request itself (4xx other than 408/429: unknown model, unsupported
 * parameter, bad key): retrying the same request cannot help, so the job fails at once.
 */
export class EngineRequestError extends R1Error {
  constructor(readonly engineUrl: string, readonly status: number, message: string, options?: { cause?: unknown }) {
    super('engine_request_refused', message, options);
  }
}

/**
 * A LoRA adapter (LORA_ADAPTERS) cannot be used: unreadable, not a GGUF LoRA adapter, made for
 * another architecture, or rejected by llama.cpp. `adapter` is its configured name.
 */
export class AdapterUnavailableError extends R1Error {
  constructor(readonly adapter: string, readonly filePath: string, message: string, options?: { cause?: unknown }) {
    super('model_unavailable', message, options);
  }
}

/** Wraps anything thrown into an R1Error-compatible shape for logging. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

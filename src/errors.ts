/** Stable error codes. Each error class carries the fields needed to act on it. */
export type ErrorCode =
  | 'config_invalid'
  | 'model_unavailable'
  | 'input_invalid'
  | 'job_invalid'
  | 'platform_error'
  | 'storage_error'
  | 'unauthenticated'
  | 'forbidden'
  | 'auth_unavailable';

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

/** Wraps anything thrown into an R1Error-compatible shape for logging. */
export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

import { AuthError, AuthUnavailableError } from '../../src/index.js';

/**
 * An error in OpenAI's shape, `{"error":{"message","type","param","code"}}`, with its HTTP status.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export class OpenAiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 413 | 429 | 500 | 503,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OpenAiError';
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null, code = 'invalid_value') => new OpenAiError(400, message, 'invalid_request_error', param, code);
export const notFound = (message: string, code = 'not_found', param: string | null = null) => new OpenAiError(404, message, 'invalid_request_error', param, code);

/** The client (or the whole API) asked too often; `retryAfterS` becomes `Retry-After`. */
export class ApiRateLimitedError extends Error {
  constructor(readonly retryAfterS: number, message = `Rate limit reached; retry after ${retryAfterS} s.`) {
    super(message);
    this.name = 'ApiRateLimitedError';
  }
}

/** No worker can take the request now (none ready, model not loaded, shutting down). */
export class ApiUnavailableError extends Error {
  constructor(message = 'The model is not available right now; retry shortly.', readonly retryAfterS?: number) {
    super(message);
    this.name = 'ApiUnavailableError';
  }
}

/** Fastify's own errors carry `statusCode` and a `code` like `FST_ERR_CTP_BODY_TOO_LARGE`. */
interface HttpishError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Everything a route can throw → an OpenAI error. Unknown errors become a 500 whose message says
 * nothing of the cause (it is logged instead).
 */
export function toOpenAiError(e: unknown, requiredScope: string): OpenAiError {
  if (e instanceof OpenAiError) return e;
  if (e instanceof AuthError) {
    return e.status === 401
      ? new OpenAiError(401, e.reason, 'invalid_request_error', null, 'invalid_api_key', { 'www-authenticate': 'Bearer error="invalid_token"' })
      : new OpenAiError(403, e.reason, 'invalid_request_error', null, 'insufficient_scope', { 'www-authenticate': `Bearer error="insufficient_scope", scope="${requiredScope}"` });
  }
  if (e instanceof AuthUnavailableError) return new OpenAiError(503, 'The identity provider cannot be reached to check the token; retry shortly.', 'server_error', null, 'auth_unavailable', { 'retry-after': '5' });
  if (e instanceof ApiRateLimitedError) {
    const s = String(Math.max(1, Math.ceil(e.retryAfterS)));
    return new OpenAiError(429, e.message, 'requests', null, 'rate_limit_exceeded', { 'retry-after': s });
  }
  if (e instanceof ApiUnavailableError) return new OpenAiError(503, e.message, 'server_error', null, 'service_unavailable', e.retryAfterS ? { 'retry-after': String(Math.ceil(e.retryAfterS)) } : {});
  const h = e as HttpishError;
  if (h?.statusCode === 413) return new OpenAiError(413, 'The request body is too large.', 'invalid_request_error', null, 'request_too_large');
  if (h?.statusCode === 415) return badRequest('The request body must be JSON (Content-Type: application/json).', null, 'invalid_content_type');
  if (h?.statusCode === 400 && typeof h.code === 'string' && h.code.startsWith('FST_')) return badRequest(`The request body is not valid JSON: ${h.message ?? ''}`.trim(), null, 'invalid_json');
  return new OpenAiError(500, 'The server had an error while processing your request.', 'server_error', null, 'internal_error');
}

import { PlatformRateLimitError } from '../../src/index.js';

/** Connector errors carry `statusCode` and the response headers (botframework-connector's RestError). */
interface ConnectorError {
  statusCode?: number;
  code?: string;
  response?: { headers?: { get?: (name: string) => string | undefined } };
}

export interface RetryOptions {
  attempts?: number;
  /** First backoff when no Retry-After is given. */
  baseDelayMs?: number;
  /**
   * The operation, for errors and logs (e.g. `post`, `update`). Default `call`.
   */
  operation?: string;
  /**
   * True for calls that may safely run twice (update, delete): 5xx answers are retried here.
   * False (default) for posts: a 5xx can come after Teams stored the activity, and Teams gives a
   * bot no way to look up its own earlier posts, so a blind retry would post it twice. Such a
   * failure is thrown as {@link AmbiguousPostError}; the caller decides (see `TeamsReplySink`).
   */
  idempotent?: boolean;
}

/** A post answered 5xx (or cut off): Teams may or may not have stored the activity. */
export class AmbiguousPostError extends Error {
  constructor(readonly statusCode: number | undefined, options?: { cause?: unknown }) {
    super(`Teams connector post failed ambiguously (${statusCode ?? 'no status'}): the activity may have been stored`, options);
    this.name = 'AmbiguousPostError';
  }
}

/** Errors that can come after the request reached the connector: the outcome is unknown. */
const isAmbiguous = (err: ConnectorError) => (err.statusCode ?? 0) >= 500 || err.code === 'ECONNRESET' || err.code === 'ETIMEDOUT' || err.code === 'REQUEST_SEND_ERROR';

/**
 * Runs a connector call. A 429 rejects at once with `PlatformRateLimitError` (its Retry-After), so
 * the delivery job waits in BullMQ's delayed set and no worker slot, and no other conversation,
 * waits with it. A 5xx is retried with exponential backoff only for idempotent calls; for a post
 * it becomes {@link AmbiguousPostError}.
 */
export async function withConnectorRetry<T>(fn: () => Promise<T>, { attempts = 5, baseDelayMs = 500, operation = 'call', idempotent = false }: RetryOptions = {}): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const err = e as ConnectorError;
      const status = err.statusCode ?? 0;
      if (status === 429) {
        const retryAfter = Number(err.response?.headers?.get?.('retry-after'));
        throw new PlatformRateLimitError('teams', operation, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : baseDelayMs, { cause: e });
      }
      if (!idempotent && isAmbiguous(err)) throw new AmbiguousPostError(err.statusCode, { cause: e });
      if (i >= attempts || status < 500) throw e;
      await new Promise((r) => setTimeout(r, Math.min(baseDelayMs * 2 ** (i - 1), 60_000)));
    }
  }
}

/** Connector errors carry `statusCode` and the response headers (botframework-connector's RestError). */
interface ConnectorError {
  statusCode?: number;
  response?: { headers?: { get?: (name: string) => string | undefined } };
}

export interface RetryOptions {
  attempts?: number;
  /** First backoff when no Retry-After is given. */
  baseDelayMs?: number;
}

/** Runs a connector call, retrying 429 and 5xx answers after Retry-After (or exponential backoff). */
export async function withConnectorRetry<T>(fn: () => Promise<T>, { attempts = 5, baseDelayMs = 500 }: RetryOptions = {}): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const err = e as ConnectorError;
      const status = err.statusCode ?? 0;
      if (i >= attempts || !(status === 429 || status >= 500)) throw e;
      const retryAfter = Number(err.response?.headers?.get?.('retry-after'));
      const delay = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : baseDelayMs * 2 ** (i - 1);
      await new Promise((r) => setTimeout(r, Math.min(delay, 60_000)));
    }
  }
}

import type { WebClient } from '@slack/web-api';
import { PlatformRateLimitError } from '../../src/index.js';

/** `@slack/web-api`'s code for a 429 rejected by a client built with `rejectRateLimitedCalls: true`. */
const RATE_LIMITED_CODE = 'slack_webapi_rate_limited_error';
/** Used when Slack says "rate limited" without a usable `Retry-After`. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * Translates a Slack SDK error for one Web API method into the core's error classes: a rate limit
 * (HTTP 429 with `Retry-After`, or an `ok: false` `ratelimited` answer) becomes
 * {@link PlatformRateLimitError} naming the method, since Slack's limits are per method. Anything
 * else is returned unchanged (callers still read Slack's `data.error` codes).
 */
export function toCoreError(e: unknown, method: string): unknown {
  const err = e as { code?: string; retryAfter?: number; data?: { error?: string; response_metadata?: { retryAfter?: number } } } | null;
  if (err?.code === RATE_LIMITED_CODE) return new PlatformRateLimitError('slack', method, secondsToMs(err.retryAfter), { cause: e });
  if (err?.data?.error === 'ratelimited' || err?.data?.error === 'rate_limited') {
    return new PlatformRateLimitError('slack', method, secondsToMs(err.data.response_metadata?.retryAfter), { cause: e });
  }
  return e;
}

const secondsToMs = (s: number | undefined) => (typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s * 1000 : DEFAULT_RETRY_AFTER_MS);

const wrapped = new WeakMap<object, object>();

/**
 * The same client, with every Web API method's error passed through {@link toCoreError}
 * (`client.chat.postMessage(…)` rejects with a `PlatformRateLimitError` for `chat.postMessage`).
 * One wrapper at the edge instead of a try/catch at every call site; the WebClient's own methods
 * are bound at construction, so they cannot be patched after the fact.
 */
export function withCoreErrors(client: WebClient): WebClient {
  const hit = wrapped.get(client);
  if (hit) return hit as WebClient;
  const proxy = wrap(client, '') as WebClient;
  wrapped.set(client, proxy);
  return proxy;
}

function wrap(target: object, path: string): object {
  return new Proxy(target, {
    get(t, prop) {
      // The real object as receiver: getters and private fields of the client keep working.
      const v = Reflect.get(t, prop);
      if (typeof prop !== 'string') return v;
      const name = path ? `${path}.${prop}` : prop;
      if (typeof v === 'function') {
        return (...args: unknown[]) => {
          // `client.apiCall('chat.postMessage', …)` names its method in the first argument.
          const method = !path && prop === 'apiCall' && typeof args[0] === 'string' ? args[0] : name;
          let out: unknown;
          try {
            out = (v as (...a: unknown[]) => unknown).apply(t, args);
          } catch (e) {
            throw toCoreError(e, method);
          }
          return out instanceof Promise ? out.catch((e: unknown) => Promise.reject(toCoreError(e, method))) : out;
        };
      }
      // Method namespaces (`chat`, `reactions`, `assistant.threads`) are plain objects of functions.
      if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return wrap(v, name);
      return v;
    },
  });
}
